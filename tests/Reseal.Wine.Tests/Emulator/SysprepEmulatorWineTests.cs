using Reseal.Sysprep.Panther;
using Reseal.Wine.Tests.Harness;

namespace Reseal.Wine.Tests.Emulator;

/// <summary>
/// The Sysprep emulator under Wine, through the harness: generalize and the boots after it on a real Win32 registry
/// with the real cmd.exe. These tests prove the harness the end-to-end tests stand on.
/// </summary>
[Collection(WineTestGroup.Name)]
public sealed class SysprepEmulatorWineTests(WineFixture wine)
{
    private const string StateKey = @"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Setup\State";
    private const string TerminalServer = @"HKLM\SYSTEM\CurrentControlSet\Control\Terminal Server";
    private const string SysprepPanther = @"C:\Windows\System32\Sysprep\Panther";
    private const string Unattend = @"/unattend:C:\Setup\unattend.xml";

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task GeneralizeThenBoot_AnswerFile_RunsSpecializeOobeAndSetupCompleteOnce()
    {
        using var machine = await wine.NewMachineAsync();
        machine.WriteFile(@"C:\Setup\exit.cmd", TestAnswerFiles.ExitScript);
        machine.WriteFile(@"C:\Setup\unattend.xml", TestAnswerFiles.Create(
        [
            new(3, @"C:\Setup\exit.cmd three 0"),
            new(1, @"C:\Setup\exit.cmd one 0"),
            new(2, "cmd.exe /c \"C:\\Setup\\exit.cmd\" two 0"),
            new(4, $"reg add \"{TerminalServer}\" /v fDenyTSConnections /t REG_DWORD /d 0 /f"),
        ]));
        machine.WriteFile(@"C:\Windows\Setup\Scripts\SetupComplete.cmd", "@echo off\r\n>> C:\\Setup\\setupcomplete.txt echo ran\r\n");
        machine.SetValue(TerminalServer, "fDenyTSConnections", "REG_DWORD", "1");

        var sysprep = machine.Sysprep("/generalize", "/oobe", "/shutdown", "/quiet", Unattend);

        Assert.True(sysprep.Succeeded, sysprep.ToString());
        Assert.Equal("IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE", machine.QueryValue(StateKey, "ImageState")?.Data);
        Assert.Equal(string.Empty, machine.QueryValue(@"HKLM\SYSTEM\CurrentControlSet\Control\ComputerName\ComputerName", "ComputerName")?.Data);
        Assert.Equal(0x4u, machine.QueryValue(@"HKLM\SYSTEM\Setup\Status\SysprepStatus", "GeneralizationState")?.AsDWord);
        Assert.Contains("ImageState=IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE", machine.ReadFile(@"C:\Windows\Setup\State\State.ini"), StringComparison.Ordinal);
        Assert.True(File.Exists(machine.HostPath(@"C:\Windows\System32\Sysprep\Sysprep_succeeded.tag")));
        Assert.Equal(machine.ReadFile(@"C:\Setup\unattend.xml"), machine.ReadFile(@"C:\Windows\Panther\unattend.xml"));
        Assert.Equal(new PowerEvent("shutdown", "after generalize"), machine.Emulator().Power.Single());
        var generalize = new PantherDiagnoser().Diagnose(machine.HostPath(SysprepPanther), Token);
        Assert.Equal(SysprepOutcome.Succeeded, generalize.Outcome);
        Assert.True(generalize.LatestRun!.Ended);
        Assert.Equal(["GENERALIZE", "OOBE", "SHUTDOWN", "QUIET", "UNATTEND"], generalize.LatestRun.Options);

        machine.PowerOff();
        var boots = machine.BootUntilSettled();

        Assert.All(boots, b => Assert.True(b.Process.Succeeded, b.Process.ToString()));
        Assert.Equal(2, boots.Count);
        Assert.Equal(new PowerEvent("reboot", "specialize done"), boots[0].Power.Single());
        Assert.Empty(boots[1].Power);
        Assert.Equal("one 0\ntwo 0\nthree 0\n", Normalize(machine.ReadFile(@"C:\Setup\runs.txt")));
        var report = machine.Emulator();
        Assert.Equal([1, 2, 3, 4], report.Commands.Select(c => c.Order));
        Assert.All(report.Commands, c => Assert.True(c.Success && c.Boot == 1, c.ToString()));
        Assert.Equal("IMAGE_STATE_COMPLETE", machine.QueryValue(StateKey, "ImageState")?.Data);
        Assert.Equal(0u, machine.QueryValue(TerminalServer, "fDenyTSConnections")?.AsDWord);
        Assert.Equal("de-DE", machine.QueryValue(@"HKU\.DEFAULT\Control Panel\International", "LocaleName")?.Data);
        Assert.Equal("00000407", machine.QueryValue(@"HKU\.DEFAULT\Keyboard Layout\Preload", "1")?.Data);
        Assert.Equal("0407", machine.QueryValue(@"HKLM\SYSTEM\CurrentControlSet\Control\Nls\Language", "Default")?.Data);
        Assert.Equal("Reseal Tests", machine.QueryValue(@"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion", "RegisteredOwner")?.Data);
        Assert.Equal("CLONE-01", machine.Cmd("hostname").StandardOutput.Trim());
        Assert.True(report.Contains("oobeSystem: TimeZone UTC"), report.ToString());
        Assert.True(report.Contains("SetupComplete.cmd exit=0"), report.ToString());
        Assert.Equal("ran\n", Normalize(machine.ReadFile(@"C:\Setup\setupcomplete.txt")));
        var cached = machine.ReadFile(@"C:\Windows\Panther\unattend.xml")!;
        Assert.DoesNotContain(TestAnswerFiles.ObfuscatedAdminPassword, cached, StringComparison.Ordinal);
        Assert.Contains("*SENSITIVE*DATA*DELETED*", cached, StringComparison.Ordinal);

        // A later boot is a normal one: nothing runs again, and the name survives Wine's reset of it.
        var later = machine.Boot();

        Assert.True(later.Process.Succeeded, later.Process.ToString());
        Assert.Empty(later.Power);
        Assert.Equal(4, machine.Emulator().Commands.Count);
        Assert.True(machine.Emulator().Contains("[boot 3] normal boot: nothing for Setup to do"));
        Assert.Equal("ran\n", Normalize(machine.ReadFile(@"C:\Setup\setupcomplete.txt")));
        Assert.Equal("CLONE-01", machine.Cmd("hostname").StandardOutput.Trim());
    }

