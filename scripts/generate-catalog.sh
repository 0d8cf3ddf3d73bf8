#!/usr/bin/env bash
# Regenerates src/Reseal.Unattend/Catalog/catalog.tsv from Microsoft's Unattended Windows Setup Reference
# (the Markdown pages of MicrosoftDocs' customize/desktop/unattend/, CC BY 4.0) and tools/Reseal.CatalogGen/overlay.tsv.
#   scripts/generate-catalog.sh [REFERENCE-DIR] [--check] [--notes]
# REFERENCE-DIR defaults to ../shared/data/unattend-reference (or $RESEAL_TEST_DATA/unattend-reference).
#   --check  do not write; exit 1 when the committed catalog differs from what the generator makes
#   --notes  print what looked odd in the reference (pages whose parent links disagree, rows not resolved)
set -euo pipefail
cd "$(dirname "$0")/.."
reference=""
extra=()
for arg in "$@"; do
  case "$arg" in
    --check | --notes) extra+=("$arg") ;;
    -h | --help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "generate-catalog: unknown option $arg" >&2; exit 2 ;;
    *) reference="$arg" ;;
  esac
done
if [ -z "$reference" ]; then
  if [ -n "${RESEAL_TEST_DATA:-}" ]; then reference="$RESEAL_TEST_DATA/unattend-reference"; else reference="../shared/data/unattend-reference"; fi
fi
if [ ! -d "$reference" ]; then
  echo "generate-catalog: $reference not found; give the folder holding the reference's .md pages" >&2
  exit 4
fi
dotnet run --project tools/Reseal.CatalogGen -c Release --verbosity quiet -- \
  --reference "$reference" --overlay tools/Reseal.CatalogGen/overlay.tsv \
  --output src/Reseal.Unattend/Catalog/catalog.tsv "${extra[@]}"
