using System.Text;
using System.Text.Json;
using Reseal.TestSupport;

namespace Reseal.Cli.Tests;

public class DiagnoseCommandTests
{
    private static string SysprepLog(params string[] lines) =>
        string.Concat(new[]
        {
            "2026-11-21 05:00:00, Info                  SYSPRP ===          Beginning of a new sysprep run          ===",
            "2026-11-21 05:00:01, Info                  SYSPRP ParseCommands:Found supported command line option 'GENERALIZE'",
        }.Concat(lines).Select(l => l + "\r\n"));

    private static string WriteTree(TempDirectory temp, string log, bool utf16 = true, bool succeeded = false)
    {
        var panther = Path.Combine(temp.Path, "Windows", "System32", "Sysprep", "Panther");
        Directory.CreateDirectory(panther);
        var bytes = utf16 ? Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes(log)).ToArray() : Encoding.UTF8.GetBytes(log);
        File.WriteAllBytes(Path.Combine(panther, "setupact.log"), bytes);
        if (succeeded)
        {
            File.WriteAllText(Path.Combine(panther, "..", "Sysprep_succeeded.tag"), string.Empty);
        }

        return Path.Combine(temp.Path, "Windows");
    }

    [Fact]
    public void Diagnose_StorePackageFailure_NamesTheRootCauseAndExitsOne()
    {
        using var temp = new TempDirectory();
        var windows = WriteTree(temp, SysprepLog(
            "2026-11-21 05:00:02, Error                 SYSPRP Package Microsoft.WindowsTerminal_1.21.3231.0_x64__8wekyb3d8bbwe was installed for a user, but not provisioned for all users. This package will not function properly in the sysprep image.",
            "2026-11-21 05:00:02, Error                 SYSPRP Failed to remove apps for the current user: 0x80073cf2.",
            "2026-11-21 05:00:02, Error                 SYSPRP Exit code of RemoveAllApps thread was 0x3cf2.",
            "2026-11-21 05:00:02, Error      [0x0f0082] SYSPRP ActionPlatform::LaunchModule: Failure occurred while executing 'SysprepGeneralizeValidate' from C:\\Windows\\System32\\AppxSysprep.dll; dwRet = 0x3cf2",
            "2026-11-21 05:00:02, Error                 SYSPRP WinMain:Hit failure while pre-validate sysprep generalize internal providers; hr = 0x80073cf2"));

        var result = CliRunner.Run(["diagnose", windows, "--format", "json"]);

        Assert.Equal(1, result.ExitCode);
        using var json = JsonDocument.Parse(result.Out);
        Assert.Equal("failed", json.RootElement.GetProperty("outcome").GetString());
        var root = json.RootElement.GetProperty("rootCause");
        Assert.Equal("SD001", root.GetProperty("id").GetString());
        Assert.Contains("Remove-AppxProvisionedPackage", root.GetProperty("fix").GetString(), StringComparison.Ordinal);
        Assert.Contains("Microsoft.WindowsTerminal", root.GetProperty("variables").GetProperty("package").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Diagnose_SuccessTag_ExitsZero()
    {
        using var temp = new TempDirectory();
        var windows = WriteTree(temp, SysprepLog("2026-11-21 05:01:00, Info       [0x0f0052] SYSPRP Shutting down SysPrep log"), utf16: false, succeeded: true);

        var result = CliRunner.Run(["diagnose", windows]);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("succeeded", result.Out, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Diagnose_MissingPath_ExitsThreeNamingIt()
    {
        var result = CliRunner.Run(["diagnose", "/nonexistent/Panther"]);

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("/nonexistent/Panther", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Diagnose_GarbageFile_ExitsThree()
    {
        using var temp = new TempDirectory();
        var path = temp.Write("setupact.log", Enumerable.Range(0, 4096).Select(i => (byte)(i * 7 % 256)).ToArray());

        var result = CliRunner.Run(["diagnose", path]);

        Assert.Equal(3, result.ExitCode);
    }
}