    [Fact]
    public async Task Boot_WillRebootRules_RebootsAndRerunsAsTheSeedsDescribe()
    {
        using var machine = await wine.NewMachineAsync();
        machine.Environment["RESEAL_SYSPREP_EMULATOR_COMMAND_TIMEOUT"] = "3";
        machine.WriteFile(@"C:\Setup\exit.cmd", TestAnswerFiles.ExitScript);
        machine.WriteFile(@"C:\Setup\twice.cmd", TestAnswerFiles.TwiceScript);
        machine.WriteFile(@"C:\Setup\unattend.xml", TestAnswerFiles.Create(
        [
            new(1, @"C:\Setup\exit.cmd one 5", "Never"),
            new(2, @"C:\Setup\exit.cmd two 0", "Always"),
            new(3, @"C:\Setup\twice.cmd", "OnRequest"),
            new(4, @"C:\Setup\exit.cmd four 0", "OnRequest"),
            new(5, "ping -n 30 127.0.0.1"),
            new(6, @"C:\Setup\exit.cmd six 3010"),
        ], computerName: "*"));
        Assert.True(machine.Sysprep("/generalize", "/oobe", "/shutdown", "/quiet", Unattend).Succeeded);

        var boots = machine.BootUntilSettled();

        Assert.Equal(5, boots.Count);
        Assert.Equal(
            ["specialize RunSynchronous order=2 (WillReboot Always, exit 0)", "specialize RunSynchronous order=3 (WillReboot OnRequest, exit 2)",
             "specialize RunSynchronous order=3 (WillReboot OnRequest, exit 1)", "specialize done"],
            boots.SelectMany(b => b.Power).Select(p => p.Reason));
        var runs = machine.Emulator().Commands;
        Assert.Equal(
            [
                (1, 5, "continue", false, 1), (2, 0, "reboot-then-next", true, 1), (3, 2, "reboot-then-rerun", true, 2),
                (3, 1, "reboot-then-next", true, 3), (4, 0, "continue", true, 4), (6, 3010, "continue", false, 4),
            ],
            runs.Where(r => !r.TimedOut).Select(r => (r.Order, r.ExitCode, r.Result, r.Success, r.Boot)));
        var timedOut = Assert.Single(runs, r => r.TimedOut);
        Assert.Equal((5, "continue", false, 4), (timedOut.Order, timedOut.Result, timedOut.Success, timedOut.Boot));
        Assert.Equal("one 5\ntwo 0\ntwice 2\ntwice 1\nfour 0\nsix 3010\n", Normalize(machine.ReadFile(@"C:\Setup\runs.txt")));
        Assert.Equal("IMAGE_STATE_COMPLETE", machine.QueryValue(StateKey, "ImageState")?.Data);
        Assert.Matches("^WIN-[A-Z0-9]{11}$", machine.Cmd("hostname").StandardOutput.Trim());
    }

