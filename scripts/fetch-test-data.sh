#!/usr/bin/env bash
# Downloads the real test files (Windows registry hives, Microsoft sample answer files) from their public origins
# into a folder laid out like the workplace's shared/data folder:
#   <target>/hives/<prefix>-<name>.gz           gzip-compressed hive (regipy's .xz files are recompressed)
#   <target>/answerfiles/mssample-<name>.xml    plain XML
#   <target>/SOURCES.md                         where each file came from; the tests look for it
# Tests find <repository>/data-cache by themselves; any other folder is given to them with RESEAL_TEST_DATA.
# Run with --help for the options.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: scripts/fetch-test-data.sh [--force] [--no-verify] [--keep-going] [TARGET]

Downloads the test hives and sample answer files from their public origins into TARGET
(default: data-cache/ at the repository root, which the tests find by themselves; for any
other folder set RESEAL_TEST_DATA=TARGET when running the tests).

  --force        download again files that are already present
  --no-verify    keep a file whose SHA-256 differs from the one recorded here (upstream changed it)
  --keep-going   do not stop at the first failed file; report all failures at the end
  -h, --help     show this help

Needs curl (or wget), xz, gzip, and sha256sum (or shasum). Prints one line per file.
Exits non-zero, naming the URL, when a download fails.
EOF
}

force=0
verify=1
keep_going=0
target=""
while [ $# -gt 0 ]; do
  case "$1" in
    -h | --help) usage; exit 0 ;;
    --force) force=1 ;;
    --no-verify) verify=0 ;;
    --keep-going) keep_going=1 ;;
    --) shift; [ $# -gt 0 ] && target="$1"; break ;;
    -*) echo "fetch-test-data: unknown option: $1 (see --help)" >&2; exit 2 ;;
    *)
      if [ -n "$target" ]; then
        echo "fetch-test-data: only one target folder may be given (see --help)" >&2
        exit 2
      fi
      target="$1"
      ;;
  esac
  shift
done

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
target="${target:-$repo_root/data-cache}"

# --- tools -----------------------------------------------------------------------------------------------------
need() {
  command -v "$1" >/dev/null 2>&1 || { echo "fetch-test-data: required tool '$1' not found; please install it" >&2; exit 1; }
}
if command -v curl >/dev/null 2>&1; then
  downloader=curl
elif command -v wget >/dev/null 2>&1; then
  downloader=wget
else
  echo "fetch-test-data: required tool 'curl' (or 'wget') not found; please install one of them" >&2
  exit 1
fi
need xz
need gzip
if command -v sha256sum >/dev/null 2>&1; then
  sha256() { sha256sum "$1" | cut -d' ' -f1; }
elif command -v shasum >/dev/null 2>&1; then
  sha256() { shasum -a 256 "$1" | cut -d' ' -f1; }
elif [ "$verify" -eq 1 ]; then
  echo "fetch-test-data: required tool 'sha256sum' (or 'shasum') not found; install one or pass --no-verify" >&2
  exit 1
fi

download() { # download URL FILE: the whole file or a non-zero status
  if [ "$downloader" = curl ]; then
    curl -fsSL --retry 3 --connect-timeout 30 -o "$2" "$1"
  else
    wget -nv --tries=3 --timeout=30 -O "$2" "$1"
  fi
}

# --- the files -------------------------------------------------------------------------------------------------
# One line per file: local path | SHA-256 of the uncompressed content | URL [fallback URL ...]
# A URL ending in .xz is decompressed; every hive is then stored gzip-compressed (gzip -9n).
# The SHA-256 values are those of the copies in the workplace's shared/data folder, which the tests were written
# against. Upstream paths were checked against the repositories' file listings and test sources unless an entry
# says "path not verified".
RAW=https://raw.githubusercontent.com
REGIPY=$RAW/mkorman90/regipy/master/regipy_tests/data          # MIT; default branch master
WINREGKB=$RAW/libyal/winreg-kb/main/test_data                   # Apache-2.0; default branch main
EZ=$RAW/EricZimmerman/Registry/master/Registry.Test/Hives       # MIT; default branch master
HIVEX=$RAW/libguestfs/hivex/master/images                       # LGPL-2.1; default branch master
# MicrosoftDocs/commercialization-public: paths seen in a fork of it (brianlic-msft/commercialization-public);
# the upstream default branch was not verified, so master is tried first, then main.
MSDOCS_MASTER=$RAW/MicrosoftDocs/commercialization-public/master/manufacture/desktop/samples
MSDOCS_MAIN=$RAW/MicrosoftDocs/commercialization-public/main/manufacture/desktop/samples

