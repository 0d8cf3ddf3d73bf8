using Reseal.Agent.Boot.Config;
using Reseal.Agent.Boot.Host;
using Reseal.Agent.Boot.Runner;
using Reseal.Agent.Boot.Tasks;
using Reseal.Agent.Boot.UserData;
using Reseal.Cloud.Metadata;
using Reseal.TestSupport;
using Reseal.Windows.Ports;

namespace Reseal.Agent.Tests.Boot.Tasks;

/// <summary>Each task against the in-memory machine: what it changed, what it ran, and that running it again changes nothing.</summary>
public sealed class TaskTests
{
    private readonly FakeWindows _machine = new();

    private BootTaskContext Context(InstanceMetadata? metadata = null) => new() { Machine = _machine, Metadata = metadata };

    private static InstanceMetadata Metadata(MetadataSource source = MetadataSource.Ec2, string? zone = "eu-west-3b", IReadOnlyList<string>? keys = null, string? host = null) =>
        new(source, "http://test/", "i-0abc", host, keys ?? [], ReadOnlyMemory<byte>.Empty, "t3.micro", zone, "10.0.0.5", null, "IMDSv2");

    private static InputMap Inputs(string yaml)
    {
        var read = AgentConfigReader.Read("version: 1.0\nconfig:\n- stage: preReady\n  tasks:\n  - task: setAdminAccount\n    inputs:\n" + yaml);
        Assert.True(read.IsValid, string.Join('\n', read.Diagnostics));
        return read.Config!.TasksOf(AgentStage.PreReady)[0].Entries[0];
    }

    private sealed class Console : ITaskConsole
    {
        public List<string> Lines { get; } = [];

        public void WriteLine(string text) => Lines.Add(text);

        public void WritePasswordBlock(string userName, string ciphertextBase64) => Lines.Add($"BLOCK {userName} {ciphertextBase64.Length}");
    }

    [Fact]
    public async Task SetAdminAccount_RenamesTheRid500Account_AndPublishesOnlyAfterSetting()
    {
        var key = File.ReadAllText(KeyFiles.SshKeygen("rsa", 2048, "PEM") + ".pub").Trim();
        var console = new Console();

        var result = await AdminAccountTask.RunAsync(Inputs("      name: CloudAdmin\n      password:\n        type: random\n"), Context(Metadata(keys: [key])), console, CancellationToken.None);

        Assert.Equal(ExitAction.Completed, result.Action);
        Assert.Equal("CloudAdmin", _machine.Accounts.ListAccounts().Single(a => a.Rid == 500).Name);
        Assert.NotNull(_machine.Accounts.PasswordOf(500));
        Assert.Equal(["BLOCK CloudAdmin 344"], console.Lines);
    }

    [Fact]
    public async Task SetAdminAccount_SetPasswordFails_NothingIsPrinted()
    {
        var key = File.ReadAllText(KeyFiles.SshKeygen("rsa", 2048, "PEM") + ".pub").Trim();
        _machine.Accounts.BeforeSetPassword = (_, _) => throw new PlatformNotSupportedException("no account database here");
        var console = new Console();

        var result = await AdminAccountTask.RunAsync(InputMap.Empty, Context(Metadata(keys: [key])), console, CancellationToken.None);

        Assert.Equal(ExitAction.Failed, result.Action);
        Assert.Contains("no account database here", result.Message, StringComparison.Ordinal);
        Assert.Empty(console.Lines);
    }

    [Theory]
    [InlineData("short", "complexity")]
    [InlineData("", "needs 'data'")]
    public async Task SetAdminAccount_BadStaticPassword_InvalidPasswordLine_ThenARandomOne(string data, string why)
    {
        var key = File.ReadAllText(KeyFiles.SshKeygen("rsa", 2048, "PEM") + ".pub").Trim();
        var console = new Console();

        var result = await AdminAccountTask.RunAsync(Inputs($"      password:\n        type: static\n        data: '{data}'\n"), Context(Metadata(keys: [key])), console,
            CancellationToken.None);

        Assert.Equal(ExitAction.Completed, result.Action);
        Assert.Contains(why, result.Message, StringComparison.Ordinal);
        Assert.Equal(["Message: Invalid administrator password", "BLOCK Administrator 344"], console.Lines);
        Assert.NotEqual(data, _machine.Accounts.PasswordOf(500));
        Assert.Equal(1, _machine.Accounts.PasswordSets);
    }

