using System.Collections.Immutable;
using System.Text;
using Reseal.Sysprep.Migration;
using Reseal.Sysprep.Seal;
using Reseal.Sysprep.Tests.Seal;
using Reseal.TestSupport;
using Reseal.Windows.Offline;
using Reseal.Windows.Ports;
using Reseal.Windows.Service;

namespace Reseal.Sysprep.Tests.Migration;

/// <summary><c>agent migrate --apply</c> and <c>--rollback</c> on the in-memory machine.</summary>
public sealed class MigrationApplierTests
{
    private const string ConfigPath = @"C:\ProgramData\Reseal\config\agent-config.yml";
    private const string JournalPath = @"C:\ProgramData\Reseal\config\migrate-journal.json";
    private const string SetupComplete = @"C:\Windows\Setup\Scripts\SetupComplete.cmd";
    private static readonly ImmutableArray<byte> Config = [.. Encoding.UTF8.GetBytes("version: 1.0\nconfig: []\n")];
    private static readonly ServiceInstallSpec Reseal = ServiceInstallSpec.ForReseal(@"C:\Program Files\Reseal\reseal.exe");

    // The Cloudbase-Init installer's lines (SealAgents.HookLines) between two lines of the user's own, CRLF as cmd files are.
    private static readonly byte[] SetupCompleteBefore = Encoding.ASCII.GetBytes("@echo off\r\nsc.exe config cloudbase-init start= auto\r\nsc.exe start cloudbase-init\r\necho mine\r\n");

    private static (FakeWindows Machine, FakeServiceInstaller Installer) CloudbaseInitMachine()
    {
        var machine = new FakeWindows();
        machine.Services.Add(new ServiceInfo("cloudbase-init", "Cloudbase-Init", "cloudbase-init.exe", ServiceStartMode.Automatic, false, ServiceRunState.Running));
        machine.Services.Add(new ServiceInfo("AmazonSSMAgent", "Amazon SSM Agent", "amazon-ssm-agent.exe", ServiceStartMode.Automatic, false, ServiceRunState.Running));
        machine.Files.WriteAllBytes(SetupComplete, SetupCompleteBefore);
        return (machine, new FakeServiceInstaller(machine.Services));
    }

    [Fact]
    public async Task ApplyThenRollback_CloudbaseInit_SwitchesAgentsAndRestoresEverythingExactly()
    {
        var (machine, installer) = CloudbaseInitMachine();
        var ct = TestContext.Current.CancellationToken;

        var applied = await MigrationApplier.ApplyAsync(machine, new(SealAgent.CloudbaseInit, Config, false, Reseal, installer), cancellationToken: ct);

        Assert.Equal(SealChangeStatus.Done, applied.Status);
        Assert.Equal(Config.AsSpan().ToArray(), machine.Files.ReadAllBytes(ConfigPath));
        var old = machine.Services.Find("cloudbase-init")!;
        Assert.Equal((ServiceStartMode.Disabled, ServiceRunState.Stopped), (old.StartMode!.Value, old.State));
        Assert.Equal("@echo off\r\necho mine\r\n", Encoding.ASCII.GetString(machine.Files.ReadAllBytes(SetupComplete)));
        Assert.Equal(ServiceStartMode.Automatic, machine.Services.Find("Reseal")!.StartMode);
        Assert.Equal(ServiceRunState.Running, machine.Services.Find("AmazonSSMAgent")!.State);
        Assert.DoesNotContain(machine.Services.Calls, c => c.Contains("AmazonSSMAgent", StringComparison.Ordinal));
        Assert.Contains(applied.Changes, c => c.Contains("AmazonSSMAgent", StringComparison.Ordinal) && c.StartsWith("kept", StringComparison.Ordinal));
        Assert.True(machine.Files.FileExists(JournalPath));

        var undone = await MigrationApplier.RollbackAsync(machine, installer, cancellationToken: ct);

        Assert.True(undone.Status == SealChangeStatus.Done, undone.Message);
        Assert.False(machine.Files.FileExists(ConfigPath));
        Assert.False(machine.Files.FileExists(JournalPath));
        Assert.False(machine.Files.DirectoryExists(@"C:\ProgramData\Reseal"));
        old = machine.Services.Find("cloudbase-init")!;
        Assert.Equal((ServiceStartMode.Automatic, ServiceRunState.Running), (old.StartMode!.Value, old.State));
        Assert.Equal(SetupCompleteBefore, machine.Files.ReadAllBytes(SetupComplete));
        Assert.Null(machine.Services.Find("Reseal"));
        Assert.Equal(["install Reseal", "uninstall Reseal"], installer.Calls);
    }

