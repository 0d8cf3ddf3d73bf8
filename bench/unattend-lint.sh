#!/usr/bin/env bash
# Answer-file lint by the shipped Linux build (scripts/publish.sh linux-x64: Native AOT), whole process, side by side in
# one hyperfine run with `xmllint --noout` (libxml2, C), which only parses: one public answer file (issue 15's measure:
# mwrock's Packer Windows Server 2019 Autounattend from the test data, ../shared/data or $RESEAL_TEST_DATA; target at most
# 2.5x xmllint), the ec2launch-v2 profile's file, and the generated corpus of 200 files. hyperfine's "User" and "System"
# are the CPU time, the figure that counts on a busy machine. Needs dotnet, clang, lld, hyperfine, xmllint.
set -euo pipefail
cd "$(dirname "$0")/.."
data=${RESEAL_TEST_DATA:-$(pwd)/../shared/data}
public="$data/answerfiles/public/02-mwrock-packer-templates-2019-Autounattend.xml.gz"
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
if [ -f "$public" ]; then
  gzip -dc "$public" > "$out/mwrock.xml"
  hyperfine -N --warmup 5 --runs 40 \
    --command-name "reseal unattend lint (mwrock Packer 2019 Autounattend)" "$reseal unattend lint --fail-on none $out/mwrock.xml" \
    --command-name "xmllint --noout (the same file, parse only)" "xmllint --noout $out/mwrock.xml" \
    --export-markdown "$out/public.md" >&2
else
  echo "no $public (the public answer files of the test data): that comparison is left out" >&2
  : > "$out/public.md"
fi
hyperfine -N --warmup 5 --runs 40 \
  --command-name "reseal unattend lint (1 file)" "$reseal unattend lint --fail-on none $out/one.xml" \
  --command-name "xmllint --noout (1 file, parse only)" "xmllint --noout $out/one.xml" \
  --export-markdown "$out/one.md" >&2
hyperfine --warmup 2 --runs 10 \
  --command-name "reseal unattend lint ($count files)" "$reseal unattend lint --fail-on none $out/corpus/*.xml" \
  --command-name "xmllint --noout ($count files, parse only)" "xmllint --noout $out/corpus/*.xml" \
  --export-markdown "$out/corpus.md" >&2
cat "$out/public.md" "$out/one.md" "$out/corpus.md"