manifest() {
  cat <<EOF
hives/regipy-BCD.gz|68ea6fe47b681ad878fd7785fb0d7d5b89a480920c02d62ea2d49f929444c06e|$REGIPY/BCD.xz
hives/regipy-NTUSER.DAT.gz|6a38fcea924113963e4931725cc4c2f4f10e1240234cb1867d101a1cd92cd439|$REGIPY/NTUSER.DAT.xz
hives/regipy-NTUSER_BAGMRU.DAT.gz|5fb553dcc3231500e57212d984321610d790d467965ace2c5f770ef7903e9fc1|$REGIPY/NTUSER_BAGMRU.DAT.xz
hives/regipy-SAM.gz|ade60f7db90dee216d93c9cc61c1bb020becba381619473c9488877b0950bc48|$REGIPY/SAM.xz
hives/regipy-SECURITY.gz|214a437cf9a43d89c2f2772577e47ba2ee1b5c02eeb157120fa43679c378e8dc|$REGIPY/SECURITY.xz
hives/regipy-SYSTEM.gz|e178813e4643e8ccf4d1ccc505ddc128041b6135277417b98219dfe3167450c3|$REGIPY/SYSTEM.xz
hives/regipy-SYSTEM_B.gz|9154e260abdc4ac206ef9d872dd4e1add0150b869bda5b112944af2ff5ec39b4|$REGIPY/SYSTEM_B.xz
hives/regipy-SYSTEM_B.LOG1.gz|9bc4bd3324313b689e0cda9275494d93c714dcb03b434a69927bae8ac7ebc065|$REGIPY/SYSTEM_B.LOG1.xz
hives/regipy-SYSTEM_B.LOG2.gz|fc1c4b211d19ca3ec1c6c402f602c4f67d287a4fb9664069c3e0172898940652|$REGIPY/SYSTEM_B.LOG2.xz
hives/regipy-SYSTEM_WIN_10_1709.gz|327b5f8ef6aac317d5ab35ddec2aa3fb4fba008559768353347a5ca4d660f058|$REGIPY/SYSTEM_WIN_10_1709.xz
hives/regipy-UsrClass.dat.gz|d8e1aca997c137fa2d14160c6c0f50dd13b0b277e65331de5cd8acca6152ba7a|$REGIPY/UsrClass.dat.xz
hives/regipy-UsrClass.dat.LOG1.gz|b4c4930d57aed25472bb139fa12fcf3709d3b00852b897342edbf121d29df122|$REGIPY/UsrClass.dat.LOG1.xz
hives/regipy-UsrClass.dat.LOG2.gz|5eddc08d39518ca58f0650c80ab8000bda8568e6a6ccf3a0baabd954ea6f26ae|$REGIPY/UsrClass.dat.LOG2.xz
hives/regipy-amcache.hve.gz|bd77d59379c4be223b41aa69dddae52269e8af78f429eabee89b56e6bcd52833|$REGIPY/amcache.hve.xz
hives/regipy-corrupted_system_hive.gz|ec35435f882ccd14610d7a15ba1f6ddd9af6d3fe1e8200c1a95652c1b6bb558e|$REGIPY/corrupted_system_hive.xz
hives/regipy-ntuser_software_partial.gz|d2a85165fca3d0e20e43e8efbfdcf1782a5b772e525aea696f63b7821c35a4f0|$REGIPY/ntuser_software_partial.xz
hives/regipy-transactions_NTUSER.DAT.gz|e47f18fb696e4f18ff7432348561e4393f20336b80d0dd88e9c134e5575ecae1|$REGIPY/transactions_NTUSER.DAT.xz
hives/regipy-transactions_ntuser.dat.log1.gz|da74b301d70d460a901b533410409143e0fbb71b9f9ed50a1b18f80f6163896b|$REGIPY/transactions_ntuser.dat.log1.xz
hives/regipy-transactions_ntuser.dat.log2.gz|46104b07952e0b31146cb383f3d4e127e182c4bc375ca647385a58674fd3be53|$REGIPY/transactions_ntuser.dat.log2.xz
hives/winregkb-NTUSER.DAT.gz|490ba00a82808753d38e243b2aed2b9ad647e435a03f3b2e09a36bd34efd8607|$WINREGKB/NTUSER.DAT
hives/winregkb-NTUSER.DAT.LOG.gz|dfd66945d24a5c1f7c8e35fc3beb755cb2c7d3f18b4b461b0127498b7352f55a|$WINREGKB/NTUSER.DAT.LOG
hives/winregkb-SAM.gz|ce88f84842d5048550542126c1d9cc15ba7dea0486996dc1c814bf8a2d9351ea|$WINREGKB/SAM
hives/winregkb-SECURITY.gz|6d15238e0e29eb1844c057eac594e4f9ce997ecdad5224cb235f03cfa7ee93db|$WINREGKB/SECURITY
# path not verified: winreg-kb's test_data/UsrClass.dat was not found in the index (name taken from SOURCES.md)
hives/winregkb-UsrClass.dat.gz|6fde8416390655766f69ce3fe871c2b28e72103919083730197d0d556611abe5|$WINREGKB/UsrClass.dat
hives/ez-BCD.gz|8f2c438e7410348d0e6f9179cf0c4077ffa3df84b3fdcc735dd187960730ff54|$EZ/BCD
hives/ez-NTUSER1.DAT.gz|8e6b4a5c64a17bcc220df4a01aeed83d5be91385cd354511f18f493c39401836|$EZ/NTUSER1.DAT
hives/ez-NotAHive.gz|e4a4034dccbfe49d305824fd10f4e63d1ca9c886009c381ae87d57f2a1527f66|$EZ/NotAHive
hives/ez-SAM.gz|8aea3c9217bfe1ecc39df535c25a02d5dfb76d0427298898a370a086c10f72aa|$EZ/SAM
hives/ez-SAMBadHBinHeader.gz|e05f4c400f210cc1d05766ffab6307d6873ae78ae76252a9578c2f396da7ca59|$EZ/SAMBadHBinHeader
hives/ez-SAM_DUPENAME.gz|2e603f9dbf65c614c82ca191253cebb94cdec4bb7b977ad0f6be38490d70c71c|$EZ/SAM_DUPENAME
hives/ez-SAM_RootValue.gz|cd21bab208cc4ecfa0aaac17dbc5e78bf550a844e7f4e06170045bec1d04f899|$EZ/SAM_RootValue
hives/ez-SAM_hasBigEndianDWord.gz|54d5663dfe9276a1efadcebc51a94ca373aeb8c0f1f61d87c2587d119075031b|$EZ/SAM_hasBigEndianDWord
hives/ez-SECURITYNoRoot.gz|bda9dce5ee2ac528d965e5d3ae67bce51869d7586dd83dd1b5e09ed573e9265c|$EZ/SECURITYNoRoot
hives/hivex-minimal.gz|4d97a594c11e5b56a0e0370ee181b9c7c9493ac16b7e7fc2b4e1b0199b6085e1|$HIVEX/minimal
hives/hivex-rlenvalue_test_hive.gz|26f04cddd91b4e39124eae2b822f857eb2c40db944b7a29364da5dc50a4b913c|$HIVEX/rlenvalue_test_hive
hives/hivex-special.gz|cc558c3628f8bf0a69e2c61eb5151492026b6d5041372cc90e20cbb880537271|$HIVEX/special
answerfiles/mssample-Autounattend_x64_UEFI_sample.xml|acb4256fb7baabd26538636405c1603f164dbe56f329c46d50961766bbf51c2c|$MSDOCS_MASTER/answerfiles/Autounattend_x64_UEFI_sample.xml $MSDOCS_MAIN/answerfiles/Autounattend_x64_UEFI_sample.xml
answerfiles/mssample-BootToAudit-x64.xml|66ba17aa25aef4d16e359acbb2019c8b4e8f6d6e7864d4babb642d8d37c14039|$MSDOCS_MASTER/answerfiles/BootToAudit-x64.xml $MSDOCS_MAIN/answerfiles/BootToAudit-x64.xml
answerfiles/mssample-CopyProfile-x64.xml|ce91c55f0387a3b06df978abd5886d850446ad2f338f94286a453cf0939b10d3|$MSDOCS_MASTER/answerfiles/CopyProfile-x64.xml $MSDOCS_MAIN/answerfiles/CopyProfile-x64.xml
answerfiles/mssample-Non_OA3.0-UnattendSysprep.xml|c5810d5cd515df2985ee7fa0460c676c54ebc7d7f10b3b4b82ed7dd5ad946f54|$MSDOCS_MASTER/USB-B%20-%20original/AnswerFiles/Non_OA3.0/UnattendSysprep.xml $MSDOCS_MAIN/USB-B%20-%20original/AnswerFiles/Non_OA3.0/UnattendSysprep.xml
answerfiles/mssample-OA3.0-UnattendSysprep.xml|cd4bb1db0a96caac4398510829bd27a8e7e4f66b1bf28bbd0b80323c1356f630|$MSDOCS_MASTER/USB-B%20-%20original/AnswerFiles/OA3.0/UnattendSysprep.xml $MSDOCS_MAIN/USB-B%20-%20original/AnswerFiles/OA3.0/UnattendSysprep.xml
EOF
}