    [Fact]
    public async Task Apply_FailureWhileInstallingTheService_UndoesEveryEarlierStep()
    {
        var machine = new FakeWindows();
        machine.Services.Add(new ServiceInfo("Ec2Config", "Ec2Config", "Ec2Config.exe", ServiceStartMode.Automatic, false, ServiceRunState.Running));
        var before = Encoding.ASCII.GetBytes("call \"%ProgramFiles%\\Amazon\\Ec2ConfigService\\Scripts\\PostSysprep.cmd\"\r\n");
        machine.Files.WriteAllBytes(SetupComplete, before);
        var installer = new FakeServiceInstaller(machine.Services) { FailInstall = new InvalidOperationException("the SCM refused: access denied") };

        var result = await MigrationApplier.ApplyAsync(machine, new(SealAgent.Ec2Config, Config, false, Reseal, installer), cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(result.Status == SealChangeStatus.FailedAndUndone, result.Message);
        Assert.Contains("install-reseal-service", result.Message, StringComparison.Ordinal);
        Assert.Contains("access denied", result.Message, StringComparison.Ordinal);
        Assert.False(machine.Files.FileExists(ConfigPath));
        Assert.False(machine.Files.FileExists(JournalPath));
        Assert.Equal(before, machine.Files.ReadAllBytes(SetupComplete));
        var old = machine.Services.Find("Ec2Config")!;
        Assert.Equal((ServiceStartMode.Automatic, ServiceRunState.Running), (old.StartMode!.Value, old.State));
        Assert.Equal(["stop Ec2Config", "start Ec2Config"], machine.Services.Calls);
    }

    [Fact]
    public async Task ApplyThenRollback_Ec2Launch_DisablesAndEnablesTheScheduledTaskThroughSchtasks()
    {
        var machine = new FakeWindows();
        machine.Services.Add(new ServiceInfo("Reseal", "Reseal agent", "reseal.exe", ServiceStartMode.Manual, false, ServiceRunState.Stopped));
        var enabled = true;
        machine.Processes.Handler = request =>
        {
            Assert.Equal(@"C:\Windows\System32\schtasks.exe", request.FileName);
            Assert.Equal(@"\Amazon Ec2 Launch - Instance Initialization", request.Arguments[2]);
            switch (request.Arguments[0], request.Arguments[^1])
            {
                case ("/Query", "/XML"):
                    // The shape of a task definition schtasks /Query /XML prints (Task Scheduler schema: Settings/Enabled).
                    return new ProcessOutcome(0, $"<?xml version=\"1.0\" encoding=\"UTF-16\"?>\n<Task version=\"1.2\" xmlns=\"http://schemas.microsoft.com/windows/2004/02/mit/task\"><Settings><Enabled>{(enabled ? "true" : "false")}</Enabled></Settings></Task>", "", false, TimeSpan.Zero);
                case ("/Change", "/DISABLE"):
                    enabled = false;
                    return new ProcessOutcome(0, "SUCCESS: The parameters of scheduled task were changed.", "", false, TimeSpan.Zero);
                case ("/Change", "/ENABLE"):
                    enabled = true;
                    return new ProcessOutcome(0, "SUCCESS", "", false, TimeSpan.Zero);
                default:
                    return new ProcessOutcome(1, "", "ERROR: Invalid syntax.", false, TimeSpan.Zero);
            }
        };
        var ct = TestContext.Current.CancellationToken;

        var applied = await MigrationApplier.ApplyAsync(machine, new(SealAgent.Ec2Launch, Config, false, Reseal, null), cancellationToken: ct);

        Assert.Equal(SealChangeStatus.Done, applied.Status);
        Assert.False(enabled);
        Assert.Equal(ServiceStartMode.Automatic, machine.Services.Find("Reseal")!.StartMode); // was Manual: set to start at boot

        var undone = await MigrationApplier.RollbackAsync(machine, null, cancellationToken: ct);

        Assert.True(undone.Status == SealChangeStatus.Done, undone.Message);
        Assert.True(enabled);
        Assert.Equal(ServiceStartMode.Manual, machine.Services.Find("Reseal")!.StartMode);
        Assert.False(machine.Files.FileExists(ConfigPath));
    }

    [Fact]
    public async Task Apply_SchtasksFails_IsUndoneAndNamesTheCommand()
    {
        var machine = new FakeWindows();
        machine.Services.Add(new ServiceInfo("Reseal", "Reseal agent", "reseal.exe", ServiceStartMode.Automatic, false, ServiceRunState.Stopped));
        machine.Processes.Handler = request => request.Arguments[0] == "/Query"
            ? new ProcessOutcome(0, "<Task xmlns=\"http://schemas.microsoft.com/windows/2004/02/mit/task\"><Settings/></Task>", "", false, TimeSpan.Zero)
            : new ProcessOutcome(1, "", "ERROR: Access is denied.", false, TimeSpan.Zero);

        var result = await MigrationApplier.ApplyAsync(machine, new(SealAgent.Ec2Launch, Config, false, Reseal, null), cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(result.Status == SealChangeStatus.FailedAndUndone, result.Message);
        Assert.Contains("/DISABLE", result.Message, StringComparison.Ordinal);
        Assert.Contains("Access is denied", result.Message, StringComparison.Ordinal);
        Assert.False(machine.Files.FileExists(ConfigPath));
        // The task was never disabled (the undo's query says it is still enabled), so nothing tries to enable it again.
        Assert.Equal(["/Query", "/Change", "/Query"], machine.Processes.Requests.Select(r => r.Arguments[0]));
    }

    [Fact]
    public async Task Apply_ExistingConfigWithForce_RollbackRestoresItAndWithoutForceRefuses()
    {
        var (machine, installer) = CloudbaseInitMachine();
        machine.Files.WriteText(ConfigPath, "version: 1.0\nconfig: [] # mine\n");
        var ct = TestContext.Current.CancellationToken;

        var refused = await MigrationApplier.ApplyAsync(machine, new(SealAgent.CloudbaseInit, Config, false, Reseal, installer), cancellationToken: ct);
        Assert.Equal(SealChangeStatus.Refused, refused.Status);
        Assert.Contains("--force", refused.Message, StringComparison.Ordinal);
        Assert.Equal(ServiceRunState.Running, machine.Services.Find("cloudbase-init")!.State);

        Assert.Equal(SealChangeStatus.Done, (await MigrationApplier.ApplyAsync(machine, new(SealAgent.CloudbaseInit, Config, true, Reseal, installer, Force: true), cancellationToken: ct)).Status);
        Assert.True(machine.Files.IsProtectedFile(ConfigPath, null));
        Assert.Equal(SealChangeStatus.Done, (await MigrationApplier.RollbackAsync(machine, installer, cancellationToken: ct)).Status);
        Assert.Equal("version: 1.0\nconfig: [] # mine\n", machine.Files.ReadText(ConfigPath));
    }

    [Fact]
    public async Task Apply_SecondTimeWithoutRollback_IsRefused()
    {
        var (machine, installer) = CloudbaseInitMachine();
        var ct = TestContext.Current.CancellationToken;
        await MigrationApplier.ApplyAsync(machine, new(SealAgent.CloudbaseInit, Config, false, Reseal, installer), cancellationToken: ct);

        var again = await MigrationApplier.ApplyAsync(machine, new(SealAgent.CloudbaseInit, Config, false, Reseal, installer, Force: true), cancellationToken: ct);

        Assert.Equal(SealChangeStatus.Refused, again.Status);
        Assert.Contains("--rollback", again.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Apply_NoServiceAndNoInstaller_IsRefusedBeforeAnyChange()
    {
        var (machine, _) = CloudbaseInitMachine();

        var result = await MigrationApplier.ApplyAsync(machine, new(SealAgent.CloudbaseInit, Config, false, Reseal, null), cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(SealChangeStatus.Refused, result.Status);
        Assert.False(machine.Files.FileExists(ConfigPath));
        Assert.Empty(machine.Services.Calls);
    }

    [Fact]
    public async Task Rollback_JournalNamingAnotherFile_IsRefused()
    {
        var (machine, installer) = CloudbaseInitMachine();
        machine.Files.WriteText(JournalPath,
            """{"format":1,"appliedAt":"2026-12-07T00:00:00.000Z","createdDirectories":[],"changes":[{"step":"write-config","kind":"file","path":"C:\\Windows\\System32\\drivers\\etc\\hosts","before":null}]}""");
        machine.Files.WriteText(@"C:\Windows\System32\drivers\etc\hosts", "127.0.0.1 localhost\n");

        var result = await MigrationApplier.RollbackAsync(machine, installer, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(SealChangeStatus.Refused, result.Status);
        Assert.Contains("not a change a migration makes", result.Message, StringComparison.Ordinal);
        Assert.True(machine.Files.FileExists(@"C:\Windows\System32\drivers\etc\hosts"));
    }

    [Fact]
    public async Task Rollback_ConfigEditedAfterApply_RefusedUnlessForced()
    {
        var (machine, installer) = CloudbaseInitMachine();
        var ct = TestContext.Current.CancellationToken;
        await MigrationApplier.ApplyAsync(machine, new(SealAgent.CloudbaseInit, Config, false, Reseal, installer), cancellationToken: ct);
        machine.Files.WriteText(ConfigPath, "version: 1.0\nconfig: [] # edited\n");

        var refused = await MigrationApplier.RollbackAsync(machine, installer, cancellationToken: ct);
        Assert.Equal(SealChangeStatus.Refused, refused.Status);
        Assert.Contains(ConfigPath, refused.Message, StringComparison.Ordinal);

        Assert.Equal(SealChangeStatus.Done, (await MigrationApplier.RollbackAsync(machine, installer, force: true, cancellationToken: ct)).Status);
        Assert.False(machine.Files.FileExists(ConfigPath));
    }

    [Fact]
    public async Task ApplyThenRollback_OfflineTree_EditsTheRealSystemHiveAndRestoresItExactly()
    {
        using var temp = new TempDirectory();
        var root = SealTestTree.Ready(temp);
        var tree = OfflineWindows.Open(root);
        tree.Registry.SetValue(RegistryHive.System, @"CurrentControlSet\Services\cloudbase-init", "Start", RegistryData.FromDWord(2));
        tree.Registry.SetValue(RegistryHive.System, @"CurrentControlSet\Services\Reseal", "Start", RegistryData.FromDWord(2));
        tree.Files.WriteAllBytes(SetupComplete, SetupCompleteBefore);
        var filesBefore = SealTestTree.Files(root);
        var systemBefore = SealTestTree.Export(root, "SYSTEM");
        var ct = TestContext.Current.CancellationToken;

        var applied = await MigrationApplier.ApplyAsync(OfflineWindows.Open(root), new(SealAgent.CloudbaseInit, Config, false, Reseal, null), cancellationToken: ct);

        Assert.True(applied.Status == SealChangeStatus.Done, applied.Message);
        var after = OfflineWindows.Open(root);
        Assert.Equal(ServiceStartMode.Disabled, after.Services.Find("cloudbase-init")!.StartMode); // read back from the hive file
        Assert.Equal("@echo off\r\necho mine\r\n", Encoding.ASCII.GetString(after.Files.ReadAllBytes(SetupComplete)));
        Assert.True(after.Files.FileExists(ConfigPath));
        Assert.DoesNotContain(applied.Changes, c => c.StartsWith("stop-old-service", StringComparison.Ordinal)); // nothing runs offline

        var undone = await MigrationApplier.RollbackAsync(OfflineWindows.Open(root), null, cancellationToken: ct);

        Assert.True(undone.Status == SealChangeStatus.Done, undone.Message);
        Assert.Equal(filesBefore, SealTestTree.Files(root));
        Assert.Equal(systemBefore, SealTestTree.Export(root, "SYSTEM"));
    }

    [Fact]
    public async Task Apply_OfflineEc2Launch_RefusedBecauseOnlyTheRunningTaskSchedulerCanDisableTheTask()
    {
        using var temp = new TempDirectory();
        var root = SealTestTree.Ready(temp);

        var result = await MigrationApplier.ApplyAsync(OfflineWindows.Open(root), new(SealAgent.Ec2Launch, Config, false, Reseal, null), cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(SealChangeStatus.Refused, result.Status);
        Assert.Contains("scheduled task", result.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(root, "ProgramData", "Reseal", "config", "agent-config.yml")));
    }

    [Fact]
    public void WithoutLines_Utf16File_KeepsEncodingAndOtherBytes()
    {
        var text = "@echo off\r\nsc.exe start cloudbase-init\r\necho mine";
        var bytes = (byte[])[.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes(text)];

        var after = SetupCompleteScript.WithoutLines(bytes, ["sc.exe start cloudbase-init"]);

        Assert.Equal((byte[])[.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes("@echo off\r\necho mine")], after!.Value.ToArray());
        Assert.Null(SetupCompleteScript.WithoutLines(bytes, ["not there"]));
    }
}