    [Fact]
    public async Task SetAdminAccount_NovaAlreadyHoldsAPassword_NothingChanges()
    {
        var key = File.ReadAllText(KeyFiles.SshKeygen("rsa", 2048, "PEM") + ".pub").Trim();
        var nova = new RecordingPostBack { Holds = true };
        var console = new Console();

        var result = await AdminAccountTask.RunAsync(InputMap.Empty, Context(Metadata(MetadataSource.OpenStack, keys: [key])) with { PasswordPostBack = nova },
            console, CancellationToken.None);

        Assert.Equal(ExitAction.Completed, result.Action);
        Assert.Contains("already holds a password", result.Message, StringComparison.Ordinal);
        Assert.Equal(0, _machine.Accounts.PasswordSets);
        Assert.Empty(console.Lines);
        Assert.Empty(nova.Posted);
    }

    [Fact]
    public async Task SetAdminAccount_PostFailsAfterSetting_IsNotAFailureToRetry()
    {
        var key = File.ReadAllText(KeyFiles.SshKeygen("rsa", 2048, "PEM") + ".pub").Trim();
        var nova = new RecordingPostBack { Failure = new Reseal.Cloud.CloudException("POST http://nova/ failed: 500") };
        var console = new Console();

        var result = await AdminAccountTask.RunAsync(InputMap.Empty, Context(Metadata(MetadataSource.OpenStack, keys: [key])) with { PasswordPostBack = nova },
            console, CancellationToken.None);

        Assert.Equal(ExitAction.Completed, result.Action);
        Assert.Contains("posting it to http://nova/ failed", result.Message, StringComparison.Ordinal);
        Assert.Equal(["BLOCK Administrator 344"], console.Lines);
        Assert.Equal(1, _machine.Accounts.PasswordSets);
    }

    private sealed class RecordingPostBack : IPasswordPostBack
    {
        public bool Holds { get; init; }

        public Exception? Failure { get; init; }

        public List<string> Posted { get; } = [];

        public string Endpoint => "http://nova/";

        public Task<bool> HoldsPasswordAsync(CancellationToken cancellationToken) => Task.FromResult(Holds);

        public Task<PasswordPostResult> PostAsync(string encryptedPasswordBase64, CancellationToken cancellationToken)
        {
            Posted.Add(encryptedPasswordBase64);
            return Failure is null ? Task.FromResult(PasswordPostResult.Posted) : Task.FromException<PasswordPostResult>(Failure);
        }
    }

    [Fact]
    public void SetDnsSuffix_EmptyList_KeepsThePrimaryAndAdapterSuffixesFirst()
    {
        _machine.Registry.SetValue(RegistryHive.System, ComputerNames.TcpipKey, "NV Domain", RegistryData.FromString("corp.example"));
        _machine.Registry.SetValue(RegistryHive.System, ComputerNames.TcpipKey + @"\Interfaces\{1}", "DhcpDomain", RegistryData.FromString("eu-west-3.compute.internal"));

        _ = SystemTasks.SetDnsSuffix(["$REGION.ec2-utilities.amazonaws.com"], Context(Metadata()));

        Assert.Equal("corp.example,eu-west-3.compute.internal,eu-west-3.ec2-utilities.amazonaws.com",
            _machine.Registry.Text(RegistryHive.System, ComputerNames.TcpipKey, "SearchList"));
    }

    [Fact]
    public void PowerShellQuote_DoublesEverySingleQuoteKindPowerShellAccepts()
    {
        Assert.Equal("'a''b\u2018\u2018c\u2019\u2019d\u201A\u201Ae\u201B\u201B'", SystemTasks.Quote("a'b\u2018c\u2019d\u201Ae\u201B"));
    }

