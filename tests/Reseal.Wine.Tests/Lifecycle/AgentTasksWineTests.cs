using System.Text.Json;
using Reseal.TestSupport.Loopback;
using Reseal.Wine.Tests.Harness;

namespace Reseal.Wine.Tests.Lifecycle;

/// <summary>
/// Issue 18's tasks in <c>reseal agent run</c> (the win-x64 build) under Wine: what Wine can show of them — the ENA
/// adapter found in the real registry's network class key, a missing powercfg.exe turned into a reasoned skip, the
/// wallpaper drawn through GDI+ and set in the middle of a whole run, a drive mapping checked against the volumes DriveInfo lists (nothing moved when the label is absent), and the Event Log API
/// (Wine's wevtapi) answering without a crash. What Wine cannot show (Set-NetAdapterAdvancedProperty, mount-point
/// changes, powercfg) is in docs/windows-behaviour.md with Microsoft's pages.
/// </summary>
[Collection(WineTestGroup.Name)]
public sealed class AgentTasksWineTests(WineFixture wine)
{
    private const string EnaKey = @"HKLM\SYSTEM\CurrentControlSet\Control\Class\{4d36e972-e325-11ce-bfc1-08002be10318}\0042";
    private const string EnaGuid = "{0E1A0E1A-1111-2222-3333-444455556666}";

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
          - task: setMonitorAlwaysOn
          - task: setWallpaper
            inputs:
              attributes: [hostName, instanceId, privateIpAddress]
              instanceTags: [Name]
          - task: setDriveLetters
            inputs:
              mappings:
              - volumeName: NOSUCHLABEL
                driveLetter: 'R:'
        - stage: postReady
          tasks:
          - task: enableJumboFrames
          - task: sendEventLogs
            inputs:
              events:
              - logName: Application
                level: Error
                numEntries: 2

        """;

    [Fact]
    public async Task AgentRun_Issue18Tasks_EachEndsWithItsOwnOutcome_NoneCrashes()
    {
        var server = new LoopbackHttpServer(new FakeImds().Handle);
        await using var _ = server;
        using var machine = await wine.NewMachineAsync("issue18-tasks");
        machine.WriteFile(@"C:\ProgramData\Reseal\config\agent-config.yml", Config(server.BaseUri));
        machine.SetValue(EnaKey, "MatchingDeviceId", "REG_SZ", @"pci\ven_1d0f&dev_ec20");
        machine.SetValue(EnaKey, "NetCfgInstanceId", "REG_SZ", EnaGuid);
        machine.SetValue(EnaKey, "DriverDesc", "REG_SZ", "Amazon Elastic Network Adapter");

        var run = machine.Reseal("agent", "run", "--no-reboot");

        var summary = machine.ConsoleLines().Select(l => l.TrimEnd('\r')).LastOrDefault(l => l.Contains("\"ResealAgentRun\"", StringComparison.Ordinal));
        Assert.True(summary is not null, run.ToString()[..Math.Min(4000, run.ToString().Length)]);
        using var json = JsonDocument.Parse(summary[summary.IndexOf('{', StringComparison.Ordinal)..]);
        var tasks = json.RootElement.GetProperty("tasks").EnumerateArray()
            .ToDictionary(t => t.GetProperty("task").GetString()!, t => (Outcome: t.GetProperty("outcome").GetString(), Message: t.TryGetProperty("message", out var m) ? m.GetString() : null));

        // Wine ships no powercfg.exe: the task says so instead of pretending the display setting was made.
        var powercfg = File.Exists(machine.HostPath(@"C:\Windows\System32\powercfg.exe"));
        Assert.Equal(powercfg ? "completed" : "skipped", tasks["setMonitorAlwaysOn"].Outcome);
        Assert.True(powercfg || tasks["setMonitorAlwaysOn"].Message!.Contains("powercfg.exe is not there", StringComparison.Ordinal), tasks["setMonitorAlwaysOn"].Message);
        // DriveInfo lists Wine's drives; no label matches, so nothing is moved and the failure names the label.
        Assert.Equal(("failed", "nothing changed: no volume is labelled 'NOSUCHLABEL'"), tasks["setDriveLetters"]);
        // The adapter was read from Wine's registry through LiveRegistry (the class key, its MatchingDeviceId): the
        // outcome names it whatever Wine's powershell.exe stub then did with the cmdlet.
        Assert.Contains(EnaGuid, tasks["enableJumboFrames"].Message, StringComparison.Ordinal);
        // GDI+ (Wine's gdiplus.dll) draws the facts on a plain background the size of Wine's virtual screen; the BMP is
        // published and set for the loaded profile. The drawing itself is checked pixel by pixel in WallpaperWineTests.
        Assert.Equal("completed", tasks["setWallpaper"].Outcome);
        Assert.StartsWith("wallpaper 1024x768 with 4 lines at ", tasks["setWallpaper"].Message, StringComparison.Ordinal);
        // Wine's wevtapi answers EvtQuery (or refuses it): either way a result, never "internal error in the task".
        Assert.Matches(@"^\d+ event log entr(y|ies) sent to the console", tasks["sendEventLogs"].Message!);
        Assert.DoesNotContain(tasks.Values, t => t.Message?.Contains("internal error", StringComparison.Ordinal) == true);
    }
}
