#!/usr/bin/env bash
# Agent overhead and memory: the default configuration with instant (in-memory) tasks against a loopback IMDSv2 server,
# each run in a new process, beside an empty .NET program's peak memory. Targets (DESIGN.md): under 200 ms from start to
# "Windows is Ready to use" (excluding the tasks' own work) and under 60 MiB peak.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-10}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
command -v ssh-keygen >/dev/null || { echo "missing ssh-keygen (openssh-client)" >&2; exit 4; }
ssh-keygen -q -t rsa -b 2048 -N '' -f "$out/key"
# ReadyToRun, as reseal itself is shipped, from a copy of the sources: publishing for a runtime identifier in the
# repository would rewrite its lock files (see bench/publish.sh).
mkdir -p "$out/src/tests" "$out/src/bench"
cp Directory.Build.props Directory.Packages.props BannedSymbols.txt global.json .editorconfig "$out/src/"
cp -r src "$out/src/"
cp -r tests/Reseal.TestSupport "$out/src/tests/"
cp -r bench/Reseal.Bench "$out/src/bench/"
rm -rf "$out"/src/src/*/bin "$out"/src/src/*/obj "$out"/src/*/*/bin "$out"/src/*/*/obj
find "$out/src" -name packages.lock.json -delete
dotnet publish "$out/src/bench/Reseal.Bench/Reseal.Bench.csproj" -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true \
  -p:RestoreLockedMode=false -p:RestorePackagesWithLockFile=false -p:WarningsNotAsErrors=NU1603 -o "$out/bin" --nologo -v q >/dev/null
mkdir -p "$out/empty-src"
cat > "$out/empty-src/empty.csproj" <<'PROJ'
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally>
    <RestorePackagesWithLockFile>false</RestorePackagesWithLockFile>
  </PropertyGroup>
</Project>
PROJ
echo 'using var p = System.Diagnostics.Process.GetCurrentProcess(); p.Refresh(); System.Console.WriteLine($"peakMiB={p.PeakWorkingSet64 / 1048576.0:F1}");' > "$out/empty-src/Program.cs"
(cd "$out/empty-src" && dotnet publish empty.csproj -c Release -o "$out/empty" --nologo -v q >/dev/null)
echo "empty .NET program: $("$out/empty/empty")"
for i in $(seq "$runs"); do
  "$out/bin/Reseal.Bench" agent-once "$out/key.pub"
done | tee "$out/runs.txt"
for key in processStartToReadyMs sessionToReadyMs stagesToReadyMs wholeRunMs runtimeStartMs peakMiB; do
  values=$(grep -o "$key=[0-9.]*" "$out/runs.txt" | cut -d= -f2 | sort -n)
  n=$(echo "$values" | wc -l)
  echo "$key: median $(echo "$values" | sed -n "$(( (n + 1) / 2 ))p") (min $(echo "$values" | head -1), max $(echo "$values" | tail -1), $n runs)"
done
