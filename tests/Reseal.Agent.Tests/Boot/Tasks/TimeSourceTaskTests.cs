using Reseal.Agent.Boot;
using Reseal.Agent.Boot.Config;
using Reseal.Agent.Boot.Runner;
using Reseal.Agent.Boot.Tasks;
using Reseal.Cloud.Metadata;
using Reseal.TestSupport;
using Reseal.Windows.Ports;

namespace Reseal.Agent.Tests.Boot.Tasks;

/// <summary><c>setTimeSource</c> on the in-memory machine: the registry values W32Time reads, the w32tm commands, and bad inputs.</summary>
public sealed class TimeSourceTaskTests
{
    private const string Parameters = SetTimeSourceTask.ParametersKey;
    private readonly FakeWindows _machine = new();

    public TimeSourceTaskTests() => _machine.Files.WriteText(SetTimeSourceTask.W32Tm.Replace("%WINDIR%", @"C:\Windows", StringComparison.Ordinal), "MZ");

    private sealed class Console : ITaskConsole
    {
        public void WriteLine(string text)
        {
        }

        public void WritePasswordBlock(string userName, string ciphertextBase64) => throw new InvalidOperationException("no password here");
    }

    private static InstanceMetadata Metadata(MetadataSource source) =>
        new(source, "http://test/", "i-0abc", "host", [], ReadOnlyMemory<byte>.Empty, null, null, null, null, null);

    private async Task<TaskExecutionResult> Run(MetadataSource? source, string inputs = "")
    {
        var read = AgentConfigReader.Read("version: 1.0\nconfig:\n- stage: preReady\n  tasks:\n  - task: setTimeSource\n" + inputs);
        Assert.True(read.IsValid, string.Join('\n', read.Diagnostics));
        var unit = BootPlan.Create(read.Config!).Units.Single();
        var context = new BootTaskContext { Machine = _machine, Metadata = source is { } s ? Metadata(s) : null };
        return await read.Config!.TasksOf(AgentStage.PreReady)[0].Definition.RunAsync(new BootTaskRun(unit, unit.Inputs ?? InputMap.Empty, context, new Console()),
            TestContext.Current.CancellationToken);
    }

    private string? Value(string name) => _machine.Registry.GetString(RegistryHive.System, Parameters, name);

