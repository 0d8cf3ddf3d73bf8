#!/usr/bin/env bash
# How Reseal is shipped (README "Shipping"). One publish path: the benchmarks (bench/) and the Wine tests
# (tests/Reseal.Wine.Tests) call this script too, so they measure and test what users get.
#
#   scripts/publish.sh [--project DIR] [--no-package] RID OUTDIR
#
#   linux-x64, linux-arm64  Native AOT: OUTDIR/reseal, one executable that needs no .NET, and
#                           OUTDIR/reseal-VERSION-RID.tar.gz (the executable, README.md, licence notices).
#                           Needs clang and lld (.ci/run installs them); linux-arm64 is cross-compiled and also needs the
#                           arm64 C library and GCC runtime (Debian: libc6-dev-arm64-cross, libgcc-12-dev-arm64-cross).
#   win-x64                 Native AOT too: OUTDIR/reseal.exe, one executable that needs no .NET, compiled by the same
#                           ILCompiler and linked on Linux with lld-link against the Windows SDK's import libraries
#                           (NuGet: Microsoft.Windows.SDK.CPP.x64) and Reseal's own start-up code in place of Visual
#                           C++'s static runtime (scripts/win-aot/); needs clang, lld and llvm. And
#                           OUTDIR/reseal-VERSION-x64.msi built with wixl (msitools):
#                           %ProgramFiles%\Reseal\reseal.exe, the 'Reseal' service, its Event Log source, PATH.
#
#   --project DIR   publish another program of this repository (tests/Reseal.SysprepEmulator, bench/AgentHost, ...)
#                   with the same settings; only its executable is written (implies --no-package).
#   --no-package    write the executable only (no .tar.gz, no .msi).
#   --single-file   self-contained single-file ReadyToRun instead of Native AOT (how reseal.exe shipped for Windows
#                   until 2026-12-07), for bench/agent.sh's comparison; implies --no-package; not how Reseal ships.
#   --folder        self-contained, as a folder of files (JIT-compiled, not one file), with the tests' file account
#                   store (ResealWineTestBuild: Wine has no account database; src/Reseal.Windows/Reseal.Windows.csproj),
#                   which no shipped build contains; implies --no-package. What the Wine end-to-end tests install with
#                   RESEAL_WINE_JIT=1, and how the Wine tests' own programs (the Sysprep emulator, the machine probe) are built.
#   --symbols       also copy the executable's debugging symbols beside it (OUTDIR/reseal.dbg for Linux, reseal.pdb for
#                   Windows): for perf, gdb or winedbg on a published build. Shipped builds carry none.
#   --wine-test     win-x64 only: the shipped Native AOT reseal.exe plus the same test account store; implies
#                   --no-package. What the Wine end-to-end tests install (docs/wine-e2e.md).
#
# Trim and AOT warnings (IL2xxx, IL3xxx) fail the publish. Sources are published from a temporary copy: publishing for
# a runtime identifier in the repository itself would rewrite its lock files (packages.lock.json).
set -euo pipefail
# The whole script is one function, read before it runs: editing the file cannot derail a publish in progress.
main() {
usage() { echo "usage: scripts/publish.sh [--project DIR] [--no-package] [--single-file|--folder|--wine-test] [--symbols] linux-x64|linux-arm64|win-x64 OUTDIR" >&2; exit 2; }
project=src/Reseal.Cli
package=true
single_file=false
folder=false
wine_test=false
symbols=false
while [ $# -gt 0 ]; do
  case "$1" in
    --project) [ $# -ge 2 ] || usage; project=${2%/}; package=false; shift 2 ;;
    --no-package) package=false; shift ;;
    --single-file) single_file=true; package=false; shift ;;
    --folder) folder=true; package=false; shift ;;
    --wine-test) wine_test=true; package=false; shift ;;
    --symbols) symbols=true; shift ;;
    --*) usage ;;
    *) break ;;
  esac
done
[ $# -eq 2 ] || usage
rid=$1
case "$rid" in linux-x64|linux-arm64|win-x64) ;; *) echo "publish.sh: unsupported runtime '$rid' (linux-x64, linux-arm64, win-x64)" >&2; exit 2 ;; esac
if $wine_test && [ "$rid" != win-x64 ]; then echo "publish.sh: --wine-test is for win-x64" >&2; exit 2; fi
repo=$(cd "$(dirname "$0")/.." && pwd)
[ -d "$repo/$project" ] || { echo "publish.sh: no project folder $project" >&2; exit 2; }
target=$(mkdir -p "$2" && cd "$2" && pwd)
version=$(sed -n 's|.*<Version>\(.*\)</Version>.*|\1|p' "$repo/Directory.Build.props" | head -n 1)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

