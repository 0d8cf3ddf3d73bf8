#!/usr/bin/env bash
# The issue's measure of `reseal unattend lint` and `explain`: both run over the 40 public answer files
# (../shared/data/answerfiles/public, or $RESEAL_TEST_DATA/answerfiles/public, or the folder given), printing findings by
# rule and severity, what explain made of each file, and every error and warning for review (README records the verdicts).
set -euo pipefail
cd "$(dirname "$0")/.."
folder="${1:-${RESEAL_TEST_DATA:-../shared/data}/answerfiles/public}"
exec dotnet run -c Release --project bench/Reseal.Bench --verbosity quiet -- eval "$folder"
