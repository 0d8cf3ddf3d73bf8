using Reseal.TestSupport;

namespace Reseal.Wine.Tests.Harness;

/// <summary>The harness's own promises: COM1 capture, a labelled drive, registry both ways, text search, crashes.</summary>
[Collection(WineTestGroup.Name)]
public sealed class WineHarnessTests(WineFixture wine)
{
    [Fact]
    public async Task Machine_Com1DriveRegistrySearch_WorkAsDocumented()
    {
        using var machine = await wine.NewMachineAsync();
        using var drive = new TempDirectory();
        drive.Write("openstack/latest/meta_data.json", "{\"uuid\": \"83679162-1378-4288-a2d4-70e13ec132aa\"}");

        // The template's own settings.
        Assert.Equal("IMAGE_STATE_COMPLETE", machine.QueryValue(@"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Setup\State", "ImageState")?.Data);
        Assert.Equal("en-US", machine.QueryValue(@"HKU\.DEFAULT\Control Panel\International", "LocaleName")?.Data);
        Assert.True(File.Exists(machine.HostPath(@"C:\Program Files\Reseal\reseal.exe")));

        // COM1 goes through the FIFO into the capture file, lines of several processes in order.
        Assert.True(machine.Cmd("echo 2026/11/21 08:00:00Z: Windows sysprep configuration complete.> COM1").ExitCode == 0);
        Assert.True(machine.Cmd("echo Message: Windows is Ready to use> \\\\.\\COM1").ExitCode == 0);
        Assert.Equal(["2026/11/21 08:00:00Z: Windows sysprep configuration complete.", "Message: Windows is Ready to use"], machine.ConsoleLines());

        // A config drive: D: labelled config-2.
        machine.AttachDrive('D', drive.Path, "config-2");
        var vol = machine.Cmd("vol d:");
        Assert.True(vol.StandardOutput.Contains("config-2", StringComparison.Ordinal), vol.ToString());
        var type = machine.Cmd(@"type d:\openstack\latest\meta_data.json");
        Assert.True(type.StandardOutput.Contains("83679162", StringComparison.Ordinal), type.ToString());

        // Registry: written live, read live and from the flushed hive files.
        machine.SetValue(@"HKLM\SOFTWARE\Reseal\HarnessTest", "Text", "REG_SZ", @"C:\Some ""quoted"" path");
        machine.SetValue(@"HKLM\SOFTWARE\Reseal\HarnessTest", "Number", "REG_DWORD", "3010");
        Assert.Equal(3010u, machine.QueryValue(@"HKLM\SOFTWARE\Reseal\HarnessTest", "Number")?.AsDWord);
        Assert.Equal(2, machine.QueryKey(@"HKLM\SOFTWARE\Reseal\HarnessTest").Count);
        Assert.Equal(@"C:\Some ""quoted"" path", machine.ReadOfflineValue(@"HKLM\SOFTWARE\Reseal\HarnessTest", "Text")?.Data);
        Assert.Equal(3010u, machine.ReadOfflineValue(@"HKLM\SOFTWARE\Reseal\HarnessTest", "Number")?.AsDWord);
        Assert.Null(machine.QueryValue(@"HKLM\SOFTWARE\Reseal\HarnessTest", "Absent"));

        // Text search finds a secret in a file (UTF-16 too) and in the registry files.
        machine.SetValue(@"HKLM\SOFTWARE\Reseal\HarnessTest", "Secret", "REG_SZ", "Tr0ub4dor-in-registry");
        machine.WriteFile(@"C:\Users\Public\note.txt", "Tr0ub4dor-in-registry", System.Text.Encoding.Unicode);
        Assert.Equal(["drive_c/users/Public/note.txt", "system.reg"], machine.FindText("Tr0ub4dor-in-registry").Order(StringComparer.Ordinal));
        Assert.Empty(machine.FindText("no-such-secret-8f3a"));
    }

    [Fact]
    public void Retry_OnlyWineOwnToolsThatWineCouldNotStart()
    {
        const string startFailed = "Application could not be started, or no application associated with the specified file.\nShellExecuteEx failed: File not found.\n";
        Assert.True(WineMachine.IsWineTool("cmd"));
        Assert.True(WineMachine.IsWineTool("wineboot"));
        Assert.False(WineMachine.IsWineTool(WineMachine.ResealExe));
        Assert.False(WineMachine.IsWineTool(WineMachine.SysprepExe));
        Assert.False(WineMachine.IsWineTool("setup.exe"));
        Assert.True(WineMachine.WineCouldNotStart(new HostResult(1, startFailed, string.Empty, false, TimeSpan.Zero)));
        Assert.False(WineMachine.WineCouldNotStart(new HostResult(1, "Volume in drive D is config-2\n" + startFailed, string.Empty, false, TimeSpan.Zero)));
        Assert.False(WineMachine.WineCouldNotStart(new HostResult(1, startFailed, string.Empty, true, TimeSpan.Zero)));
        Assert.False(WineMachine.WineCouldNotStart(new HostResult(1, string.Empty, startFailed, false, TimeSpan.Zero)));
    }

    [Fact]
    public async Task Run_UnhandledExceptionOrHang_ReportedAsCrashOrTimeout()
    {
        using var machine = await wine.NewMachineAsync();

        // reseal's start-up check of an unknown command is a normal failure, not a crash.
        var unknown = machine.Reseal("no-such-command");
        var hang = machine.Run("cmd", ["/c", "ping -n 60 127.0.0.1"], TimeSpan.FromSeconds(3));
        var after = machine.Cmd("echo still usable");

        Assert.NotEqual(0, unknown.ExitCode);
        Assert.False(unknown.Crashed, unknown.ToString());
        Assert.True(hang.TimedOut);
        Assert.False(hang.Succeeded);
        Assert.Equal("still usable", after.StandardOutput.Trim());
        Assert.True(new HostResult(0, string.Empty, "Unhandled exception. System.Exception: boom", false, TimeSpan.Zero).Crashed);
    }
}
