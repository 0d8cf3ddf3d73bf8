#!/usr/bin/env bash
# Answer-file lint by the shipped Linux build (scripts/publish.sh linux-x64: Native AOT), whole process, side by side in
# one hyperfine run with `xmllint --noout` (libxml2, C), which only parses: one file (DESIGN.md target: at most 2.5x
# xmllint) and the generated corpus of 200 files. Needs dotnet, clang, lld, hyperfine, xmllint.
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in hyperfine xmllint dotnet; do
  command -v "$tool" >/dev/null || { echo "missing $tool" >&2; exit 4; }
done
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
scripts/publish.sh --no-package linux-x64 "$out/reseal" >&2
reseal="$out/reseal/reseal"
dotnet run -c Release --project bench/Reseal.Bench -- corpus "$out/corpus" >&2
"$reseal" unattend new --profile ec2launch-v2 --output "$out/one.xml" 2>/dev/null
count=$(find "$out/corpus" -name '*.xml' | wc -l)
hyperfine -N --warmup 5 --runs 40 \
  --command-name "reseal unattend lint (1 file)" "$reseal unattend lint --fail-on none $out/one.xml" \
  --command-name "xmllint --noout (1 file, parse only)" "xmllint --noout $out/one.xml" \
  --export-markdown "$out/one.md" >&2
hyperfine --warmup 2 --runs 10 \
  --command-name "reseal unattend lint ($count files)" "$reseal unattend lint --fail-on none $out/corpus/*.xml" \
  --command-name "xmllint --noout ($count files, parse only)" "xmllint --noout $out/corpus/*.xml" \
  --export-markdown "$out/corpus.md" >&2
cat "$out/one.md" "$out/corpus.md"
