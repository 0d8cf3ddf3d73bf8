using System.Text.Json;
using Reseal.TestSupport.Loopback;
using Reseal.Wine.Tests.Harness;

namespace Reseal.Wine.Tests.Lifecycle;

/// <summary>
/// Issue 19's <c>setTimeSource</c> and <c>enableWinRmHttps</c> in <c>reseal agent run</c> (the win-x64 build) under Wine:
/// Wine has no w32tm.exe and no WinRM service, so the run must refuse both and change nothing in the real registry
/// (read back with Wine's reg.exe). What Wine cannot show (W32Time itself,
/// the WSMan provider, netsh's firewall, CNG machine keys) is in docs/windows-behaviour.md.
/// </summary>
[Collection(WineTestGroup.Name)]
public sealed class RemoteAccessWineTests(WineFixture wine)
{
    private const string Parameters = @"HKLM\SYSTEM\CurrentControlSet\Services\W32Time\Parameters";
    private const string TimeZone = @"HKLM\SYSTEM\CurrentControlSet\Control\TimeZoneInformation";

    private static string Config(Uri imds) => $"""
        version: 1.0
        metadata:
          sources: [ec2]
          endpoints:
            ec2: {imds}
          waitSeconds: 30
        config:
        - stage: preReady
          tasks:
          - task: setTimeSource
            inputs:
              realTimeClockUtc: true
        - stage: postReady
          tasks:
          - task: enableWinRmHttps

        """;

    private static Dictionary<string, (string? Outcome, string? Message)> Tasks(WineMachine machine, HostResult run)
    {
        var summary = machine.ConsoleLines().Select(l => l.TrimEnd('\r')).LastOrDefault(l => l.Contains("\"ResealAgentRun\"", StringComparison.Ordinal));
        Assert.True(summary is not null, run.ToString()[..Math.Min(4000, run.ToString().Length)]);
        using var json = JsonDocument.Parse(summary[summary.IndexOf('{', StringComparison.Ordinal)..]);
        return json.RootElement.GetProperty("tasks").EnumerateArray()
            .ToDictionary(t => t.GetProperty("task").GetString()!, t => (t.GetProperty("outcome").GetString(), t.TryGetProperty("message", out var m) ? m.GetString() : null));
    }

    [Fact]
    public async Task AgentRun_TimeAndWinRm_RefusedWithoutTheirPrograms_NothingWritten()
    {
        var server = new LoopbackHttpServer(new FakeImds().Handle);
        await using var _ = server;
        using var machine = await wine.NewMachineAsync("issue19-remote");
        machine.WriteFile(@"C:\ProgramData\Reseal\config\agent-config.yml", Config(server.BaseUri));
        var w32tm = machine.HostPath(@"C:\Windows\System32\w32tm.exe");
        Assert.SkipWhen(File.Exists(w32tm), "this Wine has a w32tm.exe; the test is about one that has none");

        var first = Tasks(machine, machine.Reseal("agent", "run", "--no-reboot"));

        Assert.Equal("failed", first["setTimeSource"].Outcome);
        Assert.EndsWith("w32tm.exe is not there, so Windows Time cannot be configured on this Windows; nothing was changed", first["setTimeSource"].Message, StringComparison.Ordinal);
        Assert.Null(machine.QueryValue(Parameters, "NtpServer"));
        Assert.Null(machine.QueryValue(TimeZone, "RealTimeIsUniversal"));
        // Wine has no WinRM service: refused before any certificate, listener or rule.
        Assert.Equal(("failed", "the WinRM service is not installed on this Windows"), first["enableWinRmHttps"]);
    }
}
