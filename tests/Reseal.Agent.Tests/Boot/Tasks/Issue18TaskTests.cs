using System.Text;
using Reseal.Agent.Boot.Config;
using Reseal.Agent.Boot.Runner;
using Reseal.Agent.Boot.Tasks;
using Reseal.Cloud.Metadata;
using Reseal.TestSupport;
using Reseal.Windows.Ports;

namespace Reseal.Agent.Tests.Boot.Tasks;

/// <summary>
/// The behaviours issue 18 adds (ENA, jumbo frames, drive letters by label, monitor always on): each validated from
/// YAML, planned, and run on the in-memory machine — what it read, what it ran, what the console said, and its failures.
/// </summary>
public sealed class Issue18TaskTests
{
    private const string NetClass = EnaAdapters.NetClassKey;
    private const string EnaGuid = "{11111111-2222-3333-4444-555555555555}";
    private readonly FakeWindows _machine = new();
    private readonly List<string> _scripts = [];

    public Issue18TaskTests() =>
        // Each PowerShell run: keep the script the agent wrote (it deletes it after the run), answer exit 0.
        _machine.Processes.Handler = request =>
        {
            foreach (var path in _machine.Files.Written.Where(p => p.EndsWith(".ps1", StringComparison.OrdinalIgnoreCase) && _machine.Files.FileExists(p)))
            {
                var text = Encoding.UTF8.GetString(_machine.Files.ReadAllBytes(path)).TrimStart('\uFEFF');
                if (!_scripts.Contains(text))
                {
                    _scripts.Add(text);
                }
            }

            return FakeProcesses.Exit(0);
        };

    private sealed class Console : ITaskConsole
    {
        public List<string> Lines { get; } = [];

        public void WriteLine(string text) => Lines.Add(text);

        public void WritePasswordBlock(string userName, string ciphertextBase64) => throw new InvalidOperationException("no password here");
    }

    private static InstanceMetadata Metadata(MetadataSource source) =>
        new(source, "http://test/", "i-0abc", "ip-10-0-0-5", [], ReadOnlyMemory<byte>.Empty, "c5.9xlarge", "eu-west-3b", "10.0.0.5", null, "IMDSv2");

    private static (BootTask Task, BootWorkUnit Unit) Planned(string stage, string taskYaml)
    {
        var read = AgentConfigReader.Read($"version: 1.0\nconfig:\n- stage: {stage}\n  tasks:\n  - task: {taskYaml}");
        Assert.True(read.IsValid, string.Join('\n', read.Diagnostics));
        var unit = BootPlan.Create(read.Config!).Units.Single();
        return (read.Config!.TasksOf(unit.Stage)[0].Definition, unit);
    }

    private async Task<(TaskExecutionResult Result, Console Console)> Run(string stage, string taskYaml, InstanceMetadata? metadata)
    {
        var (task, unit) = Planned(stage, taskYaml);
        var console = new Console();
        var run = new BootTaskRun(unit, unit.Inputs ?? InputMap.Empty, new BootTaskContext { Machine = _machine, Metadata = metadata }, console);
        return (await task.RunAsync(run, TestContext.Current.CancellationToken), console);
    }

    private void AddAdapter(string sub, string deviceId, string guid, string? jumbo = null)
    {
        var key = NetClass + "\\" + sub;
        _machine.Registry.SetValue(RegistryHive.System, key, "MatchingDeviceId", RegistryData.FromString(deviceId));
        _machine.Registry.SetValue(RegistryHive.System, key, "NetCfgInstanceId", RegistryData.FromString(guid));
        _machine.Registry.SetValue(RegistryHive.System, key, "DriverDesc", RegistryData.FromString(deviceId.Contains("1d0f", StringComparison.OrdinalIgnoreCase) ? "Amazon Elastic Network Adapter" : "Intel(R) 82599 Virtual Function"));
        if (jumbo is not null)
        {
            _machine.Registry.SetValue(RegistryHive.System, key, "*JumboPacket", RegistryData.FromString(jumbo));
        }
    }