need() { command -v "$1" >/dev/null || { echo "publish.sh: $1 not found ($2)" >&2; exit 4; }; }
need dotnet "the .NET 10 SDK"
case "$rid" in
  linux-*)
    $single_file || need clang "Debian: clang; .ci/run installs it"
    $single_file || need ld.lld "Debian: lld; .ci/run installs it"
    if ! $single_file && [ "$rid" = linux-arm64 ] && [ "$(uname -m)" != aarch64 ] && [ ! -e /usr/aarch64-linux-gnu/lib/crt1.o ]; then
      echo "publish.sh: cross-compiling linux-arm64 needs the arm64 C library (Debian: libc6-dev-arm64-cross libgcc-12-dev-arm64-cross)" >&2
      exit 4
    fi ;;
  win-x64)
    # clang and llvm-dlltool are checked by scripts/win-aot/prepare.sh, which uses them.
    if ! $single_file && ! $folder; then need lld-link "Debian: lld; .ci/run installs it"; fi
    if $package; then need wixl "Debian: wixl (msitools); .ci/run installs it"; fi ;;
esac

# The copy: build props, src/, and the tests/ and bench/ projects a --project may reference; no bin/, obj/ or lock files.
(cd "$repo" && tar -c --exclude=bin --exclude=obj --exclude=packages.lock.json --exclude=TestResults \
  Directory.Build.props Directory.Packages.props BannedSymbols.txt global.json .editorconfig src tests bench) | tar -x -C "$work"
# Restore unlocked (the copy has no lock files); central versions are still pinned exactly in Directory.Packages.props.
# Roslyn analyzers and code style are off here: `dotnet build` checks the same code; the trim and AOT analysis that
# matters for the shipped program is the compiler's own (ILLink, ILC), which stays on.
common=(-c Release -r "$rid" --nologo -p:RestoreLockedMode=false -p:RestorePackagesWithLockFile=false
  -p:RunAnalyzers=false -p:EnforceCodeStyleInBuild=false)
# The copy has no .git, so the SDK cannot find the commit itself: pass it (`reseal version` prints it; "unknown" when
# this is not a git checkout). A checkout with uncommitted changes to tracked files says so with "-dirty".
if revision=$(git -C "$repo" rev-parse --verify -q HEAD 2>/dev/null) && [ -n "$revision" ]; then
  [ -z "$(git -C "$repo" status --porcelain --untracked-files=no 2>/dev/null)" ] || revision="$revision-dirty"
  common+=(-p:SourceRevisionId="$revision")