    [Fact]
    public async Task Boot_OnRequestWithAnotherExitCode_SetupStopsForGood()
    {
        using var machine = await wine.NewMachineAsync();
        machine.WriteFile(@"C:\Setup\exit.cmd", TestAnswerFiles.ExitScript);
        machine.WriteFile(@"C:\Windows\Setup\Scripts\ErrorHandler.cmd", "@echo off\r\n>> C:\\Setup\\errorhandler.txt echo ran\r\n");
        machine.WriteFile(@"C:\Setup\unattend.xml", TestAnswerFiles.Create(
        [
            new(1, @"C:\Setup\exit.cmd one 0"),
            new(2, @"C:\Setup\exit.cmd two 7", "OnRequest"),
            new(3, @"C:\Setup\exit.cmd three 0"),
        ]));
        Assert.True(machine.Sysprep("/generalize", "/oobe", "/shutdown", "/quiet", Unattend).Succeeded);

        var first = machine.Boot();
        var second = machine.Boot();

        Assert.True(first.Halted);
        Assert.Equal(0x05, first.Process.ExitCode); // E_FAIL's low byte: what a Linux parent of wine sees
        Assert.True(second.Halted);
        Assert.Equal("one 0\ntwo 7\n", Normalize(machine.ReadFile(@"C:\Setup\runs.txt")));
        Assert.Equal("ran\n", Normalize(machine.ReadFile(@"C:\Setup\errorhandler.txt")));
        Assert.Equal("IMAGE_STATE_UNDEPLOYABLE", machine.QueryValue(StateKey, "ImageState")?.Data);
        var diagnosis = new PantherDiagnoser().Diagnose(machine.HostPath(@"C:\Windows\Panther"), Token);
        Assert.Equal(SysprepOutcome.Failed, diagnosis.Outcome);
        Assert.Contains(diagnosis.AllFindings, f => f.Id == "SD026");
    }

    [Fact]
    public async Task Boot_PasswordWithTheWrongSuffix_OobeSystemFailsAsSetupDoes()
    {
        using var machine = await wine.NewMachineAsync();
        // P@ssw0rd obfuscated for LocalAccount/Password ("Password" suffix) used as the AdministratorPassword.
        machine.WriteFile(@"C:\Setup\unattend.xml", TestAnswerFiles.Create([], adminPasswordValue: "UABAAHMAcwB3ADAAcgBkAFAAYQBzAHMAdwBvAHIAZAA="));
        Assert.True(machine.Sysprep("/generalize", "/oobe", "/shutdown", "/quiet", Unattend).Succeeded);

        var boots = machine.BootUntilSettled();

        Assert.Equal(2, boots.Count);
        Assert.True(boots[1].Halted);
        Assert.Equal("IMAGE_STATE_SPECIALIZE_RESEAL_TO_OOBE", machine.QueryValue(StateKey, "ImageState")?.Data);
        var diagnosis = new PantherDiagnoser().Diagnose(machine.HostPath(@"C:\Windows\Panther\UnattendGC"), Token);
        Assert.Equal(SysprepOutcome.Failed, diagnosis.Outcome);
        Assert.Equal("SD014", diagnosis.RootCause?.Id);
        Assert.Contains(diagnosis.OtherFindings, f => f.Id == "SD030" && f.Variables["pass"] == "oobeSystem");
    }

