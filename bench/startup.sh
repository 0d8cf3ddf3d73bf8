#!/usr/bin/env bash
# CLI start-up, side by side in one hyperfine run: `reseal --version` against an empty .NET console program, both
# published framework-dependent with ReadyToRun. Target (DESIGN.md): at most 1.5x the empty program.
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in hyperfine dotnet; do
  command -v "$tool" >/dev/null || { echo "missing $tool" >&2; exit 4; }
done
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
rid=linux-x64
bench/publish.sh "$out/reseal"
mkdir -p "$out/empty-src"
cat > "$out/empty-src/empty.csproj" <<'PROJ'
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <InvariantGlobalization>true</InvariantGlobalization>
    <ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally>
    <RestorePackagesWithLockFile>false</RestorePackagesWithLockFile>
  </PropertyGroup>
</Project>
PROJ
echo 'System.Console.WriteLine("0.0.0");' > "$out/empty-src/Program.cs"
# Build outside the repository so its Directory.Build.props does not apply.
dotnet publish "$out/empty-src/empty.csproj" -c Release -r "$rid" --self-contained false -p:PublishReadyToRun=true -o "$out/empty" --nologo -v q >/dev/null
hyperfine --warmup 3 --runs 30 -N \
  --command-name "empty .NET console program" "$out/empty/empty" \
  --command-name "reseal --version" "$out/reseal/reseal --version" \
  --command-name "reseal unattend rules --format json" "$out/reseal/reseal unattend rules --format json" \
  --export-markdown "$out/result.md"
cat "$out/result.md"