fi
$folder && single_file=folder
case "$rid-$single_file" in
  *-folder)
    settings=(--self-contained true -p:ResealWineTestBuild=true)
    # reseal itself trimmed and without dynamic code like the shipped one (below), so the Wine tests run the code
    # paths Windows gets; the test programs (the Sysprep emulator, the machine probe) are not shipped and stay as they are.
    if [ "$(basename "$project")" = Reseal.Cli ]; then
      settings+=(-p:PublishTrimmed=true -p:TrimmerSingleWarn=false -p:DynamicCodeSupport=false)
    fi ;;
  linux-*-false)
    # Native AOT. TrimmerSingleWarn=false: a package's warnings are reported one by one, not folded into one IL2104.
    # LinkerFlavor=lld: one linker for both architectures (clang drives it; for arm64 with --target aarch64-linux-gnu).
    # IlcDehydrate=false and PositionIndependentExecutable=false: the runtime's data structures are laid out by the
    # linker at fixed addresses instead of being rebuilt at every start (dehydrated data is "rehydrated", position-
    # independent data relocated by ld.so): that work was most of `reseal --version` (26 ms -> 15 ms of CPU here, against
    # 9 ms for an empty Native AOT program). The price: the executable image itself is not placed at a random address
    # (libraries, heap and stacks still are); the binary grows from 14.1 to 15.5 MB. README "Shipping" says so.
    settings=(-p:PublishAot=true -p:TrimmerSingleWarn=false -p:LinkerFlavor=lld -p:StripSymbols=true
      -p:IlcDehydrate=false -p:PositionIndependentExecutable=false)
    if [ "$rid" = linux-arm64 ] && [ "$(uname -m)" != aarch64 ]; then
      # SysRoot "/" (not /usr/aarch64-linux-gnu): Debian's cross libc.so is a linker script naming
      # /usr/aarch64-linux-gnu/lib/libc.so.6 by absolute path, which lld would look for inside the sysroot again;
      # clang finds the cross GCC and libc under / by the target triple itself.
      settings+=(-p:SysRoot=/)
    fi ;;
  win-x64-false)
    # Native AOT for Windows, built here. The ILCompiler package compiles for any target on any host; its link step
    # wants Visual Studio (link.exe and the static C runtime), so: lld-link, the Windows SDK's import libraries from
    # NuGet (restored by a throwaway project: the repository's central package versions do not apply to it), and
    # scripts/win-aot's start-up code for the part of the C runtime no package has (scripts/win-aot/README.md).
    # DisableUnsupportedError: the ILCompiler targets refuse a cross-OS publish unless told; IlcUseEnvironmentalTools:
    # do not look for Visual Studio. Tested under Wine (tests/Reseal.Wine.Tests/Install/ShippedExeTests.cs).
    # The version is kept in one file: tests/Reseal.Wine.Tests/Install/StartupCodeTests.cs links against the same one.
    sdk_version=$(cat "$repo/scripts/win-aot/windows-sdk-version")
    mkdir -p "$work/winsdk"
    cat > "$work/winsdk/winsdk.csproj" <<PROJECT
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><TargetFramework>net10.0</TargetFramework><ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally></PropertyGroup>
  <ItemGroup><PackageDownload Include="Microsoft.Windows.SDK.CPP.x64" Version="[$sdk_version]" /></ItemGroup>
</Project>
PROJECT
    (cd "$work/winsdk" && dotnet restore --nologo -p:ImportDirectoryBuildProps=false -p:ImportDirectoryPackagesProps=false \
      > "$work/winsdk.log" 2>&1) || { cat "$work/winsdk.log" >&2; echo "publish.sh: could not restore the Windows SDK libraries (Microsoft.Windows.SDK.CPP.x64 $sdk_version)" >&2; exit 1; }
    # From the copy, like the sources: an edit during a publish cannot mix into it.
    cp -r "$repo/scripts/win-aot" "$work/win-aot-source"
    "$work/win-aot-source/prepare.sh" "${NUGET_PACKAGES:-$HOME/.nuget/packages}/microsoft.windows.sdk.cpp.x64/$sdk_version/c" "$work/win-aot"
    # UseWindowsThreadPool=false: Native AOT on Windows runs the .NET thread pool on the Windows thread pool by default;
    # this keeps .NET's own (portable) pool, the one CoreCLR uses and the Wine end-to-end tests have always run. Under
    # Wine the agent service hung with the Windows pool: a completion callback of COM1's overlapped I/O, run by a Windows
    # pool worker, blocked in a wait while the service thread waited for it (docs/wine-e2e.md, "Which build").
    settings=(-p:PublishAot=true -p:TrimmerSingleWarn=false -p:DisableUnsupportedError=true -p:IlcUseEnvironmentalTools=true
      -p:CppLinker=lld-link -p:ResealWinAotDir="$work/win-aot" -p:CustomAfterMicrosoftCommonTargets="$work/win-aot-source/link.targets"
      -p:UseWindowsThreadPool=false)
    if $wine_test; then settings+=(-p:ResealWineTestBuild=true); fi ;;
  *-true)
    # One reseal.exe: the runtime, its native parts and every assembly, precompiled (ReadyToRun) so it starts fast. A
    # single-file ReadyToRun publish is compiled as one composite image of the framework and the program (the SDK's
    # default for single-file since .NET 7), so calls and generics across assemblies are precompiled too.
    # PublishTrimmed: the image holds only what reseal can reach (93 MB -> about 36 MB for the agent driver): fewer pages
    # mapped at start (bench/agent.sh: peak 80 -> 55 MiB) and a shorter publish; the same trim analysis as the Native
    # AOT builds (every project is IsAotCompatible), its warnings errors here too.
    # DynamicCodeSupport=false: no code generated at run time, as in Native AOT. YamlDotNet's parser builds a Regex
    # with RegexOptions.Compiled in a static initialiser (its tag-handle check); with dynamic code that Regex is
    # compiled to IL and JIT-compiled at the agent's first YAML read (about 35 ms of CPU), without it the same
    # expression runs interpreted. Reflection invokes without emitted stubs likewise. Results are the same: the Linux
    # builds have always run this way (docs/benchmarks.md, "Agent").
    settings=(--self-contained true -p:PublishSingleFile=true -p:PublishReadyToRun=true -p:IncludeNativeLibrariesForSelfExtract=true
      -p:DebugType=embedded -p:PublishTrimmed=true -p:TrimmerSingleWarn=false -p:DynamicCodeSupport=false) ;;