    [Fact]
    public async Task Sysprep_ValidationFailures_LeaveTheMachineAsItWasAndDiagnoseNamesThem()
    {
        using var machine = await wine.NewMachineAsync();
        machine.WriteFile(@"C:\Setup\unattend.xml", TestAnswerFiles.Create([], skipRearm: true));
        var name = machine.QueryValue(@"HKLM\SYSTEM\CurrentControlSet\Control\ComputerName\ComputerName", "ComputerName")?.Data;
        const string package = "Contoso.Notes_2.1.0.0_x64__8wekyb3d8bbwe";

        var bitLocker = machine.SysprepFailing("bitlocker", "/generalize", "/oobe", "/shutdown", "/quiet", Unattend);
        var bitLockerDiagnosis = new PantherDiagnoser().Diagnose(machine.HostPath(SysprepPanther), Token);
        machine.ConfigureEmulator("fail=store-package=" + package);
        var store = machine.Sysprep("/generalize", "/oobe", "/shutdown", "/quiet", Unattend);

        Assert.Equal(0x39, bitLocker.ExitCode); // 0x80310039
        Assert.Equal("SD005", bitLockerDiagnosis.RootCause?.Id);
        Assert.Equal(0xF2, store.ExitCode); // 0x80073CF2
        Assert.False(store.Crashed, store.ToString());
        Assert.Contains("Sysprep was not able to validate your Windows installation", store.StandardError, StringComparison.Ordinal);
        Assert.Equal("IMAGE_STATE_COMPLETE", machine.QueryValue(StateKey, "ImageState")?.Data);
        Assert.Equal(name, machine.QueryValue(@"HKLM\SYSTEM\CurrentControlSet\Control\ComputerName\ComputerName", "ComputerName")?.Data);
        Assert.Equal(7u, machine.QueryValue(@"HKLM\SYSTEM\Setup\Status\SysprepStatus", "GeneralizationState")?.AsDWord);
        Assert.False(File.Exists(machine.HostPath(@"C:\Windows\System32\Sysprep\Sysprep_succeeded.tag")));
        Assert.Null(machine.ReadFile(@"C:\Windows\Panther\unattend.xml"));
        Assert.Empty(machine.Emulator().Power);
        var diagnosis = new PantherDiagnoser().Diagnose(machine.HostPath(SysprepPanther), Token);
        Assert.Equal(SysprepOutcome.Failed, diagnosis.Outcome);
        Assert.Equal("SD001", diagnosis.RootCause?.Id);
        Assert.Equal(package, diagnosis.RootCause!.Variables["package"]);
        Assert.False(diagnosis.LatestRun!.Ended);

        // reseal diagnose under Wine reads the same logs through C:\.
        var diagnose = machine.Reseal("diagnose", SysprepPanther);
        Assert.Equal(1, diagnose.ExitCode);
        Assert.False(diagnose.Crashed, diagnose.ToString());
        Assert.Contains("SD001", diagnose.StandardOutput, StringComparison.Ordinal);
        Assert.Contains(package, diagnose.StandardOutput, StringComparison.Ordinal);

        // With the cause gone, the same machine seals; SkipRearm=1 in the answer file keeps the rearm (and its limit) out.
        machine.ConfigureEmulator("fail=rearm-limit");
        var sealedOk = machine.Sysprep("/generalize", "/oobe", "/shutdown", "/quiet", Unattend);

        Assert.True(sealedOk.Succeeded, sealedOk.ToString());
        Assert.True(machine.Emulator().Contains("[sysprep] rearm skipped (SkipRearm=1)"));
        Assert.Equal(1u, machine.QueryValue(@"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\SoftwareProtectionPlatform", "SkipRearm")?.AsDWord);
        Assert.Equal("IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE", machine.QueryValue(StateKey, "ImageState")?.Data);
        Assert.Equal(SysprepOutcome.Succeeded, new PantherDiagnoser().Diagnose(machine.HostPath(SysprepPanther), Token).Outcome);
    }