    [Fact]
    public async Task SetAdminAccount_StaticPassword_SetButNeverPublished()
    {
        var console = new Console();

        var result = await AdminAccountTask.RunAsync(Inputs("      password:\n        type: static\n        data: 'Corr3ct-Horse!Battery'\n"), Context(), console, CancellationToken.None);

        Assert.Equal(ExitAction.Completed, result.Action);
        Assert.Equal("Corr3ct-Horse!Battery", _machine.Accounts.PasswordOf(500));
        Assert.Equal(["Username: Administrator"], console.Lines);
        Assert.DoesNotContain("Corr3ct", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SetAdminAccount_StaticPasswordFromTheConfigFile_RemovedFromItOnceSet()
    {
        using var dir = new TempDirectory();
        var config = Path.Combine(dir.Path, "agent-config.yml");
        const string yaml = "version: 1.0\nconfig:\n- stage: preReady\n  tasks:\n  - task: setAdminAccount\n    inputs:\n      name: Boss\n      password:\n        type: static\n        data: 'Corr3ct-Horse!Battery'\n- stage: postReady\n  tasks:\n  - task: startSsm\n";
        File.WriteAllText(config, yaml);
        var inputs = AgentConfigReader.Read(yaml).Config!.TasksOf(AgentStage.PreReady)[0].Entries[0];

        var result = await AdminAccountTask.RunAsync(inputs, Context() with { ConfigFile = config }, new Console(), CancellationToken.None);

        Assert.Equal(ExitAction.Completed, result.Action);
        Assert.Equal("Corr3ct-Horse!Battery", _machine.Accounts.PasswordOf(500));
        var after = File.ReadAllText(config);
        Assert.DoesNotContain("Corr3ct", after, StringComparison.Ordinal);
        var reread = AgentConfigReader.Read(after).Config!;
        var task = reread.TasksOf(AgentStage.PreReady)[0].Entries[0];
        Assert.Equal("doNothing", task.Map("password")!.Text("type"));
        Assert.Equal("Boss", task.Text("name"));
        Assert.Equal("startSsm", reread.TasksOf(AgentStage.PostReady)[0].Name);
        Assert.Contains("removed from", result.Message, StringComparison.Ordinal);
        Assert.Equal([config], Directory.GetFiles(dir.Path));
    }

    [Fact]
    public async Task SetAdminAccount_StaticPasswordCouldNotBeSet_KeptInTheConfigForTheNextBoot()
    {
        using var dir = new TempDirectory();
        var config = Path.Combine(dir.Path, "agent-config.yml");
        const string yaml = "version: 1.0\nconfig:\n- stage: preReady\n  tasks:\n  - task: setAdminAccount\n    inputs:\n      password:\n        type: static\n        data: 'Corr3ct-Horse!Battery'\n";
        File.WriteAllText(config, yaml);
        _machine.Accounts.BeforeSetPassword = (_, _) => throw new System.ComponentModel.Win32Exception(5, "Access is denied.");
        var inputs = AgentConfigReader.Read(yaml).Config!.TasksOf(AgentStage.PreReady)[0].Entries[0];

        var result = await AdminAccountTask.RunAsync(inputs, Context() with { ConfigFile = config }, new Console(), CancellationToken.None);

        // The task failed and runs again at the next boot: it must still find the password the user gave.
        Assert.Equal(ExitAction.Failed, result.Action);
        Assert.Equal(yaml, File.ReadAllText(config));
    }

    [Fact]
    public async Task SetAdminAccount_StaticPasswordNotFromTheConfigFile_FileUntouched()
    {
        using var dir = new TempDirectory();
        var config = Path.Combine(dir.Path, "agent-config.yml");
        const string yaml = "version: 1.0\nconfig:\n- stage: preReady\n  tasks:\n  - task: setAdminAccount\n    inputs:\n      password:\n        type: random\n";
        File.WriteAllText(config, yaml);

        // A static password from user data: the config file never held it, so it is not rewritten.
        var result = await AdminAccountTask.RunAsync(Inputs("      password:\n        type: static\n        data: 'Corr3ct-Horse!Battery'\n"), Context() with { ConfigFile = config },
            new Console(), CancellationToken.None);

        Assert.Equal(ExitAction.Completed, result.Action);
        Assert.Equal(yaml, File.ReadAllText(config));
    }

    [Fact]
    public async Task SetAdminAccount_InvalidName_SaysSoAndRenamesNothing()
    {
        var console = new Console();
        var result = await AdminAccountTask.RunAsync(Inputs("      name: 'bad/name'\n"), Context(), console, CancellationToken.None);

        Assert.Equal(ExitAction.Failed, result.Action);
        Assert.Equal(["Message: Invalid administrator username: bad/name"], console.Lines);
        Assert.NotNull(_machine.Accounts.FindAccount("Administrator"));
    }

    [Fact]
    public void SetHostName_SetsPendingOnce_RebootsOnlyWhenChanged_AndNotAfterTheReboot()
    {
        var first = SystemTasks.SetHostName("web-01", reboot: true, Context());
        Assert.Equal(ExitAction.RebootThenDone, first.Action);
        Assert.Equal("WEB-01", _machine.System.GetPendingComputerName());
        Assert.Equal("web-01", _machine.Registry.Text(RegistryHive.System, ComputerNames.TcpipKey, "NV Hostname"));

        _machine.System.Reboot();
        var second = SystemTasks.SetHostName("web-01", reboot: true, Context());

        Assert.Equal(ExitAction.Completed, second.Action);
        Assert.Contains("already", second.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("this-is-sixteen1", "16 characters")]
    [InlineData("bad_name", "'_'")]
    [InlineData("12345", "all digits")]
    public void SetHostName_InvalidName_Fails_AndChangesNothing(string name, string why)
    {
        var result = SystemTasks.SetHostName(name, reboot: true, Context());

        Assert.Equal(ExitAction.Failed, result.Action);
        Assert.Contains(why, result.Message, StringComparison.Ordinal);
        Assert.Equal("WIN-FAKE0001", _machine.System.GetPendingComputerName());
    }

    [Fact]
    public void SetHostName_FromMetadata_FirstLabelCutTo15()
    {
        var result = SystemTasks.SetHostName(null, reboot: false, Context(Metadata(host: "ip-172-31-44-120.eu-west-3.compute.internal")));

        Assert.Equal(ExitAction.Completed, result.Action);
        Assert.Equal("IP-172-31-44-12", _machine.System.GetPendingComputerName());
    }

    [Fact]
    public void SetDnsSuffix_AddsResolvedSuffixesOnce_KeepsExisting()
    {
        _machine.Registry.SetValue(RegistryHive.System, ComputerNames.TcpipKey, "SearchList", RegistryData.FromString("corp.example"));

        var first = SystemTasks.SetDnsSuffix(["$REGION.ec2-utilities.amazonaws.com", "$AZ.example"], Context(Metadata()));
        var second = SystemTasks.SetDnsSuffix(["$REGION.ec2-utilities.amazonaws.com", "$AZ.example"], Context(Metadata()));

        Assert.Equal(ExitAction.Completed, first.Action);
        Assert.Equal("corp.example,eu-west-3.ec2-utilities.amazonaws.com,eu-west-3b.example", _machine.Registry.Text(RegistryHive.System, ComputerNames.TcpipKey, "SearchList"));
        Assert.Contains("already", second.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SetDnsSuffix_NoRegion_SkipsWithReason()
    {
        var result = SystemTasks.SetDnsSuffix(["$REGION.ec2-utilities.amazonaws.com"], Context());

        Assert.True(result.NotApplicable);
        Assert.Null(_machine.Registry.GetValue(RegistryHive.System, ComputerNames.TcpipKey, "SearchList"));
    }

    [Fact]
    public async Task Activate_Amazon_TriesBothKmsServers_OnlyOnEc2()
    {
        _machine.System.Activation = new ActivationInfo(false, 1, false);
        _machine.Processes.Handler = r =>
        {
            if (r.Arguments.Contains("/ato"))
            {
                _machine.System.Activation = new ActivationInfo(false, 1, true);
            }

            return FakeProcesses.Exit(r.Arguments.Contains("169.254.169.250:1688") ? 1 : 0);
        };
        var inputs = AmazonActivation();

        var offEc2 = await ActivateWindowsTask.ActivateAsync(inputs, Context(Metadata(MetadataSource.OpenStack)), CancellationToken.None);
        var onEc2 = await ActivateWindowsTask.ActivateAsync(inputs, Context(Metadata()), CancellationToken.None);

        Assert.True(offEc2.NotApplicable);
        Assert.Equal(ExitAction.Completed, onEc2.Action);
        Assert.Contains("169.254.169.251:1688", onEc2.Message, StringComparison.Ordinal);
        Assert.Equal(
            [@"C:\Windows\System32\cscript.exe //B //NoLogo C:\Windows\System32\slmgr.vbs /skms 169.254.169.250:1688",
             @"C:\Windows\System32\cscript.exe //B //NoLogo C:\Windows\System32\slmgr.vbs /skms 169.254.169.251:1688",
             @"C:\Windows\System32\cscript.exe //B //NoLogo C:\Windows\System32\slmgr.vbs /ato"],
            _machine.Processes.CommandLines);
    }

    [Fact]
    public async Task Activate_AtoExitsZeroButNothingLicensed_NextServerThenFailed()
    {
        _machine.System.Activation = new ActivationInfo(false, 1, false);
        _machine.Processes.Handler = _ => FakeProcesses.Exit(0);

        var result = await ActivateWindowsTask.ActivateAsync(AmazonActivation(), Context(Metadata()), CancellationToken.None);

        Assert.Equal(ExitAction.Failed, result.Action);
        Assert.Contains("169.254.169.250:1688: /ato exit 0, but no Windows product is licensed after it", result.Message, StringComparison.Ordinal);
        Assert.Contains("169.254.169.251:1688: /ato exit 0, but no Windows product is licensed after it", result.Message, StringComparison.Ordinal);
        Assert.Equal(4, _machine.Processes.CommandLines.Count);
    }

    [Fact]
    public async Task Activate_LicensingStateUnreadable_DoneAndSaysItIsUnconfirmed()
    {
        _machine.System.Activation = new ActivationInfo(false, null, null);
        _machine.Processes.Handler = _ => FakeProcesses.Exit(0);

        var result = await ActivateWindowsTask.ActivateAsync(AmazonActivation(), Context(Metadata()), CancellationToken.None);

        Assert.Equal(ExitAction.Completed, result.Action);
        Assert.Equal("activated against 169.254.169.250:1688 (slmgr /ato exit 0; the licensing state could not be read to confirm it)", result.Message);
        Assert.Equal(2, _machine.Processes.CommandLines.Count);
    }

    private static InputMap AmazonActivation() =>
        AgentConfigReader.Read("version: 1.0\nconfig:\n- stage: preReady\n  tasks:\n  - task: activateWindows\n    inputs:\n      activation:\n        type: amazon\n").Config!.TasksOf(AgentStage.PreReady)[0].Entries[0];

    [Fact]
    public async Task Script_Batch_WrittenWithCrLf_RunByCmd_DeletedAfter_OutputLogged()
    {
        string? contentAtRun = null;
        _machine.Processes.Handler = r =>
        {
            contentAtRun = _machine.Files.ReadText(r.Arguments[2]);
            return FakeProcesses.Exit(0, "hello from the script");
        };
        var item = new ScriptItem(ScriptLanguage.Batch, "echo one\necho two", RunAs.Admin, TaskFrequency.Once, false, ["arg1"], ExitCodeConvention.Ec2Launch, null, "test");

        var result = await ScriptTasks.RunScriptAsync(item, "unit-1", Context(), CancellationToken.None);

        Assert.Equal(ExitAction.Completed, result.Action);
        Assert.Equal("echo one\r\necho two\r\n", contentAtRun);
        Assert.Equal(@"C:\Windows\System32\cmd.exe /d /c C:\ProgramData\Reseal\scripts\unit-1.cmd arg1", Assert.Single(_machine.Processes.CommandLines));
        Assert.False(_machine.Files.FileExists(@"C:\ProgramData\Reseal\scripts\unit-1.cmd"));
        Assert.Contains("hello from the script", _machine.Files.ReadText(@"C:\ProgramData\Reseal\log\unit-1.log"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Script_PowerShellFromXml_InterpreterArgumentsBeforeFile_Utf8Bom_Detached()
    {
        var item = new ScriptItem(ScriptLanguage.PowerShell, "Write-Host é", RunAs.Admin, TaskFrequency.Once, true, ["-Sta"], ExitCodeConvention.Ec2Launch, null,
            "xml <powershell>", ArgumentsForInterpreter: true);

        var result = await ScriptTasks.RunScriptAsync(item, "unit-2", Context(), CancellationToken.None);

        Assert.Equal(ExitAction.Completed, result.Action);
        var request = Assert.Single(_machine.Processes.Detached);
        Assert.Equal(["-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass", "-Sta", "-EncodedCommand"], request.Arguments.Take(6));
        Assert.Equal(7, request.Arguments.Count);
        Assert.DoesNotContain("-File", request.Arguments);
        Assert.Contains(@"ReadAllText('C:\ProgramData\Reseal\scripts\unit-2.ps1')", Decode(request.Arguments[6]), StringComparison.Ordinal);
        Assert.Equal([0xEF, 0xBB, 0xBF], _machine.Files.ReadAllBytes(@"C:\ProgramData\Reseal\scripts\unit-2.ps1")[..3]);
    }

    private static string Decode(string encodedCommand) => System.Text.Encoding.Unicode.GetString(Convert.FromBase64String(encodedCommand));

    [Fact]
    public void PowerShellCommand_NoFileSwitch_ArgumentsAsLiterals_ExitCodeOfTheScript()
    {
        // A Group Policy AllSigned (MachinePolicy) beats -ExecutionPolicy Bypass and refuses -File; a command is not a
        // script file, so it is not subject to the policy.
        var item = new ScriptItem(ScriptLanguage.PowerShell, "param($a, $b) exit 7", RunAs.Admin, TaskFrequency.Once, false,
            ["it's", "$(Remove-Item C:\\ -Recurse)", "\u2019x"], ExitCodeConvention.Ec2Launch, null, "test");

        var request = ScriptTasks.ScriptRequest(item, @"C:\ProgramData\Reseal\scripts\it's.ps1", Context());
        var command = Decode(request.Arguments[^1]);

        Assert.Equal(@"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe", request.FileName);
        Assert.Equal("-EncodedCommand", request.Arguments[^2]);
        Assert.DoesNotContain("-File", request.Arguments);
        Assert.Equal(
            "$ErrorActionPreference = 'Stop'; $resealScript = [System.Management.Automation.ScriptBlock]::Create([System.IO.File]::ReadAllText('C:\\ProgramData\\Reseal\\scripts\\it''s.ps1')); " +
            "$ErrorActionPreference = 'Continue'; & $resealScript 'it''s' '$(Remove-Item C:\\ -Recurse)' '\u2019\u2019x'; exit 0",
            command);
    }

    [Fact]
    public async Task Script_ArgumentsTooLongForACommandLine_FailsClearlyAndLeavesNoScript()
    {
        var item = new ScriptItem(ScriptLanguage.PowerShell, "exit 0", RunAs.Admin, TaskFrequency.Once, false, [new string('x', 20_000)],
            ExitCodeConvention.Ec2Launch, null, "test");

        var result = await ScriptTasks.RunScriptAsync(item, "unit-9", Context(), CancellationToken.None);

        Assert.Equal(ExitAction.Failed, result.Action);
        Assert.Contains("too long for a command line", result.Message, StringComparison.Ordinal);
        Assert.Empty(_machine.Processes.Requests);
        Assert.False(_machine.Files.FileExists(@"C:\ProgramData\Reseal\scripts\unit-9.ps1"));
    }

    [Theory]
    [InlineData(3010, ExitCodeConvention.Ec2Launch, ExitAction.RebootAndRerun)]
    [InlineData(1003, ExitCodeConvention.CloudbaseInit, ExitAction.RebootAndRerun)]
    [InlineData(1001, ExitCodeConvention.Ec2Launch, ExitAction.Failed)]
    [InlineData(2, ExitCodeConvention.Ec2Launch, ExitAction.Failed)]
    public async Task Script_ExitCodes_FollowTheirFormatsContract(int code, ExitCodeConvention convention, ExitAction expected)
    {
        _machine.Processes.Handler = _ => FakeProcesses.Exit(code);
        var item = new ScriptItem(ScriptLanguage.Batch, "exit /b", RunAs.Admin, TaskFrequency.Once, false, [], convention, null, "test");

        var result = await ScriptTasks.RunScriptAsync(item, "unit-3", Context(), CancellationToken.None);

        Assert.Equal(expected, result.Action);
        Assert.Equal(code, result.ExitCode);
    }

    [Fact]
    public async Task Script_TimedOut_Fails()
    {
        _machine.Processes.Handler = _ => new ProcessOutcome(-1, "", "", true, TimeSpan.FromHours(1));
        var item = new ScriptItem(ScriptLanguage.Batch, "pause", RunAs.Admin, TaskFrequency.Once, false, [], ExitCodeConvention.Ec2Launch, null, "test");

        var result = await ScriptTasks.RunScriptAsync(item, "unit-4", Context(), CancellationToken.None);

        Assert.Equal(ExitAction.Failed, result.Action);
        Assert.Contains("time limit", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WriteFile_AppendAndReplace_UnknownVariableFailsClearly()
    {
        var first = ScriptTasks.WriteFile(new WriteFileItem(@"%ProgramData%\app\settings.ini", "a=1\r\n"u8.ToArray(), false, null, TaskFrequency.Once, "t"), Context());
        var second = ScriptTasks.WriteFile(new WriteFileItem(@"C:\ProgramData\app\settings.ini", "b=2\r\n"u8.ToArray(), true, null, TaskFrequency.Once, "t"), Context());
        var bad = ScriptTasks.WriteFile(new WriteFileItem(@"%NOPE%\x.txt", "x"u8.ToArray(), false, null, TaskFrequency.Once, "t"), Context());

        Assert.Equal(ExitAction.Completed, first.Action);
        Assert.Equal(ExitAction.Completed, second.Action);
        Assert.Equal("a=1\r\nb=2\r\n", _machine.Files.ReadText(@"C:\ProgramData\app\settings.ini"));
        Assert.Equal(ExitAction.Failed, bad.Action);
        Assert.Contains("%NOPE%", bad.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateUser_CreatedWithAPassword_GroupsAndAdminKeys_OnceOnly()
    {
        var user = new UserItem("deploy", ["Administrators"], ["ssh-ed25519 AAAAC3Nza deploy@ci"], "$6$crypt", null, "cloud-config");

        var first = await SystemTasks.CreateUserAsync(user, Context(), CancellationToken.None);
        var second = await SystemTasks.CreateUserAsync(user, Context(), CancellationToken.None);

        Assert.Equal(ExitAction.Completed, first.Action);
        Assert.Contains("crypt hash", first.Message, StringComparison.Ordinal);
        Assert.NotNull(_machine.Accounts.PasswordOf(_machine.Accounts.FindAccount("deploy")!.Rid));
        Assert.Equal(1, _machine.Accounts.PasswordSets);
        Assert.Equal("ssh-ed25519 AAAAC3Nza deploy@ci\n", _machine.Files.ReadText(@"C:\ProgramData\ssh\administrators_authorized_keys"));
        Assert.True(_machine.Accounts.IsInAdministrators(_machine.Accounts.FindAccount("deploy")!.Rid));
        Assert.Contains("0 SSH key(s)", second.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateUser_FrenchWindows_EnglishGroupNamesResolvedBySid()
    {
        // "Administrators" and "Remote Desktop Users" as cloud-config writes them; this Windows calls the first
        // "Administrateurs", so a lookup by name (net localgroup Administrators) fails here.
        var french = new FakeWindows("Administrateur", "Administrateurs");
        var user = new UserItem("deploy", ["Administrators", "Remote Desktop Users", "NoSuchGroup"], ["ssh-ed25519 AAAAC3Nza deploy@ci"], null, null, "cloud-config");

        var result = await SystemTasks.CreateUserAsync(user, new BootTaskContext { Machine = french }, CancellationToken.None);

        var rid = french.Accounts.FindAccount("deploy")!.Rid;
        Assert.Equal(["Administrateurs", "Remote Desktop Users"], french.Accounts.GroupsOf(rid));
        Assert.Contains("not added to NoSuchGroup", result.Message, StringComparison.Ordinal);
        Assert.Contains("2220", result.Message, StringComparison.Ordinal); // NERR_GroupNotFound, with its code
        Assert.True(french.Files.FileExists(@"C:\ProgramData\ssh\administrators_authorized_keys"));
        Assert.Empty(french.Processes.CommandLines);
    }

    [Fact]
    public async Task SetAdminAccount_FrenchOrRenamedAdministrator_FoundByRid()
    {
        var french = new FakeWindows("Administrateur", "Administrateurs");
        var key = File.ReadAllText(KeyFiles.SshKeygen("rsa", 2048, "PEM") + ".pub").Trim();
        var console = new Console();

        var result = await AdminAccountTask.RunAsync(InputMap.Empty, new BootTaskContext { Machine = french, Metadata = Metadata(keys: [key]) }, console,
            CancellationToken.None);

        Assert.Equal(ExitAction.Completed, result.Action);
        Assert.NotNull(french.Accounts.PasswordOf(500));
        Assert.Equal(["BLOCK Administrateur 344"], console.Lines);
    }

    [Fact]
    public async Task SetAdminAccount_StaticPasswordRefusedByPolicy_FallsBackToARandomOne()
    {
        // A Windows whose policy wants 20 characters refuses a 14-character complex password with NERR_PasswordTooShort.
        var key = File.ReadAllText(KeyFiles.SshKeygen("rsa", 2048, "PEM") + ".pub").Trim();
        _machine.Accounts.BeforeSetPassword = (name, password) =>
        {
            if (password.Length < 20)
            {
                throw new NetApiException($"NetUserSetInfo({name}, password)", NetApiException.PasswordTooShort,
                    "The password does not meet the password policy requirements.");
            }
        };
        var console = new Console();

        var result = await AdminAccountTask.RunAsync(Inputs("      password:\n        type: static\n        data: 'Str0ng!Passw0rd'\n"), Context(Metadata(keys: [key])), console,
            CancellationToken.None);

        Assert.Equal(ExitAction.Completed, result.Action);
        Assert.Contains("refused by the password policy", result.Message, StringComparison.Ordinal);
        Assert.Contains("2245", result.Message, StringComparison.Ordinal);
        Assert.Equal(["Message: Invalid administrator password", "BLOCK Administrator 344"], console.Lines);
        Assert.NotEqual("Str0ng!Passw0rd", _machine.Accounts.PasswordOf(500));
        Assert.True(_machine.Accounts.PasswordOf(500)!.Length >= 20);
    }

    [Fact]
    public async Task SetAdminAccount_DomainController_RefusedWithAClearMessage()
    {
        _machine.System.Version = _machine.System.Version with { ProductType = 2 };
        var key = File.ReadAllText(KeyFiles.SshKeygen("rsa", 2048, "PEM") + ".pub").Trim();
        var console = new Console();

        var result = await AdminAccountTask.RunAsync(InputMap.Empty, Context(Metadata(keys: [key])), console, CancellationToken.None);

        Assert.Equal(ExitAction.Failed, result.Action);
        Assert.Contains("domain controller", result.Message, StringComparison.Ordinal);
        Assert.Null(_machine.Accounts.PasswordOf(500));
        Assert.Empty(console.Lines);
    }

    [Fact]
    public async Task StartSsm_NotInstalledIsSkipped_InstalledIsStartedAndMadeAutomatic()
    {
        var missing = await SystemTasks.StartSsmAsync(Context(), CancellationToken.None);
        _machine.Services.Add(new ServiceInfo("AmazonSSMAgent", "Amazon SSM Agent", null, ServiceStartMode.Manual, false, ServiceRunState.Stopped));
        var present = await SystemTasks.StartSsmAsync(Context(), CancellationToken.None);

        Assert.True(missing.NotApplicable);
        Assert.Equal(ExitAction.Completed, present.Action);
        Assert.Equal(ServiceStartMode.Automatic, _machine.Services.Find("AmazonSSMAgent")!.StartMode);
        Assert.Equal(["start AmazonSSMAgent"], _machine.Services.Calls);
    }

    [Fact]
    public void InitializeVolumeScript_QuotesDeviceNamesAsPowerShellLiterals()
    {
        var inputs = AgentConfigReader.Read("version: 1.0\nconfig:\n- stage: postReady\n  tasks:\n  - task: initializeVolume\n    inputs:\n      initialize: devices\n      devices:\n      - device: \"x'; Remove-Item C:\\\\ -Recurse; '\"\n        letter: D\n        name: Data\n").Config!.TasksOf(AgentStage.PostReady)[0].Entries[0];

        var script = SystemTasks.InitializeVolumeScript(inputs);

        Assert.Contains("'x''; Remove-Item C:\\ -Recurse; '''", script, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AgentService_WaitsForSetup_ThenRuns_AndSkipsWhenTheHookRanThisBoot()
    {
        using var temp = new TempDirectory();
        var paths = new AgentPaths(temp.File("agent-config.yml"), temp.File("state"), temp.File("log"));
        _machine.System.SetImageState("IMAGE_STATE_UNDEPLOYABLE");
        _ = Task.Run(async () =>
        {
            await Task.Delay(200);
            _machine.System.SetImageState("IMAGE_STATE_COMPLETE");
        }, TestContext.Current.CancellationToken);
        var options = new AgentRunOptions { Providers = [], AllowReboot = false, MetadataWait = TimeSpan.Zero, SetupPollInterval = TimeSpan.FromMilliseconds(20) };

        var first = await AgentService.RunAsync(_machine, paths, TimeProvider.System, TimeSpan.FromMinutes(1), options, TestContext.Current.CancellationToken);
        var linesAfterFirst = _machine.SerialConsole.Lines.Count;
        var second = await AgentService.RunAsync(_machine, paths, TimeProvider.System, TimeSpan.FromMinutes(1), options, TestContext.Current.CancellationToken);

        Assert.Equal(0, first);
        Assert.Equal(0, second);
        Assert.Matches("Windows is being configured. SysprepState=IMAGE_STATE_UNDEPLOYABLE$", _machine.SerialConsole.Lines.First());
        Assert.Contains(_machine.SerialConsole.Lines, l => l.EndsWith("Message: Windows is Ready to use", StringComparison.Ordinal));
        Assert.Equal(linesAfterFirst, _machine.SerialConsole.Lines.Count);
        Assert.True(AgentService.RanSince(paths, TimeProvider.System.GetUtcNow().AddMinutes(-1)));
    }
}