esac
start=$SECONDS
log="$work/publish.log"
if ! dotnet publish "$work/$project" "${common[@]}" "${settings[@]}" -o "$work/out" > "$log" 2>&1; then
  grep -E ': (error|warning) ' "$log" | sort -u >&2 || cat "$log" >&2
  echo "publish.sh: dotnet publish failed for $project ($rid)" >&2
  exit 1
fi
# Warnings are errors in this repository; say so even if a property let one through.
if grep -E 'warning (IL[23][0-9]{3}|CS[0-9]{4}|CA[0-9]{4})' "$log" | sort -u >&2; then
  echo "publish.sh: the publish of $project ($rid) has warnings (above); they are errors here" >&2
  exit 1
fi

name=$(sed -n 's|.*<AssemblyName>\(.*\)</AssemblyName>.*|\1|p' "$work/$project"/*.csproj | head -n 1)
[ -n "$name" ] || name=$(basename "$(ls "$work/$project"/*.csproj)" .csproj)
exe=$name
[ "$rid" = win-x64 ] && exe=$name.exe
[ -f "$work/out/$exe" ] || { echo "publish.sh: $exe was not produced" >&2; ls "$work/out" >&2; exit 1; }
if $folder; then
  cp -a "$work/out/." "$target/"
  echo "published $project for $rid (folder) in $((SECONDS - start)) s: $target/$exe"
  exit 0
fi
# System.IO.Ports brings its Unix helper library for linux-*; only the Windows agent opens serial ports (COM1/COM4),
# so the Linux build leaves it out and stays one file.
case "$rid" in linux-*) rm -f "$work/out/libSystem.IO.Ports.Native.so" ;; esac
# One file: anything else beside the executable (symbols, XML docs) stays behind.
others=$(cd "$work/out" && ls | grep -v -x -F -e "$exe" -e "$name.dbg" -e "$name.pdb" -e "$name.lib" -e '*.xml' | grep -v '\.xml$' | grep -v '\.pdb$' || true)
if [ -n "$others" ]; then
  echo "publish.sh: the publish of $project ($rid) is more than one file: $others" >&2
  exit 1
fi
rm -f "$target/$exe"
cp "$work/out/$exe" "$target/$exe"
if $symbols; then
  # Linux: NAME.dbg beside the executable. Windows: the ILCompiler's publish step looks for NAME.exe.pdb when it runs
  # on Linux, but lld-link writes NAME.pdb beside the linked file (bin/.../RID/native/), so it is taken from there.
  symbol_file=
  for candidate in "$work/out/$name.dbg" "$work/out/$name.pdb" $(find "$work/$project/bin" -path "*/$rid/native/$name.pdb" 2>/dev/null); do
    [ -f "$candidate" ] && { symbol_file=$candidate; break; }
  done
  if [ -n "$symbol_file" ]; then
    cp "$symbol_file" "$target/"
  else
    echo "publish.sh: no symbol file was produced for $exe ($rid)" >&2
  fi
fi
echo "published $project for $rid in $((SECONDS - start)) s: $target/$exe ($(stat -c %s "$target/$exe") bytes)"

$package || exit 0

# The NuGet packages compiled into the executable, with the licence each one's .nuspec declares (build-only packages,
# analyzers and the compiler itself are left out).
package_notices() {
  local packages=${NUGET_PACKAGES:-$HOME/.nuget/packages} id pv nuspec licence project_url
  echo "reseal $version includes these NuGet packages (licence as each package declares it; texts at the URLs given):"
  awk '/"libraries": \{/{f=1;next} f && /^    "[^"]+\/[^"]+": \{/{gsub(/[" :{]/,"");print} /"projectFileDependencyGroups"/{f=0}' \
    "$work/$project/obj/project.assets.json" | while IFS=/ read -r id pv; do
    case "$id" in Reseal.*|Microsoft.CodeAnalysis.*|Microsoft.DotNet.ILCompiler|runtime.*.Microsoft.DotNet.ILCompiler|Microsoft.NET.ILLink.Tasks) continue ;; esac
    nuspec=$(ls "$packages/${id,,}/$pv"/*.nuspec 2>/dev/null | head -n 1)
    licence=$( [ -n "$nuspec" ] && sed -n 's|.*<license type="expression">\(.*\)</license>.*|\1|p; s|.*<licenseUrl>\(.*\)</licenseUrl>.*|\1|p' "$nuspec" | head -n 1)
    project_url=$( [ -n "$nuspec" ] && sed -n 's|.*<projectUrl>\(.*\)</projectUrl>.*|\1|p' "$nuspec" | head -n 1)
    echo "  $id $pv: ${licence:-unknown} ${project_url}"
  done
  echo "and the .NET runtime (dotnet-LICENSE.txt, dotnet-THIRD-PARTY-NOTICES.txt)."
}
case "$rid" in
  linux-*)
    # The .NET runtime compiled into the executable comes with its licence and third-party notices.
    notices=$(find "${NUGET_PACKAGES:-$HOME/.nuget/packages}/microsoft.netcore.app.runtime.nativeaot.$rid" -maxdepth 2 -iname 'THIRD-PARTY-NOTICES.TXT' | sort | tail -n 1)
    dir="$work/reseal-$version-$rid"
    mkdir -p "$dir/licenses"
    cp "$target/$exe" "$repo/README.md" "$dir/"
    if [ -n "$notices" ]; then
      cp "$(dirname "$notices")"/LICENSE.TXT "$dir/licenses/dotnet-LICENSE.txt"
      cp "$notices" "$dir/licenses/dotnet-THIRD-PARTY-NOTICES.txt"
    fi
    package_notices > "$dir/licenses/PACKAGES.txt"
    tarball="$target/reseal-$version-$rid.tar.gz"
    tar -C "$work" --owner=0 --group=0 --numeric-owner -czf "$tarball" "reseal-$version-$rid"
    echo "packaged $tarball" ;;
  win-x64)
    msi="$target/reseal-$version-x64.msi"
    rm -f "$msi"
    # wixl resolves File/@Source against the working directory and refuses absolute paths.
    (cd "$target" && wixl --arch x64 -D Version="$version" -D ResealExe="$exe" -o "$work/reseal.msi" "$repo/scripts/reseal.wxs")
    # What wixl 0.101 cannot write, added to its tables with msibuild (SQL on the package):
    # - PATH: an Environment row "=-*PATH" = "[~];[INSTALLDIR]": system variable (*), set at install (=), our part
    #   appended ([~];) and removed again at uninstall (-); plus the two standard actions that apply it.
    # - EventMessageFile as REG_EXPAND_SZ ("#%" prefix; wixl escapes a leading '#').
    # - the source's key deleted at uninstall (a Registry row named "-"), not only its two values.
    key='SYSTEM\CurrentControlSet\Services\EventLog\Application\Reseal'
    msibuild "$work/reseal.msi" \
      -q 'CREATE TABLE `Environment` (`Environment` CHAR(72) NOT NULL, `Name` CHAR(255) NOT NULL LOCALIZABLE, `Value` CHAR(255) LOCALIZABLE, `Component_` CHAR(72) NOT NULL PRIMARY KEY `Environment`)' \
      -q "INSERT INTO \`Environment\` (\`Environment\`, \`Name\`, \`Value\`, \`Component_\`) VALUES ('ResealPath', '=-*PATH', '[~];[INSTALLDIR]', 'ResealExe')" \
      -q "INSERT INTO \`InstallExecuteSequence\` (\`Action\`, \`Sequence\`) VALUES ('RemoveEnvironmentStrings', 3300)" \
      -q "INSERT INTO \`InstallExecuteSequence\` (\`Action\`, \`Sequence\`) VALUES ('WriteEnvironmentStrings', 5200)" \
      -q "UPDATE \`Registry\` SET \`Value\` = '#%%SystemRoot%\\Microsoft.NET\\Framework64\\v4.0.30319\\EventLogMessages.dll' WHERE \`Name\` = 'EventMessageFile'" \
      -q "INSERT INTO \`Registry\` (\`Registry\`, \`Root\`, \`Key\`, \`Name\`, \`Component_\`) VALUES ('ResealEventSourceKey', 2, '$key', '-', 'ResealExe')"
    mv "$work/reseal.msi" "$msi"
    echo "packaged $msi" ;;
esac
}
main "$@"