# --- work ------------------------------------------------------------------------------------------------------
mkdir -p "$target/hives" "$target/answerfiles"
target="$(cd "$target" && pwd)"
# Temporary files live inside the target so the final mv is a rename on the same file system.
work="$(mktemp -d "$target/.fetch.XXXXXX")"
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

failures=0
fetched=0
skipped=0
sources_rows=""
last_url=""

# fetch_one DEST SHA URL...: puts DEST in place, or prints why not and returns 1. (set -e does not apply inside a
# function called from an if, so every step checks its own status.)
fetch_one() {
  local dest="$1" want="$2"
  shift 2
  local raw="$work/raw" plain="$work/plain" packed="$work/packed" url="" got_url="" got=""
  rm -f "$raw" "$plain" "$packed" "$work/errors"
  for url in "$@"; do # the first URL that gives a non-empty file wins; the others are fallbacks
    if download "$url" "$raw" </dev/null 2>>"$work/errors" && [ -s "$raw" ]; then
      got_url="$url"
      break
    fi
    rm -f "$raw"
  done
  if [ -z "$got_url" ]; then
    echo "FAILED   $dest: download failed: $*" >&2
    [ -s "$work/errors" ] && sed 's/^/         /' "$work/errors" >&2
    return 1
  fi
  case "$got_url" in
    *.xz)
      xz -dc "$raw" >"$plain" || { echo "FAILED   $dest: cannot decompress xz from $got_url" >&2; return 1; }
      rm -f "$raw"
      ;;
    *) mv "$raw" "$plain" || return 1 ;;
  esac
  if [ "$verify" -eq 1 ]; then
    got="$(sha256 "$plain")" || return 1
    if [ "$got" != "$want" ]; then
      echo "FAILED   $dest: SHA-256 $got differs from the recorded $want (from $got_url; --no-verify keeps it)" >&2
      return 1
    fi
  fi
  case "$dest" in
    *.gz)
      { gzip -9nc "$plain" >"$packed" && gzip -t "$packed"; } ||
        { echo "FAILED   $dest: cannot gzip the file from $got_url" >&2; return 1; }
      ;;
    *) mv "$plain" "$packed" || return 1 ;;
  esac
  mv -f "$packed" "$target/$dest" || { echo "FAILED   $dest: cannot move it into $target" >&2; return 1; }
  rm -f "$plain"
  last_url="$got_url"
  echo "fetched  $dest  <- $got_url"
}