    [Fact]
    public void EnaAdapters_Find_OnlyAmazonEnaDeviceIds_WithTheirGuidAndJumboValue()
    {
        AddAdapter("0000", @"pci\ven_8086&dev_10ed", "{99999999-0000-0000-0000-000000000000}");
        AddAdapter("0001", @"PCI\VEN_1D0F&DEV_EC20&SUBSYS_00000000", EnaGuid, "1514");
        _machine.Registry.SetValue(RegistryHive.System, NetClass + @"\Properties", "Security", RegistryData.FromString("x"));

        var adapters = EnaAdapters.Find(_machine.Registry);

        var ena = Assert.Single(adapters);
        Assert.Equal(EnaGuid, ena.InterfaceGuid);
        Assert.Equal("1514", ena.JumboPacket);
        Assert.Equal("Amazon Elastic Network Adapter", ena.Description);
    }

    [Fact]
    public async Task EnableJumboFrames_EnaAt1514_SetsJumboPacket9015ThroughTheCmdlet_ForThatAdapterOnly()
    {
        AddAdapter("0000", @"pci\ven_8086&dev_10ed", "{99999999-0000-0000-0000-000000000000}");
        AddAdapter("0001", @"pci\ven_1d0f&dev_ec20", EnaGuid, "1514");

        var (result, console) = await Run("postReady", "enableJumboFrames", Metadata(MetadataSource.Ec2));

        Assert.Equal(ExitAction.Completed, result.Action);
        Assert.False(result.NotApplicable);
        var script = Assert.Single(_scripts);
        Assert.Contains($"$_.InterfaceGuid -eq '{EnaGuid}'", script, StringComparison.Ordinal);
        Assert.Contains("Set-NetAdapterAdvancedProperty -Name $a.Name -RegistryKeyword '*JumboPacket' -RegistryValue 9015", script, StringComparison.Ordinal);
        Assert.DoesNotContain("99999999", script, StringComparison.Ordinal);
        Assert.Equal(["Message: Jumbo frames enabled on 1 ENA adapter(s)"], console.Lines);
        Assert.Contains("powershell", Assert.Single(_machine.Processes.CommandLines), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task EnableJumboFrames_AlreadyAt9015_RunsNothing_AndSaysSo()
    {
        AddAdapter("0001", @"pci\ven_1d0f&dev_ec20", EnaGuid, "9015");

        var (result, console) = await Run("postReady", "enableJumboFrames", Metadata(MetadataSource.Ec2));

        Assert.Equal(ExitAction.Completed, result.Action);
        Assert.Contains("already on", result.Message, StringComparison.Ordinal);
        Assert.Empty(_machine.Processes.Requests);
        Assert.Empty(console.Lines);
    }

    [Theory]
    [InlineData(MetadataSource.OpenStack, true, "not on EC2")]
    [InlineData(MetadataSource.Ec2, false, "no Amazon ENA adapter")]
    public async Task EnaTasks_NotOnEc2OrNoEnaAdapter_SkippedWithTheReason(MetadataSource source, bool withAdapter, string why)
    {
        if (withAdapter)
        {
            AddAdapter("0001", @"pci\ven_1d0f&dev_ec20", EnaGuid, "1514");
        }

        foreach (var task in new[] { "enableJumboFrames", "optimizeEna" })
        {
            var (result, console) = await Run("postReady", task, Metadata(source));

            Assert.True(result.NotApplicable, task);
            Assert.Contains(why, result.Message, StringComparison.Ordinal);
            Assert.Empty(console.Lines);
        }

        Assert.Empty(_machine.Processes.Requests);
    }

    [Fact]
    public async Task EnableJumboFrames_CmdletFails_FailsNamingTheAdapter()
    {
        AddAdapter("0001", @"pci\ven_1d0f&dev_ec20", EnaGuid);
        _machine.Processes.Handler = _ => FakeProcesses.Exit(1, stderr: "No matching keyword value found");

        var (result, console) = await Run("postReady", "enableJumboFrames", Metadata(MetadataSource.Ec2));

        Assert.Equal(ExitAction.Failed, result.Action);
        Assert.Contains(EnaGuid, result.Message, StringComparison.Ordinal);
        Assert.Empty(console.Lines);
    }

    [Fact]
    public async Task OptimizeEna_EnaOnEc2_ReceiveBuffersAndRssOffTheBootProcessor_NoReboot()
    {
        AddAdapter("0001", @"pci\ven_1d0f&dev_ec21", EnaGuid);

        var (result, console) = await Run("postReady", "optimizeEna", Metadata(MetadataSource.Ec2));

        Assert.Equal(ExitAction.Completed, result.Action);
        var script = Assert.Single(_scripts);
        Assert.Contains("-RegistryValue 8192", script, StringComparison.Ordinal);
        Assert.Contains("if ($logical -gt 16)", script, StringComparison.Ordinal);
        Assert.Contains("Set-NetAdapterRss -Name $a.Name -BaseProcessorGroup 0 -BaseProcessorNumber $base", script, StringComparison.Ordinal);
        Assert.DoesNotContain("\n", script.Replace("\r\n", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Equal(["Message: ENA settings applied to 1 adapter(s)"], console.Lines);
    }

    [Fact]
    public void EnaTasks_WouldSkip_OnlyWhenTheMetadataNamesAnotherCloud()
    {
        var task = TaskRegistry.BuiltIn.Find("optimizeEna")!;

        Assert.Null(task.WouldSkip(PlanFacts.Unknown));
        Assert.Null(task.WouldSkip(new PlanFacts(Metadata(MetadataSource.Ec2), null)));
        Assert.Contains("not on EC2", task.WouldSkip(new PlanFacts(Metadata(MetadataSource.Gce), null)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SetMonitorAlwaysOn_RunsPowercfgForAcAndDc_ThenSaysSo()
    {
        _machine.Files.WriteText(SetMonitorAlwaysOnTask.PowerCfg, "MZ");

        var (result, console) = await Run("preReady", "setMonitorAlwaysOn", null);

        Assert.Equal(ExitAction.Completed, result.Action);
        Assert.Equal([@"C:\Windows\System32\powercfg.exe /change monitor-timeout-ac 0", @"C:\Windows\System32\powercfg.exe /change monitor-timeout-dc 0"],
            _machine.Processes.CommandLines);
        Assert.Equal([SetMonitorAlwaysOnTask.ConsoleLine], console.Lines);
    }

    [Fact]
    public async Task SetMonitorAlwaysOn_PowercfgFails_FailsWithItsOutput_NoConsoleLine()
    {
        _machine.Files.WriteText(SetMonitorAlwaysOnTask.PowerCfg, "MZ");
        _machine.Processes.Handler = _ => FakeProcesses.Exit(1, "Invalid Parameters -- try \"/?\" for help\r\n");

        var (result, console) = await Run("preReady", "setMonitorAlwaysOn", null);

        Assert.Equal(ExitAction.Failed, result.Action);
        Assert.Contains("monitor-timeout-ac 0 exited 1: Invalid Parameters", result.Message, StringComparison.Ordinal);
        Assert.Single(_machine.Processes.Requests);
        Assert.Empty(console.Lines);
    }

    [Fact]
    public async Task SetMonitorAlwaysOn_NoPowercfg_SkippedWithTheReason()
    {
        var (result, _) = await Run("preReady", "setMonitorAlwaysOn", null);

        Assert.True(result.NotApplicable);
        Assert.Contains("powercfg.exe is not there", result.Message, StringComparison.Ordinal);
        Assert.Empty(_machine.Processes.Requests);
    }

    private const string Mappings = "setDriveLetters\n    inputs:\n      mappings:\n      - volumeName: Data\n        driveLetter: 'D:'\n      - volumeName: Logs\n        driveLetter: l\n";

    [Fact]
    public async Task SetDriveLetters_MovesEachLabelledVolume_ToItsLetter_AndAgainChangesNothing()
    {
        _machine.Volumes.Items.Add(new VolumeInfo(@"E:\", "Data", "NTFS", 1L << 30, 1L << 29));
        _machine.Volumes.Items.Add(new VolumeInfo(@"F:\", "logs", "NTFS", 1L << 30, 1L << 29));

        var (first, console) = await Run("preReady", Mappings, null);
        var (second, secondConsole) = await Run("preReady", Mappings, null);

        Assert.Equal(ExitAction.Completed, first.Action);
        Assert.Equal([@"E:\ -> D:", @"F:\ -> L:"], _machine.Volumes.Changes);
        Assert.Equal(["Message: Drive letter of 'Data' changed from E: to D:", "Message: Drive letter of 'Logs' changed from F: to L:"], console.Lines);
        Assert.Equal(ExitAction.Completed, second.Action);
        Assert.Contains("already has its letter", second.Message, StringComparison.Ordinal);
        Assert.Equal(2, _machine.Volumes.Changes.Count);
        Assert.Empty(secondConsole.Lines);
    }

    [Fact]
    public async Task SetDriveLetters_LabelMissing_FailsClearly_AndMovesNothing()
    {
        _machine.Volumes.Items.Add(new VolumeInfo(@"E:\", "Data", "NTFS", 1L << 30, 1L << 29));

        var (result, console) = await Run("preReady", Mappings, null);

        Assert.Equal(ExitAction.Failed, result.Action);
        Assert.Equal("nothing changed: no volume is labelled 'Logs'", result.Message);
        Assert.Empty(_machine.Volumes.Changes);
        Assert.Empty(console.Lines);
    }

    [Fact]
    public async Task SetDriveLetters_LetterTaken_FailsClearly_AndMovesNothing()
    {
        _machine.Volumes.Items.Add(new VolumeInfo(@"E:\", "Data", "NTFS", 1L << 30, 1L << 29));
        _machine.Volumes.Items.Add(new VolumeInfo(@"F:\", "Logs", "NTFS", 1L << 30, 1L << 29));
        _machine.Volumes.Items.Add(new VolumeInfo(@"L:\", "Other", "NTFS", 1L << 30, 1L << 29));

        var (result, console) = await Run("preReady", Mappings, null);

        Assert.Equal(ExitAction.Failed, result.Action);
        Assert.Equal("nothing changed: drive letter L: is taken by 'Other'; 'Logs' stays at F:", result.Message);
        Assert.Empty(_machine.Volumes.Changes);
        Assert.Empty(console.Lines);
    }

    [Fact]
    public async Task SetDriveLetters_TheWindowsVolume_IsNeverMoved()
    {
        var (result, _) = await Run("preReady", "setDriveLetters\n    inputs:\n      mappings:\n      - volumeName: Windows\n        driveLetter: W\n", null);

        Assert.Equal(ExitAction.Failed, result.Action);
        Assert.Equal("nothing changed: 'Windows' is the Windows volume (C:); its letter is never changed", result.Message);
        Assert.Empty(_machine.Volumes.Changes);
    }

    [Fact]
    public async Task SetDriveLetters_WindowsRefusesTheSecondMove_TheFirstIsPutBack()
    {
        _machine.Volumes.Items.Add(new VolumeInfo(@"E:\", "Data", "NTFS", 1L << 30, 1L << 29));
        _machine.Volumes.Items.Add(new VolumeInfo(@"F:\", "Logs", "NTFS", 1L << 30, 1L << 29));
        _machine.Volumes.Unavailable.Add('L');

        var (result, console) = await Run("preReady", Mappings, null);

        Assert.Equal(ExitAction.Failed, result.Action);
        Assert.Contains("could not move 'Logs' from F: to L:", result.Message, StringComparison.Ordinal);
        Assert.Contains("the earlier moves were put back", result.Message, StringComparison.Ordinal);
        Assert.Equal([@"E:\ -> D:", @"D:\ -> E:"], _machine.Volumes.Changes);
        Assert.Contains(_machine.Volumes.Items, v => v is { Label: "Data", RootPath: @"E:\" });
        Assert.Empty(console.Lines);
    }

    [Theory]
    [InlineData("      - volumeName: Data\n        driveLetter: '1:'\n", "must be one letter A-Z")]
    [InlineData("      - volumeName: Data\n        driveLetter: D\n      - volumeName: Logs\n        driveLetter: 'd:'\n", "drive letter D: is given to both 'Data' and 'Logs'")]
    [InlineData("      - volumeName: Data\n        driveLetter: D\n      - volumeName: data\n        driveLetter: E\n", "volume 'data' is mapped twice")]
    [InlineData("      - volumeName: Data\n", "driveLetter")]
    public void SetDriveLetters_BadMappings_AreErrorsAtTheirLine(string mappings, string message)
    {
        var read = AgentConfigReader.Read("version: 1.0\nconfig:\n- stage: preReady\n  tasks:\n  - task: setDriveLetters\n    inputs:\n      mappings:\n" + mappings);

        Assert.False(read.IsValid);
        var error = Assert.Single(read.Diagnostics, d => d.IsError);
        Assert.Contains(message, error.ToString(), StringComparison.Ordinal);
        Assert.True(error.Line >= 8, error.ToString());
    }

    [Fact]
    public void NewTasks_AreAppendedAfterTheFifteen_AndTheEnaTasksKeepTheirPlaces()
    {
        var names = TaskRegistry.BuiltIn.All.Select(t => t.Name).ToList();

        Assert.Equal(2, names.IndexOf("enableJumboFrames") + 1);
        Assert.Equal(8, names.IndexOf("optimizeEna") + 1);
        Assert.Equal(12, names.IndexOf("setWallpaper") + 1);
        Assert.Equal("writeFile", names[14]);
        Assert.Equal(["sendEventLogs", "setDriveLetters", "setMonitorAlwaysOn"], names.Skip(15).Take(3));
    }

    private const string Events = "sendEventLogs\n    inputs:\n      events:\n      - logName: System\n        level: Error | Warning\n        numEntries: 2\n      - logName: Application\n        source: MsiInstaller\n";

    private static EventLogEntry Entry(string log, int level, string provider, int minute, string message) =>
        new(log, level, provider, new DateTimeOffset(2026, 12, 7, 15, minute, 5, TimeSpan.Zero), 7000 + minute, message);

    [Fact]
    public async Task SendEventLogs_SelectedEntries_OnTheConsoleInEc2LaunchV1Shape_OldestFirst()
    {
        _machine.EventLogs.Entries.AddRange(
        [
            Entry("System", 2, "Service Control Manager", 1, "The Foo service failed to start."),
            Entry("System", 4, "EventLog", 2, "The Event log service was started."),
            Entry("System", 3, "Tcpip", 3, "A duplicate address\r\nwas detected."),
            Entry("System", 2, "Disk", 4, "The device has a bad block."),
            Entry("Application", 4, "MsiInstaller", 5, "Product: Foo -- Installation completed successfully."),
            Entry("Application", 4, "Other", 6, "not selected"),
        ]);

        var (result, console) = await Run("postReady", Events, null);

        Assert.Equal(ExitAction.Completed, result.Action);
        Assert.Equal("3 event log entries sent to the console", result.Message);
        Assert.Equal(
        [
            "EventLogEntry: Application  Information  MsiInstaller  12/07/2026 03:05:05 PM  Product: Foo -- Installation completed successfully.",
            "EventLogEntry: System  Warning  Tcpip  12/07/2026 03:03:05 PM  A duplicate address  was detected.",
            "EventLogEntry: System  Error  Disk  12/07/2026 03:04:05 PM  The device has a bad block.",
        ], console.Lines);
        Assert.Equal(["System||2,3|2", "Application|MsiInstaller||3"], _machine.EventLogs.Queries);
    }

    [Fact]
    public async Task SendEventLogs_ALogThatDoesNotExist_SendsTheOthers_AndFailsNamingIt()
    {
        _machine.EventLogs.Entries.Add(Entry("Application", 4, "MsiInstaller", 5, "installed"));

        var (result, console) = await Run("postReady", "sendEventLogs\n    inputs:\n      events:\n      - logName: Nonexistent\n      - logName: Application\n", null);

        Assert.Equal(ExitAction.Failed, result.Action);
        Assert.Equal("1 event log entry sent to the console; could not read Nonexistent: there is no event log 'Nonexistent'", result.Message);
        Assert.Single(console.Lines);
    }

    [Theory]
    [InlineData("      - logName: System\n        level: Fatal\n", "unknown level 'Fatal'")]
    [InlineData("      - logName: System\n        numEntries: 0\n", "'numEntries' must be 1 to 1000, not 0")]
    [InlineData("      - source: EventLog\n", "logName")]
    [InlineData("      - logName: System\n        source: a'b\"c\n", "cannot hold both")]
    public void SendEventLogs_BadSelections_AreErrorsAtTheirLine(string events, string message)
    {
        var read = AgentConfigReader.Read("version: 1.0\nconfig:\n- stage: postReady\n  tasks:\n  - task: sendEventLogs\n    inputs:\n      events:\n" + events);

        Assert.False(read.IsValid);
        var error = Assert.Single(read.Diagnostics, d => d.IsError);
        Assert.Contains(message, error.ToString(), StringComparison.Ordinal);
        Assert.True(error.Line >= 8, error.ToString());
    }

    [Fact]
    public void SendEventLogs_Levels_NamesAndListsBecomeLevelNumbers()
    {
        Assert.Equal([0, 2, 4], SendEventLogsTask.Levels("error | Information", out _));
        Assert.Empty(SendEventLogsTask.Levels(null, out _)!);
        Assert.Null(SendEventLogsTask.Levels("Error,Bad", out var unknown));
        Assert.Equal("Bad", unknown);
    }
}