    [Fact]
    public async Task Sysprep_RearmLimit_LeavesUndeployableAndTheNextRunRefuses()
    {
        using var machine = await wine.NewMachineAsync();
        machine.WriteFile(@"C:\Setup\unattend.xml", TestAnswerFiles.Create([]));

        var rearm = machine.SysprepFailing("rearm-limit", "/generalize", "/oobe", "/shutdown", "/quiet", Unattend);
        var rearmDiagnosis = new PantherDiagnoser().Diagnose(machine.HostPath(SysprepPanther), Token);
        var again = machine.Sysprep("/generalize", "/oobe", "/shutdown", "/quiet", Unattend);
        var againDiagnosis = new PantherDiagnoser().Diagnose(machine.HostPath(SysprepPanther), Token);
        var boot = machine.Boot();

        Assert.Equal(0x07, rearm.ExitCode); // 0xC004D307
        Assert.Contains("A fatal error occurred while trying to sysprep the machine.", rearm.StandardError, StringComparison.Ordinal);
        Assert.Equal("SD006", rearmDiagnosis.RootCause?.Id);
        Assert.Equal(0x1F, again.ExitCode); // dwRet = 31
        Assert.Equal("SD007", againDiagnosis.RootCause?.Id);
        Assert.Equal("IMAGE_STATE_UNDEPLOYABLE", machine.QueryValue(StateKey, "ImageState")?.Data);
        Assert.Equal(1u, machine.QueryValue(@"HKLM\SYSTEM\Setup\Status\SysprepStatus", "GeneralizationState")?.AsDWord);
        Assert.True(boot.Halted);
        Assert.DoesNotContain(machine.Emulator().Power, p => p.Action != "halt");
    }

    [Fact]
    public async Task Sysprep_RefusedRuns_InvalidSwitchesSecondInstanceNotAdminWrongFolder()
    {
        using var machine = await wine.NewMachineAsync();
        string[][] invalid =
        [
            ["/oobe", "/audit"], ["/generalize", "/shutdown"], ["/oobe", "/reboot", "/quit"], ["/oobe", "/mode:vm"], ["/oobe", "/bogus"], [],
        ];

        var results = invalid.Select(args => machine.Sysprep(args)).ToArray();

        Assert.All(results, r => Assert.Equal(0x57, r.ExitCode)); // E_INVALIDARG
        Assert.Contains("cannot be used together", results[0].StandardError, StringComparison.Ordinal);
        var log = PantherLogReader.ReadAll(machine.HostPath(SysprepPanther + @"\setupact.log"), cancellationToken: Token);
        Assert.Equal(invalid.Length, log.Count(r => r.IsError && r.Message.StartsWith("ParseCommands:Invalid command line", StringComparison.Ordinal)));
        Assert.Equal(invalid.Length, log.Count(r => r.Message.Contains("Beginning of a new sysprep run", StringComparison.Ordinal)));

        var notAdmin = machine.SysprepFailing("not-admin", "/oobe", "/quit");
        Assert.Equal(0x05, notAdmin.ExitCode); // E_ACCESSDENIED
        Assert.Contains("administrator", notAdmin.StandardError, StringComparison.Ordinal);

        var wrongFolder = machine.Run(Path.Combine(machine.Build.SysprepFolder, "sysprep.exe"), ["/oobe", "/quit"]);
        Assert.Equal(0x0A, wrongFolder.ExitCode);
        Assert.Contains(@"Sysprep must be run from C:\", wrongFolder.StandardError, StringComparison.Ordinal);

        // One instance: a second sysprep.exe is refused while the first one works.
        var first = Task.Run(() => machine.Run(WineMachine.SysprepExe, ["/oobe", "/quit", "/quiet"],
            environment: new Dictionary<string, string?> { ["RESEAL_SYSPREP_EMULATOR_DELAY"] = "6" }), Token);
        for (var i = 0; i < 150 && !machine.Emulator().Contains("delay: waiting"); i++)
        {
            await Task.Delay(100, Token);
        }

        var second = machine.Sysprep("/oobe", "/quit", "/quiet");
        var during = machine.QueryValue(StateKey, "ImageState")?.Data;
        var firstResult = await first;

        Assert.Equal(0xB7, second.ExitCode); // ERROR_ALREADY_EXISTS
        Assert.Contains("Another instance of Sysprep is already running", second.StandardError, StringComparison.Ordinal);
        Assert.True(firstResult.Succeeded, firstResult.ToString());
        Assert.Equal("IMAGE_STATE_UNDEPLOYABLE", during);
        Assert.Equal("IMAGE_STATE_SPECIALIZE_RESEAL_TO_OOBE", machine.QueryValue(StateKey, "ImageState")?.Data);
    }

    private static string Normalize(string? text) => HostProcess.Normalize(text ?? string.Empty);
}
