using System.Text.Json;
using Reseal.TestSupport;
using Reseal.TestSupport.Loopback;
using Reseal.TestSupport.Wine;
using Reseal.Wine.Tests.Harness;

namespace Reseal.Wine.Tests.Lifecycle;

/// <summary>
/// The whole lifecycle of DESIGN.md under Wine, with the win-x64 build of reseal and the Sysprep emulator: seal →
/// shutdown → the clone's boots (specialize, oobeSystem, SetupComplete.cmd starting <c>reseal agent run</c>) → the agent
/// against a loopback metadata server → a second boot. What Wine cannot do is listed in docs/wine-e2e.md: accounts live
/// in the <see cref="FileAccountStore"/> (Wine has no account database), so "the Administrator has the published
/// password" is checked against its salted hash there.
/// </summary>
[Collection(WineTestGroup.Name)]
public sealed class LifecycleTests(WineFixture wine)
{
    private const string TerminalServer = @"HKLM\SYSTEM\CurrentControlSet\Control\Terminal Server";
    private const string StateKey = @"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Setup\State";
    private const string Tcpip = @"HKLM\SYSTEM\CurrentControlSet\Services\Tcpip\Parameters";
    private const string AccountStore = @"C:\ProgramData\Reseal-test\accounts.json";
    private const string Marker = @"C:\userdata-ran.txt";

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static string PrivateKey() => KeyFiles.SshKeygen("rsa", 2048, "PEM");

    private static string PublicKeyLine() => File.ReadAllText(PrivateKey() + ".pub").Trim();

    private static string AgentConfig(string metadataYaml) => $"""
        version: 1.0
        metadata:
        {metadataYaml}
          waitSeconds: 30
        config:
        - stage: preReady
          tasks:
          - task: setDnsSuffix
            inputs:
              suffixes:
              - $REGION.ec2-utilities.amazonaws.com
          - task: setAdminAccount
            inputs:
              password:
                type: random
        - stage: postReady
          tasks:
          - task: setHostName
            inputs:
              hostName: reseal-e2e

        """;

    private const string UserData = "version: 1.1\ntasks:\n- task: executeScript\n  inputs:\n  - type: batch\n    frequency: once\n    content: echo ran>> C:\\userdata-ran.txt\n";

    private static string Decrypt(string base64)
    {
        var cipher = KeyFiles.NewPath("e2e-cipher.bin");
        File.WriteAllBytes(cipher, Convert.FromBase64String(base64));
        return KeyFiles.OpenSsl("pkeyutl", "-decrypt", "-inkey", PrivateKey(), "-in", cipher, "-pkeyopt", "rsa_padding_mode:pkcs1").StandardOutput;
    }

    private static List<string> Texts(IEnumerable<string> lines) =>
        [.. lines.Select(l => l.TrimEnd('\r')).Select(l => l.Length > 22 && l[4] == '/' && l[20] == ':' ? l[22..] : l)];

    private static string PasswordBlock(List<string> texts)
    {
        var at = texts.IndexOf("Password: <Password>");
        Assert.True(at >= 0, "no password block on the console:\n" + string.Join('\n', texts));
        Assert.Equal("</Password>", texts[at + 2]);
        return texts[at + 1];
    }

    private static void InOrder(List<string> texts, params string[] expected)
    {
        var positions = expected.Select(e => texts.IndexOf(e)).ToList();
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(positions[i] >= 0, $"'{expected[i]}' is not on the console:\n" + string.Join('\n', texts));
        }

