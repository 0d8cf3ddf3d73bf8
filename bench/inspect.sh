#!/usr/bin/env bash
# `reseal inspect` (the shipped Linux build, scripts/publish.sh linux-x64: Native AOT) on a Windows tree built from the real hives (regipy SYSTEM 11.7 MB, winreg-kb SAM and SECURITY,
# regipy NTUSER.DAT as DEFAULT, a SOFTWARE written by `reseal hive new`), whole process, side by side in one hyperfine
# run with reading the same hives with the C tools: `reglookup` over SYSTEM and `chntpw -l` over SAM.
# Needs dotnet, hyperfine, reglookup, chntpw. Usage: bench/inspect.sh [results.md]
set -euo pipefail
cd "$(dirname "$0")/.."
data=${RESEAL_TEST_DATA:-$(pwd)/../shared/data}
for tool in hyperfine dotnet reglookup chntpw; do
  command -v "$tool" >/dev/null || { echo "missing $tool" >&2; exit 4; }
done
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
export LC_ALL=C.UTF-8
scripts/publish.sh --no-package linux-x64 "$out/reseal" >&2
reseal="$out/reseal/reseal"
config="$out/tree/Windows/System32/config"
mkdir -p "$config"
gunzip -c "$data/hives/regipy-SYSTEM.gz" > "$config/SYSTEM"
gunzip -c "$data/hives/winregkb-SAM.gz" > "$config/SAM"
gunzip -c "$data/hives/winregkb-SECURITY.gz" > "$config/SECURITY"
gunzip -c "$data/hives/regipy-NTUSER.DAT.gz" > "$config/DEFAULT"
printf 'Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion]\r\n"ProductName"="Windows Server 2022 Datacenter"\r\n"CurrentBuildNumber"="20348"\r\n' > "$out/software.reg"
"$reseal" hive new "$config/SOFTWARE" --from "$out/software.reg" --prefix 'HKEY_LOCAL_MACHINE\SOFTWARE' 2>/dev/null
"$reseal" inspect --root "$out/tree" > /dev/null || true
{
  echo "## reseal inspect, tree of real hives ($(du -sb "$out/tree" | cut -f1) bytes), $(nproc) cores, $(date -u +%Y-%m-%d)"
  echo
  hyperfine --warmup 2 --runs 15 --style none -i --export-markdown "$out/result.md" \
    -n "reseal inspect --root tree" "$reseal inspect --root $out/tree > /dev/null" \
    -n "reglookup SYSTEM (C, all values)" "reglookup $config/SYSTEM > /dev/null" \
    -n "chntpw -l SAM (C)" "chntpw -l $config/SAM > /dev/null" > /dev/null
  cat "$out/result.md"
  echo
  echo "peak RSS of reseal inspect: $( { /usr/bin/time -f %M "$reseal" inspect --root "$out/tree" > /dev/null; } 2>&1 | tail -n 1) KiB"
} > "${1:-/dev/stdout}"
