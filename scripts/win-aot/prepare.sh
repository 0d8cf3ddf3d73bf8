#!/usr/bin/env bash
# Prepares what lld-link needs to link a win-x64 Native AOT executable on Linux (scripts/win-aot/README.md):
#   prepare.sh SDKLIBS OUTDIR
# SDKLIBS: the c/ folder of the Microsoft.Windows.SDK.CPP.x64 NuGet package (um/x64 and ucrt/x64 import libraries).
# OUTDIR/lib: those libraries under lower-case names (the runtime asks for kernel32.lib, the package has
# kernel32.Lib; Linux file names are case-sensitive); OUTDIR/startup.obj; OUTDIR/lib/ntdll-crt.lib.
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: prepare.sh SDKLIBS OUTDIR" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
sdk=$1
out=$2
for tool in clang llvm-dlltool; do
  command -v "$tool" >/dev/null || { echo "win-aot: $tool not found (Debian: clang, llvm; .ci/run installs them)" >&2; exit 4; }
done
[ -d "$sdk/um/x64" ] && [ -d "$sdk/ucrt/x64" ] || { echo "win-aot: no Windows SDK import libraries under $sdk" >&2; exit 4; }
mkdir -p "$out/lib"
for library in "$sdk"/um/x64/* "$sdk"/ucrt/x64/*; do
  name=$(basename "$library")
  ln -sfn "$library" "$out/lib/${name,,}"
done
clang --target=x86_64-pc-windows-msvc -O2 -fms-extensions -fno-builtin -fno-exceptions -Wall -Wextra -Werror \
  -c "$here/startup.cpp" -o "$out/startup.obj"
llvm-dlltool -m i386:x86-64 -d "$here/ntdll-crt.def" -l "$out/lib/ntdll-crt.lib"