        Assert.True(positions.SequenceEqual(positions.Order()), "console lines out of order:\n" + string.Join('\n', texts));
    }

    private static void Prepare(WineMachine machine, string metadataYaml)
    {
        machine.SetSystemEnvironment(FileAccountStore.EnvironmentVariable, AccountStore); // the service reads it too
        machine.WriteFile(@"C:\ProgramData\Reseal\config\agent-config.yml", AgentConfig(metadataYaml));
        // The agent runs as the Windows service (Wine's service manager starts automatic services at each power-on).
        var install = machine.Reseal("agent", "install");
        Assert.True(install.Succeeded, install.ToString());
    }

    private const string RunStarted = "Windows sysprep configuration complete.";

    /// <summary>Waits until the service's agent runs have printed their first line <paramref name="runs"/> times, then until the last run is over.</summary>
    private static List<string> WaitForServiceRuns(WineMachine machine, int runs)
    {
        var deadline = TimeProvider.System.GetUtcNow().AddMinutes(3);
        while (Texts(machine.ConsoleLines()).Count(t => t == RunStarted) < runs && TimeProvider.System.GetUtcNow() < deadline)
        {
            Thread.Sleep(500);
        }

        var status = machine.Reseal("agent", "status", "--block", "--timeout", "180", "--state-dir", @"C:\ProgramData\Reseal\state");
        var texts = Texts(machine.ConsoleLines());
        Assert.True(status.ExitCode is 0, status + "\n" + string.Join('\n', texts) + "\nagent.log:\n" + machine.ReadFile(@"C:\ProgramData\Reseal\log\agent.log")
            + "\nhand-over marker:\n" + machine.ReadFile(@"C:\ProgramData\Reseal\state\setup-complete.json") + "\nemulator:\n" + machine.Emulator()
            + "\nSetup: " + string.Join(", ", machine.QueryKey(@"HKLM\SYSTEM\Setup").Select(v => $"{v.Name}={v.Data}"))
            + "\nImageState: " + machine.QueryValue(StateKey, "ImageState")?.Data);
        Assert.Equal(runs, texts.Count(t => t == RunStarted)); // one run per boot, never two
        return texts;
    }

    [Fact]
    public async Task Ec2_SealBootAgent_PasswordDecryptsToTheAccountsPassword_UserDataOnce_NoClearTextLeft()
    {
        Assert.SkipUnless(ExternalTool.Find("openssl") is not null && ExternalTool.Find("ssh-keygen") is not null, "needs openssl and ssh-keygen (Debian: openssl, openssh-client)");
        var imds = new FakeImds { UserData = UserData };
        imds.Items["meta-data/public-keys/0/openssh-key"] = PublicKeyLine();
        await using var server = new LoopbackHttpServer(imds.Handle);
        using var machine = await wine.NewMachineAsync("ec2");
        Prepare(machine, $"  sources: [ec2]\n  endpoints:\n    ec2: {server.BaseUri}");

        var seal = machine.Reseal("seal", "--profile", "ec2launch-v2", "--yes");

        Assert.True(seal.Succeeded, seal.ToString());
        Assert.Equal(1u, machine.QueryValue(TerminalServer, "fDenyTSConnections")?.AsDWord);
        Assert.Contains("scramble-password", machine.ReadFile(@"C:\ProgramData\Reseal\sysprep\unattend.xml"), StringComparison.Ordinal);
        Assert.Contains(@"""%ProgramFiles%\Reseal\reseal.exe"" agent setup-complete", machine.ReadFile(@"C:\Windows\Setup\Scripts\SetupComplete.cmd"), StringComparison.Ordinal);
        Assert.Equal("IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE", machine.QueryValue(StateKey, "ImageState")?.Data);
        Assert.Equal("shutdown", machine.Emulator().Power[^1].Action);

        machine.PowerOff();
        var boots = machine.BootUntilSettled();

        Assert.All(boots, b => Assert.True(b.Process.Succeeded, b.Process.ToString()));
        Assert.Contains(machine.Emulator().ToString().Split('\n'), l => l.Contains("SetupComplete.cmd exit=0", StringComparison.Ordinal));
        var texts = WaitForServiceRuns(machine, 1);
        Assert.Contains("Windows is being configured. SysprepState=IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE", texts); // seal's watch
        Assert.Contains("Windows is being configured. SysprepState=IMAGE_STATE_SPECIALIZE_RESEAL_TO_OOBE", texts); // the service waiting for Setup
        InOrder(texts,
            "Windows sysprep configuration complete.", "Message: Waiting for meta-data accessibility...", "Message: Meta-data is now available.",
            "Instance-ID: i-1234567890abcdef0", "Username: Administrator", "Password: <Password>", "</Password>",
            "User data format: yaml_1.1", "Message: Windows is Ready to use");
        using (var summary = JsonDocument.Parse(texts[^1]))
        {
            Assert.Equal("ResealAgentRun", summary.RootElement.GetProperty("type").GetString());
        }

        var password = Decrypt(PasswordBlock(texts));
        var accounts = new FileAccountStore(machine.HostPath(AccountStore));
        Assert.True(accounts.HasPassword("Administrator", password), "the Administrator's password is not the one printed on the console");
        Assert.False(accounts.FindAccount("Administrator")!.Disabled);
        Assert.Equal(0u, machine.QueryValue(TerminalServer, "fDenyTSConnections")?.AsDWord);
        // SetComputerNameExW: Windows writes the pending NetBIOS name and NV Hostname; Wine writes the NetBIOS name and
        // Hostname (docs/wine-e2e.md). The pending NetBIOS name is what both write.
        Assert.Equal("RESEAL-E2E", machine.QueryValue(@"HKLM\SYSTEM\CurrentControlSet\Control\ComputerName\ComputerName", "ComputerName")?.Data);
        Assert.Contains("us-east-1.ec2-utilities.amazonaws.com", machine.QueryValue(Tcpip, "SearchList")?.Data, StringComparison.Ordinal);
        Assert.Equal("ran\n", Normalize(machine.ReadFile(Marker)));
        Assert.Null(machine.ReadFile(@"C:\ProgramData\Reseal\sysprep\seal-journal.json"));
        Assert.Single(Texts(machine.ConsoleLines()), t => t == "Password: <Password>");
        Assert.Empty(machine.FindText(password));
        // A second boot is not played here: under Wine the uptime is the host's, so a power cycle of the prefix looks
        // like the same boot to the service's once-per-boot rule (docs/wine-findings.md). The next boot's run, and the
        // restarted service's non-run, are proven in FirstBootHandOverTests and BootRunnerTests (once tasks not repeated).
    }

    [Fact]
    public async Task OpenStack_ConfigDriveAsLabelledDrive_PasswordPostedToNova()
    {
        Assert.SkipUnless(ExternalTool.Find("openssl") is not null && ExternalTool.Find("ssh-keygen") is not null, "needs openssl and ssh-keygen (Debian: openssl, openssh-client)");
        var nova = new FakeNova { UserData = null };
        await using var server = new LoopbackHttpServer(nova.Handle);
        using var temp = new TempDirectory();
        var latest = Directory.CreateDirectory(Path.Combine(temp.Path, "openstack", "latest")).FullName;
        var key = PublicKeyLine();
        await File.WriteAllTextAsync(Path.Combine(latest, "meta_data.json"),
            $$$"""{"uuid": "5c0c1a5e-0d3b-4f7c-9d87-1f1e6d1c0a42", "hostname": "os-clone.novalocal", "availability_zone": "nova", "public_keys": {"mykey": "{{{key}}}\n"}}""", Token);
        await File.WriteAllTextAsync(Path.Combine(latest, "user_data"), "rem cmd\r\necho ran>> C:\\userdata-ran.txt\r\n", Token);
        using var machine = await wine.NewMachineAsync("openstack");
        // The drive first: attaching powers the machine off and on, and Wine's SCM would start an installed service then
        // (an agent run on the machine before it is sealed).
        machine.AttachDrive('D', temp.Path, "config-2");
        Prepare(machine, $"  sources: [configdrive]\n  endpoints:\n    openstack: {server.BaseUri}");

        var seal = machine.Reseal("seal", "--profile", "cloudbase-init", "--yes");

        Assert.True(seal.Succeeded, seal.ToString());
        machine.PowerOff();
        var boots = machine.BootUntilSettled();

        Assert.All(boots, b => Assert.True(b.Process.Succeeded, b.Process.ToString()));
        var texts = WaitForServiceRuns(machine, 1);
        InOrder(texts, "Message: Meta-data is now available.", "Instance-ID: 5c0c1a5e-0d3b-4f7c-9d87-1f1e6d1c0a42", "Password: <Password>",
            "User data format: script", "Message: Windows is Ready to use");
        var printed = PasswordBlock(texts);
        Assert.Equal(printed, nova.StoredPassword);
        var password = Decrypt(nova.StoredPassword!);
        Assert.True(new FileAccountStore(machine.HostPath(AccountStore)).HasPassword("Administrator", password));
        Assert.Equal("ran\n", Normalize(machine.ReadFile(Marker)));
        Assert.Empty(machine.FindText(password));
    }

    [Fact]
    public async Task SysprepFails_MachineLeftAsItWas_AndDiagnoseNamesTheStorePackage()
    {
        using var machine = await wine.NewMachineAsync("failing");
        Prepare(machine, "  sources: [ec2]");
        machine.WriteFile(@"C:\Windows\Setup\Scripts\SetupComplete.cmd", "@echo off\r\necho site hook\r\n");
        var setupCompleteBefore = machine.ReadFile(@"C:\Windows\Setup\Scripts\SetupComplete.cmd");
        var rdpBefore = machine.QueryValue(TerminalServer, "fDenyTSConnections")?.AsDWord;
        machine.ConfigureEmulator("fail=store-package");

        var seal = machine.Reseal("seal", "--profile", "ec2launch-v2", "--yes");

        Assert.Equal(1, seal.ExitCode & 0xFF);
        Assert.False(seal.Crashed, seal.ToString());
        Assert.Contains("SD001", seal.StandardOutput + seal.StandardError, StringComparison.Ordinal);
        Assert.Equal(rdpBefore, machine.QueryValue(TerminalServer, "fDenyTSConnections")?.AsDWord);
        Assert.Equal(setupCompleteBefore, machine.ReadFile(@"C:\Windows\Setup\Scripts\SetupComplete.cmd"));
        Assert.Null(machine.ReadFile(@"C:\ProgramData\Reseal\sysprep\unattend.xml"));
        Assert.Null(machine.ReadFile(@"C:\ProgramData\Reseal\sysprep\seal-journal.json"));
        Assert.NotEqual("IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE", machine.QueryValue(StateKey, "ImageState")?.Data);
        Assert.DoesNotContain(machine.Emulator().Power, p => p.Action == "shutdown");

        var diagnose = machine.Reseal("diagnose", @"C:\Windows\System32\Sysprep\Panther");

        Assert.Equal(1, diagnose.ExitCode & 0xFF);
        Assert.Contains("SD001", diagnose.StandardOutput, StringComparison.Ordinal);
    }

    /// <summary>A machine with the agent configured against a loopback IMDSv2 and the account store, not sealed: for <c>reseal agent run</c> by hand.</summary>
    private async Task<(WineMachine Machine, LoopbackHttpServer Server)> AgentMachineAsync(string name)
    {
        var imds = new FakeImds();
        imds.Items["meta-data/public-keys/0/openssh-key"] = PublicKeyLine();
        var server = new LoopbackHttpServer(imds.Handle);
        var machine = await wine.NewMachineAsync(name);
        machine.SetSystemEnvironment(FileAccountStore.EnvironmentVariable, AccountStore); // the service reads it too
        machine.WriteFile(@"C:\ProgramData\Reseal\config\agent-config.yml", AgentConfig($"  sources: [ec2]\n  endpoints:\n    ec2: {server.BaseUri}"));
        return (machine, server);
    }

    [Fact]
    public async Task AgentRun_Com1_OpenedOnceWith115200_8N1_NoFlowControl_EveryLineOnTheLine()
    {
        Assert.SkipUnless(ExternalTool.Find("ssh-keygen") is not null, "needs ssh-keygen (Debian: openssh-client)");
        var (machine, server) = await AgentMachineAsync("com1-settings");
        await using var _ = server;
        using var __ = machine;
        Assert.Contains("speed 9600 baud", machine.Com1LineSettings(), StringComparison.Ordinal); // the harness's odd start

        // Wine's own trace of serial requests: SerialPort's open asks IOCTL_SERIAL_GET_PROPERTIES once per open.
        var run = machine.Run(WineMachine.ResealExe, ["agent", "run", "--no-reboot"], environment: new Dictionary<string, string?> { ["WINEDEBUG"] = "+comm" });

        Assert.True(run.Succeeded, run.ToString()[..Math.Min(4000, run.ToString().Length)]);
        var settings = machine.Com1LineSettings().Split([' ', ';', '\n'], StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("115200", settings);
        foreach (var flag in new[] { "cs8", "-parenb", "-cstopb", "-crtscts", "-ixon", "-ixoff" })
        {
            Assert.Contains(flag, settings); // 8N1, no RTS/CTS, no XON/XOFF: what LiveSerialConsole asked Wine for
        }

        var opens = run.StandardError.Split('\n').Count(l => l.Contains("IOCTL_SERIAL_GET_PROPERTIES", StringComparison.Ordinal));
        Assert.Equal(1, opens); // one open for the whole run
        var texts = Texts(machine.ConsoleLines());
        InOrder(texts, "Windows sysprep configuration complete.", "Username: Administrator", "Password: <Password>", "</Password>", "Message: Windows is Ready to use");
        Assert.DoesNotContain("serial console cannot be written", machine.ReadFile(@"C:\ProgramData\Reseal\log\agent.log"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AgentRun_Com1Blocked_RunEndsInBoundedTime_PasswordBlockInConsoleLog_LossSaidInBothLogs()
    {
        Assert.SkipUnless(ExternalTool.Find("ssh-keygen") is not null, "needs ssh-keygen (Debian: openssh-client)");
        Assert.Skip("Wine 8 reports every COM1 write as complete even when the pseudo-terminal behind it is full, so a blocked "
            + "serial line cannot be played under Wine (cause not found; docs/wine-findings.md, 'A pseudo-terminal with output "
            + "processing on'); the stuck-port bounds are proven in AgentConsoleTests and the serial writer's tests");
        var (machine, server) = await AgentMachineAsync("com1-blocked");
        await using var _ = server;
        using var __ = machine;
        machine.PowerOn();
        var queued = machine.Com1.Block(); // nobody reads the line: a flow-controlled or dead serial console
        var watch = System.Diagnostics.Stopwatch.StartNew();

        var run = machine.Reseal("agent", "run", "--no-reboot");

        watch.Stop();
        machine.Com1.Unblock();
        Assert.True(queued > 0);
        Assert.True(run.Succeeded, run.ToString());
        Assert.True(watch.Elapsed < TimeSpan.FromMinutes(3), $"the blocked port held the run {watch.Elapsed}");
        var agentLog = machine.ReadFile(@"C:\ProgramData\Reseal\log\agent.log")!;
        Assert.True(agentLog.Contains("the serial console cannot be written (", StringComparison.Ordinal), agentLog);
        Assert.True(agentLog.Contains("the <Password> block among them, never reached the serial console", StringComparison.Ordinal), agentLog);
        var consoleLog = machine.ReadFile(@"C:\ProgramData\Reseal\log\console.log")!;
        Assert.Contains("Password: <Password>", consoleLog, StringComparison.Ordinal);
        Assert.Contains("# the serial console cannot be written", consoleLog, StringComparison.Ordinal);
        Assert.Contains("never reached the serial console", consoleLog, StringComparison.Ordinal);
    }

    private static string Normalize(string? text) => (text ?? string.Empty).Replace("\r\n", "\n", StringComparison.Ordinal);
}
