#!/usr/bin/env bash
# Publishes reseal (ReadyToRun, framework-dependent, linux-x64) into OUTDIR from a temporary copy of the sources:
# publishing for a runtime identifier in the repository itself would rewrite the lock files.
# Usage: bench/publish.sh OUTDIR
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: bench/publish.sh OUTDIR" >&2; exit 2; }
repo=$(cd "$(dirname "$0")/.." && pwd)
target=$(mkdir -p "$1" && cd "$1" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$repo/Directory.Build.props" "$repo/Directory.Packages.props" "$repo/BannedSymbols.txt" "$repo/global.json" "$repo/.editorconfig" "$work/"
mkdir -p "$work/src"
cp -r "$repo"/src/Reseal.* "$repo/src/Shared" "$work/src/"
rm -rf "$work"/src/*/bin "$work"/src/*/obj
find "$work" -name packages.lock.json -delete
dotnet publish "$work/src/Reseal.Cli" -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true \
  -p:RestoreLockedMode=false -p:RestorePackagesWithLockFile=false -o "$target" --nologo -v q > "$work/publish.log" 2>&1 \
  || { cat "$work/publish.log" >&2; exit 1; }
