#!/usr/bin/env bash
# Runs every test project and ends with one line "N passed, N failed, N skipped".
# Tests that need a tool or data they cannot find say why and skip (.ci/run installs the tools).
set -uo pipefail
cd "$(dirname "$0")/.."

log=$(mktemp)
trap 'rm -f "$log"' EXIT
dotnet test Reseal.slnx --nologo "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# dotnet test prints one summary per test assembly: "Passed!  - Failed: 0, Passed: 12, Skipped: 1, Total: 13, ..."
read -r passed failed skipped assemblies < <(
  grep -E '(Passed|Failed)! +- Failed: +[0-9]+, Passed: +[0-9]+, Skipped: +[0-9]+' "$log" |
    sed -E 's/.*Failed: +([0-9]+), Passed: +([0-9]+), Skipped: +([0-9]+).*/\1 \2 \3/' |
    awk '{ f += $1; p += $2; s += $3; n++ } END { printf "%d %d %d %d\n", p, f, s, n }')

echo
echo "test assemblies: ${assemblies}"
if [ "${status}" -ne 0 ] && [ "${failed}" -eq 0 ]; then
  # The build or a test host failed before any test could fail: count it, so the line never reads as green.
  failed=1
fi
echo "${passed} passed, ${failed} failed, ${skipped} skipped"
exit "${status}"
