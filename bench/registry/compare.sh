#!/bin/sh
# Before/after check of `reseal hive export`: runs two builds on every hive file in the shared data (transaction logs
# beside their hive, as users have them) and requires byte-identical standard output, standard error and exit code,
# for the whole hive to standard output, with --prefix, one key down, and to a file with -o. A speed change to the
# export must pass this against the build before it. Usage: bench/registry/compare.sh OLD_RESEAL NEW_RESEAL
set -eu
[ $# -eq 2 ] || { echo "usage: bench/registry/compare.sh OLD_RESEAL NEW_RESEAL" >&2; exit 2; }
OLD=$1
NEW=$2
REPO=$(cd "$(dirname "$0")/../.." && pwd)
DATA=${RESEAL_TEST_DATA:-$REPO/../shared/data}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/hives"
for gz in "$DATA"/hives/*.gz; do gunzip -c "$gz" > "$WORK/hives/$(basename "$gz" .gz)"; done

runs=0
failed=0
for hive in "$WORK"/hives/*; do
  case "$hive" in *.LOG*|*.log*) continue ;; esac
  first=$(hivexregedit --export "$hive" '\' 2>/dev/null | sed -n 's/^\[\\\([^]\\][^]\\]*\)]$/\1/p' | head -n 1)
  for args in "export" "export --prefix HKEY_LOCAL_MACHINE\\SOFTWARE" "export -o $WORK/out.reg" "export @FIRST"; do
    [ "$args" = "export @FIRST" ] && { [ -n "$first" ] || continue; }
    for side in old new; do
      exe=$OLD
      [ $side = new ] && exe=$NEW
      rm -f "$WORK/out.reg"
      set +e
      if [ "$args" = "export @FIRST" ]; then
        "$exe" hive export "$hive" "$first" > "$WORK/$side.out" 2> "$WORK/$side.err"
      else
        # shellcheck disable=SC2086 # word splitting of the arguments is meant
        "$exe" hive $args "$hive" > "$WORK/$side.out" 2> "$WORK/$side.err"
      fi
      echo $? > "$WORK/$side.code"
      set -e
      [ -f "$WORK/out.reg" ] && cat "$WORK/out.reg" >> "$WORK/$side.out"
    done
    runs=$((runs + 1))
    for part in out err code; do
      if ! cmp -s "$WORK/old.$part" "$WORK/new.$part"; then
        echo "DIFFERENT $part: $(basename "$hive") hive $args" >&2
        failed=$((failed + 1))
      fi
    done
  done
done
echo "$runs runs on $(ls "$WORK"/hives | grep -v -i '\.log' | wc -l) hives, $failed differences"
[ $failed -eq 0 ]
