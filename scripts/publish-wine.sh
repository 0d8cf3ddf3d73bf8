#!/usr/bin/env bash
# Publishes what the Wine end-to-end tests install in a prefix (docs/wine-e2e.md):
#   OUTDIR/reseal   reseal (src/Reseal.Cli), win-x64 self-contained   -> C:\Program Files\Reseal\
#   OUTDIR/sysprep  the test-only Sysprep emulator (tests/Reseal.SysprepEmulator), win-x64 self-contained
#                                                                      -> C:\Windows\System32\Sysprep\
# from a temporary copy of the sources, as bench/publish.sh does: publishing for a runtime identifier in the repository
# itself would rewrite the lock files. Prints the seconds each publish took. Used by tests/Reseal.Wine.Tests.
# Usage: scripts/publish-wine.sh OUTDIR
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: scripts/publish-wine.sh OUTDIR" >&2; exit 2; }
repo=$(cd "$(dirname "$0")/.." && pwd)
target=$(mkdir -p "$1" && cd "$1" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$repo/Directory.Build.props" "$repo/Directory.Packages.props" "$repo/BannedSymbols.txt" "$repo/global.json" "$repo/.editorconfig" "$work/"
mkdir -p "$work/src" "$work/tests"
cp -r "$repo"/src/Reseal.* "$repo/src/Shared" "$work/src/"
cp -r "$repo/tests/Reseal.SysprepEmulator" "$work/tests/"
rm -rf "$work"/src/*/bin "$work"/src/*/obj "$work"/tests/*/bin "$work"/tests/*/obj
find "$work" -name packages.lock.json -delete

publish() { # NAME PROJECT
  local start=$SECONDS
  rm -rf "${target:?}/$1"
  dotnet publish "$work/$2" -c Release -r win-x64 --self-contained true -p:RestoreLockedMode=false \
    -p:RestorePackagesWithLockFile=false -p:RunAnalyzers=false -p:EnforceCodeStyleInBuild=false -o "$target/$1" --nologo -v q \
    > "$work/publish-$1.log" 2>&1 || { cat "$work/publish-$1.log" >&2; exit 1; }
  echo "published $1 in $((SECONDS - start)) s"
}
publish reseal src/Reseal.Cli
publish sysprep tests/Reseal.SysprepEmulator
