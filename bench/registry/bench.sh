#!/bin/sh
# Times `export` of the 11.7 MB regipy SYSTEM hive by Reseal (`reseal hive export`, and the minimal HiveTool driver; both ReadyToRun) against hivexml and
# hivexregedit --export, and a deep value lookup against hivexget, side by side in one run; then peak memory
# (max RSS) of each, and of an empty .NET program as the baseline. Needs: dotnet, hyperfine, libhivex-bin,
# libwin-hivex-perl, GNU time (/usr/bin/time). Usage: bench/registry/bench.sh [results.md]
set -eu
REPO=$(cd "$(dirname "$0")/../.." && pwd)
DATA=${RESEAL_TEST_DATA:-$REPO/../shared/data}
OUT=${1:-/dev/stdout}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export LC_ALL=C.UTF-8

# Publish from a copy: publishing for a runtime identifier would otherwise add RID sections to the lock files.
mkdir -p "$WORK/src" "$WORK/bench/registry" "$WORK/empty"
cp "$REPO/Directory.Build.props" "$REPO/Directory.Packages.props" "$REPO/BannedSymbols.txt" "$REPO/global.json" "$REPO/.editorconfig" "$WORK/"
cp -r "$REPO"/src/Reseal.* "$REPO/src/Shared" "$WORK/src/"
cp -r "$REPO/bench/registry/HiveTool" "$WORK/bench/registry/"
rm -rf "$WORK"/src/*/bin "$WORK"/src/*/obj "$WORK/bench/registry/HiveTool/bin" "$WORK/bench/registry/HiveTool/obj"
find "$WORK" -name packages.lock.json -delete
dotnet publish "$WORK/bench/registry/HiveTool" -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true -p:RestoreLockedMode=false -p:RestorePackagesWithLockFile=false -o "$WORK/out" > "$WORK/publish.log" 2>&1 || { cat "$WORK/publish.log"; exit 1; }
dotnet publish "$WORK/src/Reseal.Cli" -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true -p:RestoreLockedMode=false -p:RestorePackagesWithLockFile=false -o "$WORK/cli" > "$WORK/publish-cli.log" 2>&1 || { cat "$WORK/publish-cli.log"; exit 1; }
cat > "$WORK/empty/empty.csproj" <<'XML'
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><OutputType>Exe</OutputType><InvariantGlobalization>true</InvariantGlobalization><TargetFramework>net10.0</TargetFramework></PropertyGroup>
</Project>
XML
echo 'return 0;' > "$WORK/empty/Program.cs"
echo '<Project />' > "$WORK/empty/Directory.Build.props"
echo '<Project />' > "$WORK/empty/Directory.Packages.props"
dotnet publish "$WORK/empty" -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true -o "$WORK/empty-out" > "$WORK/publish-empty.log" 2>&1 || { cat "$WORK/publish-empty.log"; exit 1; }

HIVE="$WORK/SYSTEM"
gunzip -c "$DATA/hives/regipy-SYSTEM.gz" > "$HIVE"
KEY='\ControlSet001\Control\NetDiagFx\Microsoft\HostDLLs\DnsHelperClass\HelperClasses\DnsHelperClass\Providers\{1c95126e-7eea-49a9-a3fe-a378b03ddb4d}'
RESEAL="$WORK/out/HiveTool"
CLI="$WORK/cli/reseal"

# Same bytes as hivexregedit, or the comparison means nothing.
"$RESEAL" export "$HIVE" > "$WORK/reseal.reg"
"$CLI" hive export "$HIVE" > "$WORK/reseal-cli.reg"
hivexregedit --export "$HIVE" '\' > "$WORK/hivex.reg"
cmp "$WORK/reseal.reg" "$WORK/hivex.reg"
cmp "$WORK/reseal-cli.reg" "$WORK/hivex.reg"
[ "$("$RESEAL" get "$HIVE" "$KEY" Name)" = "$(hivexget "$HIVE" "$KEY" Name)" ]

{
  echo "## Hive export, regipy SYSTEM ($(stat -c %s "$HIVE") bytes), $(nproc) cores, $(date -u +%Y-%m-%d)"
  echo
  hyperfine -N -w 3 -r 20 --style none --export-markdown "$WORK/time.md" \
    -n "empty .NET program" "$WORK/empty-out/empty" \
    -n "reseal hive export" "$CLI hive export $HIVE" \
    -n "HiveTool export (library only)" "$RESEAL export $HIVE" \
    -n "hivexml" "hivexml $HIVE" \
    -n "reseal hive get (deep value)" "$CLI hive get $HIVE '$KEY' Name" \
    -n "hivexget (deep value)" "hivexget $HIVE '$KEY' Name" > /dev/null
  hyperfine -N -w 1 -r 3 --style none --export-markdown "$WORK/time-slow.md" \
    -n "hivexregedit --export" "hivexregedit --export $HIVE '\\'" > /dev/null
  cat "$WORK/time.md"
  tail -n 1 "$WORK/time-slow.md"
  echo
  echo "| command | peak RSS (KiB, max of 5) |"
  echo "|:---|---:|"
  for cmd in "$WORK/empty-out/empty" "$CLI hive export $HIVE" "$RESEAL export $HIVE" "hivexml $HIVE" "hivexregedit --export $HIVE \\"; do
    peak=0
    for _ in 1 2 3 4 5; do
      kb=$( { /usr/bin/time -f %M $cmd > /dev/null; } 2>&1 | tail -n 1)
      [ "$kb" -gt "$peak" ] && peak=$kb
    done
    echo "| \`$(echo "$cmd" | sed "s|$WORK/||g")\` | $peak |"
  done
} > "$OUT"