while IFS='|' read -r dest want urls; do
  case "$dest" in '' | '#'*) continue ;; esac
  read -r -a url_list <<<"$urls"
  if [ -e "$target/$dest" ] && [ "$force" -eq 0 ]; then
    echo "present  $dest  (skipped; --force downloads it again)"
    skipped=$((skipped + 1))
    sources_rows+="| \`$dest\` | ${url_list[0]} |"$'\n'
    continue
  fi
  if fetch_one "$dest" "$want" "${url_list[@]}"; then
    fetched=$((fetched + 1))
    sources_rows+="| \`$dest\` | $last_url |"$'\n'
  else
    failures=$((failures + 1))
    sources_rows+="| \`$dest\` (missing: fetch failed) | ${url_list[0]} |"$'\n'
    if [ "$keep_going" -eq 0 ]; then
      echo "fetch-test-data: stopped at the first failure (--keep-going tries the remaining files); $target has no new SOURCES.md" >&2
      exit 1
    fi
  fi
done < <(manifest)

# SOURCES.md marks the folder as test data for the tests; write it whole, then move it into place.
{
  cat <<'EOF'
# Test data: where it comes from

Downloaded by `scripts/fetch-test-data.sh` from the public origins below. Hives are gzip-compressed
(regipy's `.xz` files were decompressed and recompressed with `gzip -9n`); answer files are plain XML.
Licenses: regipy (mkorman90/regipy) MIT; winreg-kb (libyal/winreg-kb) Apache-2.0; Registry
(EricZimmerman/Registry) MIT; hivex (libguestfs/hivex) LGPL-2.1; sample answer files from Microsoft's
MicrosoftDocs/commercialization-public documentation repository.

| file | origin |
|---|---|
EOF
  printf '%s' "$sources_rows"
} >"$work/SOURCES.md"
mv -f "$work/SOURCES.md" "$target/SOURCES.md"

echo "fetch-test-data: $fetched fetched, $skipped already present, $failures failed, into $target"
if [ "$target" != "$repo_root/data-cache" ]; then
  echo "fetch-test-data: the tests look in $repo_root/data-cache; for this folder run them with RESEAL_TEST_DATA=$target"
fi
[ "$failures" -eq 0 ]
