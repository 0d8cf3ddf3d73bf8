using System.Text.Json;
using Reseal.TestSupport;

namespace Reseal.Cli.Tests;

public class HiveCommandTests
{
    private static string RealHive(TempDirectory temp, string name, string as_)
    {
        var bytes = SharedData.ReadBytes(Path.Combine("hives", name + ".gz"));
        return temp.Write(as_, bytes);
    }

    [Fact]
    public void Export_RealSystemHive_IsByteIdenticalToHivexregedit()
    {
        var hivexregedit = ExternalTool.Require("hivexregedit", "libwin-hivex-perl");
        using var temp = new TempDirectory();
        var hive = RealHive(temp, "regipy-SYSTEM", "SYSTEM");
        var output = temp.File("reseal.reg");

        var result = CliRunner.Run(["hive", "export", hive, "--prefix", "HKEY_LOCAL_MACHINE\\SYSTEM", "-o", output]);
        var reference = ExternalTool.Run(hivexregedit, ["--export", "--prefix", "HKEY_LOCAL_MACHINE\\SYSTEM", hive, "\\"]);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(0, reference.ExitCode);
        Assert.Equal(reference.StandardOutput, File.ReadAllText(output));
    }

    [Fact]
    public void NewFromRegThenSet_IsReadByHivexget()
    {
        var hivexget = ExternalTool.Require("hivexget", "libhivex-bin");
        using var temp = new TempDirectory();
        var reg = temp.Write("software.reg",
            "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion]\r\n\"ProductName\"=\"Windows Server 2022 Datacenter\"\r\n\"CurrentBuildNumber\"=\"20348\"\r\n");
        var hive = temp.File("SOFTWARE");

        Assert.Equal(0, CliRunner.Run(["hive", "new", hive, "--from", reg, "--prefix", "HKEY_LOCAL_MACHINE\\SOFTWARE"]).ExitCode);
        Assert.Equal(0, CliRunner.Run(["hive", "set", hive, "Amazon\\EC2Launch", "Version", "2.0.1"]).ExitCode);
        Assert.Equal(0, CliRunner.Run(["hive", "set", hive, "Policies\\Reseal", "Enabled", "--type", "dword", "0x10"]).ExitCode);

        Assert.Equal("Windows Server 2022 Datacenter", ExternalTool.Run(hivexget, [hive, "Microsoft\\Windows NT\\CurrentVersion", "ProductName"]).StandardOutput.Trim());
        Assert.Equal("2.0.1", ExternalTool.Run(hivexget, [hive, "Amazon\\EC2Launch", "Version"]).StandardOutput.Trim());
        Assert.Equal("16", ExternalTool.Run(hivexget, [hive, "Policies\\Reseal", "Enabled"]).StandardOutput.Trim());
        Assert.True(File.Exists(hive + ".bak"));
    }

    [Fact]
    public void GetAndLs_RealSamHive_ReadAccountsKey()
    {
        using var temp = new TempDirectory();
        var hive = RealHive(temp, "regipy-SAM", "SAM");

        var ls = CliRunner.Run(["hive", "ls", hive, "SAM\\Domains\\Account\\Users\\Names", "--format", "json"]);

        Assert.Equal(0, ls.ExitCode);
        using var json = JsonDocument.Parse(ls.Out);
        var names = json.RootElement.GetProperty("subkeys").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Contains("Administrator", names);
        Assert.Contains("Guest", names);
    }

