#!/usr/bin/env bash
# The agent's own cost, from process start to "Windows is Ready to use" (DESIGN.md: under 120 ms and 45 MiB).
#
# What runs: bench/AgentBench, published by scripts/publish.sh with the shipped settings: the default configuration,
# every task of the in-memory machine (tests/Reseal.TestSupport/FakeWindows) finishing at once, metadata from a loopback
# IMDSv2 (tokens, 401 on a bad token, 404 for absent items) served by a SECOND process, so the agent's process holds the
# agent alone. Each run is a new process (a service start is one). Builds of the same driver:
#   Native AOT              how reseal ships, for Linux and (since 2026-12-07) for Windows; here the linux-x64 build
#   single-file ReadyToRun  how reseal.exe shipped for Windows before, for comparison (here for linux-x64)
#   win-x64 under Wine      the Windows build itself (Native AOT, scripts/win-aot), when Wine is installed: its CPU
#                           before Main is mostly Wine's own start, and Wine's Win32 is not Windows', so this shows
#                           that the Windows agent runs and what it spends from Main to Ready, not Windows' figures
# Not included: Windows itself (SCM start, the Win32 calls of the real tasks), which cannot run here.
# Needs: dotnet, ssh-keygen, hyperfine, GNU time (/usr/bin/time); clang and lld for the AOT build; llvm (llvm-dlltool)
# and wine for the win-x64 one (skipped without wine).
# Usage: bench/agent.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-15}
out=$(mktemp -d)
server=
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$out"; }
trap cleanup EXIT
for tool in dotnet ssh-keygen hyperfine /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "missing $tool" >&2; exit 4; }
done
ssh-keygen -q -t rsa -b 2048 -N '' -f "$out/key"
scripts/publish.sh --project bench/AgentBench --single-file linux-x64 "$out/r2r" >&2
scripts/publish.sh --project bench/AgentBench linux-x64 "$out/aot" >&2
builds="r2r aot"
if command -v wine >/dev/null; then
  scripts/publish.sh --project bench/AgentBench win-x64 "$out/win" >&2
  builds="$builds win"
  export WINEDEBUG=-all
else
  echo "wine not found: the win-x64 build is not run (Debian: wine)" >&2
fi

# The metadata server: its own process, alive for the whole benchmark (a FIFO holds its standard input open).
mkfifo "$out/serve.in"
"$out/aot/AgentBench" serve "$out/key.pub" "$out/url" < "$out/serve.in" &
server=$!
exec 3> "$out/serve.in"
for _ in $(seq 100); do [ -s "$out/url" ] && break; sleep 0.1; done
url=$(cat "$out/url")

for build in $builds; do
  exe="$out/$build/AgentBench"
  launcher=
  [ "$build" = win ] && exe="$out/win/AgentBench.exe" && launcher=wine
  $launcher "$exe" run "$url" > /dev/null # warm the file cache (and, for Wine, its server)
  for _ in $(seq "$runs"); do
    # The launch time is taken just before the process starts; the driver measures up to the Ready line from it.
    sh -c 'exec $1 "$2" run "$3" "$(date +%s%N)"' sh "$launcher" "$exe" "$url"
  done > "$out/$build.txt"
  echo "## $build ($runs runs, each a new process)"
  for key in launchToReadyMs launchToMainMs mainToReadyMs stagesToReadyMs wholeRunMs cpuAtMainMs cpuToReadyMs peakMiB; do
    values=$(grep -o "$key=[0-9.-]*" "$out/$build.txt" | cut -d= -f2 | sort -n)
    n=$(echo "$values" | wc -l)
    echo "$key: median $(echo "$values" | sed -n "$(( (n + 1) / 2 ))p") (min $(echo "$values" | head -n 1), max $(echo "$values" | tail -n 1))"
  done
  [ "$build" = win ] || echo "peak RSS, outside view: $( { /usr/bin/time -f %M "$exe" run "$url" > /dev/null; } 2>&1 | tail -n 1) KiB"
done
echo "## whole process (start to exit, which is after Ready and the instant postReady tasks), interleaved"
hyperfine -N --warmup 2 --runs "$runs" --style basic \
  -n "agent, single-file ReadyToRun" "$out/r2r/AgentBench run $url" \
  -n "agent, Native AOT" "$out/aot/AgentBench run $url"
