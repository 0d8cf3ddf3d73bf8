#!/usr/bin/env bash
# Side by side, whole process, one run: `reseal unattend lint` over the generated corpus against `xmllint --noout`
# (libxml2, C), which only parses. Needs hyperfine and xmllint (Debian: hyperfine, libxml2-utils).
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in hyperfine xmllint dotnet; do
  command -v "$tool" >/dev/null || { echo "missing $tool" >&2; exit 4; }
done
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
bench/publish.sh "$out/reseal"
dotnet run -c Release --project bench/Reseal.Bench -- corpus "$out/corpus"
count=$(find "$out/corpus" -name '*.xml' | wc -l)
hyperfine --warmup 2 --runs 10 \
  --command-name "reseal unattend lint ($count files)" "$out/reseal/reseal unattend lint --fail-on none $out/corpus/*.xml" \
  --command-name "xmllint --noout ($count files, parse only)" "xmllint --noout $out/corpus/*.xml" \
  --export-markdown "$out/result.md"
cat "$out/result.md"
