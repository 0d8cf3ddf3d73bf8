using System.Globalization;
using Reseal.TestSupport;
using Reseal.Wine.Tests.Harness;

namespace Reseal.Wine.Tests.Install;

/// <summary>
/// scripts/win-aot/startup.cpp on its own: a small program (StartupProbe/startup-probe.cpp) compiled and linked with it
/// the way scripts/publish.sh links reseal.exe (prepare.sh's libraries, lld-link, ntdll's C routines), without the .NET
/// runtime, run by Wine. What reseal.exe's own tests cannot see: a cookie that was never initialized, a
/// __security_check_cookie that clobbers its caller's rax, thread_local initializers skipped on a new thread.
/// </summary>
[Collection(WineTestGroup.Name)]
public sealed class StartupCodeTests(WineFixture wine)
{
    private const ulong DefaultCookie = 0x2B992DDFA232;

    [Fact]
    public async Task StartupCode_SmallProgram_CookieConstructorsThreadLocalsAndExitCode()
    {
        using var machine = await wine.NewMachineAsync();
        var clang = ExternalTool.Require("clang", "clang");
        var lldLink = ExternalTool.Require("lld-link", "lld");
        ExternalTool.Require("llvm-dlltool", "llvm");
        var winAot = Path.Combine(WineBuild.RepositoryRoot, "scripts", "win-aot");
        var sdkVersion = File.ReadAllText(Path.Combine(winAot, "windows-sdk-version")).Trim();
        var sdk = Path.Combine(Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } packages ? packages
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages"),
            "microsoft.windows.sdk.cpp.x64", sdkVersion, "c");
        Assert.SkipUnless(Directory.Exists(sdk), $"{sdk} not restored (scripts/publish.sh win-x64 restores it)");
        using var temp = new TempDirectory();
        var prepared = ExternalTool.Run(Path.Combine(winAot, "prepare.sh"), [sdk, temp.Path]);
        Assert.True(prepared.ExitCode == 0, prepared.StandardError);
        var probeObject = Path.Combine(temp.Path, "probe.obj");
        var compiled = ExternalTool.Run(clang, ["--target=x86_64-pc-windows-msvc", "-O2", "-fms-extensions", "-fno-exceptions", "-c",
            Path.Combine(WineBuild.RepositoryRoot, "tests", "Reseal.Wine.Tests", "Install", "StartupProbe", "startup-probe.cpp"), "-o", probeObject]);
        Assert.True(compiled.ExitCode == 0, compiled.StandardError);
        var exe = Path.Combine(temp.Path, "probe.exe");
        var linked = ExternalTool.Run(lldLink, ["/nologo", "/out:" + exe, "/entry:wmainCRTStartup", "/subsystem:console", "/lldignoreenv",
            "/libpath:" + Path.Combine(temp.Path, "lib"), probeObject, Path.Combine(temp.Path, "startup.obj"), "ntdll-crt.lib", "kernel32.lib",
            "ucrt.lib", "/nodefaultlib:libcmt.lib", "/nodefaultlib:oldnames.lib"]);
        Assert.True(linked.ExitCode == 0, linked.StandardOutput + linked.StandardError);

        var first = machine.Run(WineMachine.WindowsPath(exe), ["a", "b"]);
        var second = machine.Run(WineMachine.WindowsPath(exe), []);

        // wmain returns 40 + argc: the exit code reaches the parent through exit().
        Assert.Equal(43, first.ExitCode);
        Assert.Equal(41, second.ExitCode);
        var one = Fields(first.StandardOutput);
        var two = Fields(second.StandardOutput);
        // The /GS cookie: set before wmain, not the compiled-in default, upper 16 bits clear, new in every process.
        var cookie = ulong.Parse(one["cookie"], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        Assert.NotEqual(DefaultCookie, cookie);
        Assert.NotEqual(0UL, cookie);
        Assert.Equal(0UL, cookie >> 48);
        Assert.NotEqual(one["cookie"], two["cookie"]);
        // The C++ constructor of a global ran once; the thread_local's initializer ran once on the first thread and once
        // on the new one.
        Assert.Equal("1", one["constructed"]);
        Assert.Equal("1", one["main"]);
        Assert.Equal("2", one["worker"]);
        Assert.Equal("2", one["threads"]);
        // __security_check_cookie left the caller's rax alone.
        Assert.Equal("5ea15ea1", one["rax"]);
        Assert.Equal("3", one["argc"]);
    }

    private static Dictionary<string, string> Fields(string line) =>
        line.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(f => f.Split('=', 2)).ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
}