    [Fact]
    public async Task SetTimeSource_Ec2_AmazonTimeSyncServiceThenUpdateAndResync()
    {
        var result = await Run(MetadataSource.Ec2);

        Assert.Equal(ExitAction.Completed, result.Action);
        Assert.Equal("169.254.169.123,0x8", Value("NtpServer"));
        Assert.Equal("NTP", Value("Type"));
        Assert.Equal([@"C:\Windows\System32\w32tm.exe /config /update", @"C:\Windows\System32\w32tm.exe /resync /nowait"], _machine.Processes.CommandLines);
        Assert.Contains("resync requested", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SetTimeSource_Gce_MetadataServer()
    {
        var result = await Run(MetadataSource.Gce);

        Assert.Equal(ExitAction.Completed, result.Action);
        Assert.Equal("metadata.google.internal,0x8", Value("NtpServer"));
    }

    [Theory]
    [InlineData(MetadataSource.Azure, "VMICTimeSync")]
    [InlineData(MetadataSource.OpenStack, "names no NTP server")]
    [InlineData(MetadataSource.NoCloud, "names no NTP server")]
    [InlineData(null, "no metadata")]
    public async Task SetTimeSource_NoCloudTimeService_SkippedWindowsSettingsKept(MetadataSource? source, string why)
    {
        _machine.Registry.SetValue(RegistryHive.System, Parameters, "NtpServer", RegistryData.FromString("time.windows.com,0x9"));

        var result = await Run(source);

        Assert.True(result.NotApplicable);
        Assert.Contains(why, result.Message, StringComparison.Ordinal);
        Assert.Equal("time.windows.com,0x9", Value("NtpServer"));
        Assert.Empty(_machine.Processes.Requests);
    }

    [Fact]
    public async Task SetTimeSource_DomainMemberWithoutServers_KeepsDomainTime()
    {
        _machine.Registry.SetValue(RegistryHive.System, Parameters, "Type", RegistryData.FromString("NT5DS"));

        var result = await Run(MetadataSource.Ec2);
        var forced = await Run(MetadataSource.Ec2, "    inputs:\n      servers: [169.254.169.123]\n");

        Assert.True(result.NotApplicable);
        Assert.Contains("domain hierarchy (W32Time Type NT5DS)", result.Message, StringComparison.Ordinal);
        Assert.Equal(ExitAction.Completed, forced.Action);
        Assert.Equal("NTP", Value("Type")); // given explicitly, the servers win
    }

    [Fact]
    public async Task SetTimeSource_ServersAndUtcClock_AllWritten()
    {
        var result = await Run(MetadataSource.OpenStack, "    inputs:\n      servers: [ntp1.example.net, 192.0.2.10, '2001:db8::123', NTP1.example.net]\n      realTimeClockUtc: true\n");

        Assert.Equal(ExitAction.Completed, result.Action);
        Assert.Equal("ntp1.example.net,0x8 192.0.2.10,0x8 2001:db8::123,0x8", Value("NtpServer"));
        Assert.Equal(1u, _machine.Registry.GetDWord(RegistryHive.System, SetTimeSourceTask.TimeZoneKey, "RealTimeIsUniversal"));
        Assert.Contains("from the next boot", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SetTimeSource_SecondRun_NothingChangesSaysAlready()
    {
        _ = await Run(MetadataSource.Ec2, "    inputs:\n      realTimeClockUtc: true\n");
        var again = await Run(MetadataSource.Ec2, "    inputs:\n      realTimeClockUtc: true\n");

        Assert.Equal(ExitAction.Completed, again.Action);
        Assert.Contains("NtpServer already '169.254.169.123,0x8'", again.Message, StringComparison.Ordinal);
        Assert.Contains("RealTimeIsUniversal already 1", again.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SetTimeSource_UtcClockOnlyOnAzure_DoneWithoutNtp()
    {
        var result = await Run(MetadataSource.Azure, "    inputs:\n      realTimeClockUtc: false\n");

        Assert.False(result.NotApplicable);
        Assert.Equal(0u, _machine.Registry.GetDWord(RegistryHive.System, SetTimeSourceTask.TimeZoneKey, "RealTimeIsUniversal"));
        Assert.Null(Value("NtpServer"));
    }

    [Fact]
    public async Task SetTimeSource_W32TimeStopped_FailsNamingTheCommand()
    {
        _machine.Processes.Handler = r => r.Arguments.Contains("/update") ? FakeProcesses.Exit(1, "The following error occurred: The service has not been started. (0x80070426)") : FakeProcesses.Exit(0);

        var result = await Run(MetadataSource.Ec2);

        Assert.Equal(ExitAction.Failed, result.Action);
        Assert.Contains("w32tm /config /update exited 1", result.Message, StringComparison.Ordinal);
        Assert.Contains("0x80070426", result.Message, StringComparison.Ordinal);
        Assert.Equal("169.254.169.123,0x8", Value("NtpServer")); // kept: the service reads it when it starts
    }

    [Fact]
    public async Task SetTimeSource_NoW32Tm_FailsNothingChanged()
    {
        Assert.True(_machine.Files.DeleteFile(@"C:\Windows\System32\w32tm.exe"));

        var result = await Run(MetadataSource.Ec2, "    inputs:\n      realTimeClockUtc: true\n");

        Assert.Equal(ExitAction.Failed, result.Action);
        Assert.Equal(@"C:\Windows\System32\w32tm.exe is not there, so Windows Time cannot be configured on this Windows; nothing was changed", result.Message);
        Assert.Null(Value("NtpServer"));
        Assert.Null(_machine.Registry.GetDWord(RegistryHive.System, SetTimeSourceTask.TimeZoneKey, "RealTimeIsUniversal"));
        Assert.Empty(_machine.Processes.Requests);
    }

    [Fact]
    public async Task SetTimeSource_ResyncFails_StillDone()
    {
        _machine.Processes.Handler = r => r.Arguments.Contains("/resync") ? FakeProcesses.Exit(1, "The computer did not resync because no time data was available.") : FakeProcesses.Exit(0);

        var result = await Run(MetadataSource.Ec2);

        Assert.Equal(ExitAction.Completed, result.Action);
        Assert.Contains("W32Time will poll on its own", result.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("'time server.example'", "is not a DNS name")]
    [InlineData("\"a\\u0001b\"", "is not a DNS name")]
    [InlineData("'pool.ntp.org,0x8'", "is not a DNS name")]
    [InlineData("''", "is empty")]
    [InlineData("'-bad.example'", "is not a DNS name")]
    public void Validate_BadServer_ErrorAtItsLine(string server, string expected)
    {
        var read = AgentConfigReader.Read($"version: 1.0\nconfig:\n- stage: preReady\n  tasks:\n  - task: setTimeSource\n    inputs:\n      servers:\n      - {server}\n");

        var error = Assert.Single(read.Diagnostics, d => d.Severity == DiagnosticSeverity.Error);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Equal(8, error.Line);
        Assert.DoesNotContain('\u0001', error.Message);
    }

    [Fact]
    public void Validate_TooManyServers_Error()
    {
        var servers = string.Join(", ", Enumerable.Range(1, 17).Select(i => $"ntp{i}.example"));
        var read = AgentConfigReader.Read($"version: 1.0\nconfig:\n- stage: preReady\n  tasks:\n  - task: setTimeSource\n    inputs:\n      servers: [{servers}]\n");

        Assert.Contains(read.Diagnostics, d => d.Severity == DiagnosticSeverity.Error && d.Message.Contains("at most 16", StringComparison.Ordinal));
    }
}
