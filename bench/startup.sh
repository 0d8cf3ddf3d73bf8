#!/usr/bin/env bash
# CLI start-up of the shipped Linux build (scripts/publish.sh linux-x64: Native AOT), side by side in one hyperfine run
# with an empty Native AOT program (the floor any .NET program has) and with `xmllint --version` (a C program's start).
# Target (DESIGN.md): `reseal --version` in at most 12 ms. Needs dotnet, clang, lld, hyperfine, xmllint.
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in hyperfine dotnet xmllint; do
  command -v "$tool" >/dev/null || { echo "missing $tool" >&2; exit 4; }
done
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
scripts/publish.sh --no-package linux-x64 "$out/reseal" >&2
mkdir -p "$out/empty-src"
cat > "$out/empty-src/empty.csproj" <<'PROJ'
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <InvariantGlobalization>true</InvariantGlobalization>
    <PublishAot>true</PublishAot>
    <LinkerFlavor>lld</LinkerFlavor>
    <ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally>
    <RestorePackagesWithLockFile>false</RestorePackagesWithLockFile>
  </PropertyGroup>
</Project>
PROJ
echo 'System.Console.WriteLine("0.0.0");' > "$out/empty-src/Program.cs"
# Built outside the repository so its Directory.Build.props does not apply.
dotnet publish "$out/empty-src/empty.csproj" -c Release -r linux-x64 -o "$out/empty" --nologo -v q >/dev/null
hyperfine --warmup 5 --runs 50 -N \
  --command-name "empty Native AOT program" "$out/empty/empty" \
  --command-name "xmllint --version" "xmllint --version" \
  --command-name "reseal --version" "$out/reseal/reseal --version" \
  --command-name "reseal unattend rules --format json" "$out/reseal/reseal unattend rules --format json" \
  --export-markdown "$out/result.md" >&2
cat "$out/result.md"