    [Fact]
    public void Get_MissingValue_ExitsOne()
    {
        using var temp = new TempDirectory();
        var hive = RealHive(temp, "regipy-SYSTEM", "SYSTEM");

        var result = CliRunner.Run(["hive", "get", hive, "Select", "NoSuchValue"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("NoSuchValue", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Get_CurrentControlSet_ResolvesThroughSelect()
    {
        using var temp = new TempDirectory();
        var hive = RealHive(temp, "regipy-SYSTEM", "SYSTEM");

        var viaCurrent = CliRunner.Run(["hive", "get", hive, "CurrentControlSet\\Control\\ComputerName\\ComputerName", "ComputerName"]);
        var viaSet = CliRunner.Run(["hive", "get", hive, "ControlSet001\\Control\\ComputerName\\ComputerName", "ComputerName"]);

        Assert.Equal(0, viaCurrent.ExitCode);
        Assert.Equal(viaSet.Out, viaCurrent.Out);
    }

    [Theory]
    [InlineData("ez-NotAHive")]
    [InlineData("ez-SAMBadHBinHeader")]
    [InlineData("regipy-corrupted_system_hive")]
    public void Commands_DamagedHive_ExitThreeWithOneLineNamingTheFile(string name)
    {
        using var temp = new TempDirectory();
        var hive = RealHive(temp, name, "HIVE");
        var output = temp.File("out.reg");

        var ls = CliRunner.Run(["hive", "ls", hive]);
        var export = CliRunner.Run(["hive", "export", hive, "-o", output]);

        Assert.Equal(3, ls.ExitCode);
        Assert.Contains(hive, ls.Error, StringComparison.Ordinal);
        Assert.Equal(3, export.ExitCode);
        Assert.False(File.Exists(output), "a failed export must not leave a file");
    }

    [Fact]
    public void Import_MalformedReg_ExitsThreeWithLineAndLeavesTheHive()
    {
        using var temp = new TempDirectory();
        var hive = temp.File("SOFTWARE");
        Assert.Equal(0, CliRunner.Run(["hive", "new", hive]).ExitCode);
        var before = File.ReadAllBytes(hive);
        var reg = temp.Write("bad.reg", "Windows Registry Editor Version 5.00\r\n\r\n[Key]\r\n\"Value\"=dword:xyz\r\n");

        var result = CliRunner.Run(["hive", "import", hive, reg]);

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("line 4", result.Error, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(hive));
    }

    [Fact]
    public void Recover_DirtyHiveWithLogs_WritesACleanHiveHivexshOpens()
    {
        var hivexsh = ExternalTool.Require("hivexsh", "libhivex-bin");
        using var temp = new TempDirectory();
        var hive = RealHive(temp, "regipy-SYSTEM_B", "SYSTEM");
        RealHive(temp, "regipy-SYSTEM_B.LOG1", "SYSTEM.LOG1");
        RealHive(temp, "regipy-SYSTEM_B.LOG2", "SYSTEM.LOG2");
        var output = temp.File("SYSTEM.recovered");

        var result = CliRunner.Run(["hive", "recover", hive, "-o", output]);
        var check = CliRunner.Run(["hive", "check", output]);
        var opened = ExternalTool.Run(hivexsh, ["-d", output], "ls\nquit\n");

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal(0, check.ExitCode);
        Assert.Equal(0, opened.ExitCode);
        Assert.Contains("ControlSet001", opened.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public void Set_BadNumber_ExitsTwoAndWritesNothing()
    {
        using var temp = new TempDirectory();
        var hive = temp.File("H");
        Assert.Equal(0, CliRunner.Run(["hive", "new", hive]).ExitCode);
        var before = File.ReadAllBytes(hive);

        var result = CliRunner.Run(["hive", "set", hive, "K", "V", "--type", "dword", "4294967296"]);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal(before, File.ReadAllBytes(hive));
    }

    [Fact]
    public void Delete_ValueThenKey_AndNothingLeftExitsOne()
    {
        using var temp = new TempDirectory();
        var hive = temp.File("H");
        CliRunner.Run(["hive", "new", hive]);
        CliRunner.Run(["hive", "set", hive, "A\\B", "V", "x"]);

        Assert.Equal(0, CliRunner.Run(["hive", "delete", hive, "A\\B", "V"]).ExitCode);
        Assert.Equal(0, CliRunner.Run(["hive", "delete", hive, "A"]).ExitCode);
        Assert.Equal(1, CliRunner.Run(["hive", "delete", hive, "A"]).ExitCode);
        Assert.Equal(3, CliRunner.Run(["hive", "ls", hive, "A"]).ExitCode);
    }
}
