using System.Text.Json;
using Reseal.TestSupport;

namespace Reseal.Cli.Tests;

public class InspectCommandTests
{
    internal static string BuildTree(TempDirectory temp)
    {
        var config = Path.Combine(temp.Path, "Windows", "System32", "config");
        Directory.CreateDirectory(config);
        File.WriteAllBytes(Path.Combine(config, "SYSTEM"), SharedData.ReadBytes("hives/regipy-SYSTEM.gz"));
        File.WriteAllBytes(Path.Combine(config, "SAM"), SharedData.ReadBytes("hives/winregkb-SAM.gz"));
        File.WriteAllBytes(Path.Combine(config, "SECURITY"), SharedData.ReadBytes("hives/winregkb-SECURITY.gz"));
        File.WriteAllBytes(Path.Combine(config, "DEFAULT"), SharedData.ReadBytes("hives/regipy-NTUSER.DAT.gz"));
        var reg = temp.Write("software.reg",
            "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion]\r\n" +
            "\"ProductName\"=\"Windows Server 2022 Datacenter\"\r\n\"CurrentBuildNumber\"=\"20348\"\r\n\r\n" +
            "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Setup\\State]\r\n\"ImageState\"=\"IMAGE_STATE_UNDEPLOYABLE\"\r\n");
        var created = CliRunner.Run(["hive", "new", Path.Combine(config, "SOFTWARE"), "--from", reg, "--prefix", "HKEY_LOCAL_MACHINE\\SOFTWARE"]);
        Assert.Equal(0, created.ExitCode);
        var panther = Path.Combine(temp.Path, "Windows", "Panther");
        Directory.CreateDirectory(panther);
        File.WriteAllText(Path.Combine(panther, "unattend.xml"),
            "<unattend xmlns=\"urn:schemas-microsoft-com:unattend\"><settings pass=\"oobeSystem\"><component name=\"Microsoft-Windows-Shell-Setup\" processorArchitecture=\"amd64\"><UserAccounts><AdministratorPassword><Value>Hunter2!Secret</Value><PlainText>true</PlainText></AdministratorPassword></UserAccounts></component></settings></unattend>");
        return temp.Path;
    }

    [Fact]
    public void Inspect_TreeFromRealHives_ReportsFactsAndBlockers()
    {
        var hivexget = ExternalTool.Require("hivexget", "libhivex-bin");
        using var temp = new TempDirectory();
        var root = BuildTree(temp);

        var result = CliRunner.Run(["inspect", "--root", root, "--format", "json"]);

        using var json = JsonDocument.Parse(result.Out);
        var text = result.Out;
        var computerName = ExternalTool.Run(hivexget, [Path.Combine(root, "Windows", "System32", "config", "SYSTEM"), "ControlSet001\\Control\\ComputerName\\ComputerName", "ComputerName"]).StandardOutput.Trim();
        Assert.Contains(computerName, text, StringComparison.Ordinal);
        Assert.Contains("IMAGE_STATE_UNDEPLOYABLE", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Hunter2", text, StringComparison.Ordinal);
        Assert.Equal(1, result.ExitCode);
    }

    [Fact]
    public void Inspect_NotAWindowsTree_ExitsThree()
    {
        using var temp = new TempDirectory();
        temp.Write("readme.txt", "not windows");

        var result = CliRunner.Run(["inspect", "--root", temp.Path]);

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("not a Windows tree", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Inspect_CorruptSystemHive_StillReportsWhatItCanRead()
    {
        using var temp = new TempDirectory();
        var root = BuildTree(temp);
        File.WriteAllBytes(Path.Combine(root, "Windows", "System32", "config", "SYSTEM"), SharedData.ReadBytes("hives/regipy-corrupted_system_hive.gz"));

        var result = CliRunner.Run(["inspect", "--root", root]);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("SYSTEM", result.Out, StringComparison.Ordinal);
        Assert.Contains("Windows Server 2022 Datacenter", result.Out, StringComparison.Ordinal);
    }
}
