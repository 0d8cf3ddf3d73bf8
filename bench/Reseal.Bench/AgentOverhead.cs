using System.Diagnostics;
using System.Globalization;
using Reseal.Agent.Boot.Host;
using Reseal.Cloud.Metadata;
using Reseal.TestSupport;
using Reseal.TestSupport.Loopback;

namespace Reseal.Bench;

/// <summary>
/// Agent overhead (DESIGN.md: under 200 ms from service start to "Windows is Ready to use", peak under 60 MiB): one
/// process runs the default configuration once against a loopback IMDSv2 server and the in-memory machine, whose tasks
/// finish at once, and prints its timings and peak memory. bench/agent.sh runs it several times, each in a new process
/// (a service start is a new process), beside an empty .NET program for the memory baseline.
/// </summary>
internal static class AgentOverhead
{
    public static async Task<int> RunOnceAsync(string publicKeyLine)
    {
        var main = Stopwatch.StartNew();
        var processStart = Process.GetCurrentProcess().StartTime.ToUniversalTime();
        var imds = new FakeImds { UserData = "<powershell>Write-Host hi</powershell>" };
        imds.Items["meta-data/public-keys/0/openssh-key"] = publicKeyLine;
        await using var server = new LoopbackHttpServer(imds.Handle);
        using var provider = new Ec2ImdsProvider(server.BaseUri);
        using var temp = new TempDirectory();
        var machine = new FakeWindows();
        var serverReady = main.Elapsed;
        TimeSpan? readyAt = null;
        var session = new AgentSession(machine, new AgentPaths(temp.File("agent-config.yml"), temp.File("state"), temp.File("log")), TimeProvider.System,
            new AgentRunOptions
            {
                Providers = [provider],
                AllowReboot = false,
                ConsoleMirror = text => readyAt ??= text.Contains("Windows is Ready to use", StringComparison.Ordinal) ? main.Elapsed : null,
            });
        var sessionStart = main.Elapsed;
        var result = await session.RunAsync(CancellationToken.None).ConfigureAwait(false);
        var total = main.Elapsed;
        var runtimeStart = TimeProvider.System.GetUtcNow().UtcDateTime - processStart - total;
        using var self = Process.GetCurrentProcess();
        self.Refresh();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"exit={result.ExitCode} runtimeStartMs={runtimeStart.TotalMilliseconds:F1} setupMs={(sessionStart - serverReady).TotalMilliseconds:F1} " +
            $"sessionToReadyMs={((readyAt ?? total) - sessionStart).TotalMilliseconds:F1} processStartToReadyMs={(runtimeStart + (readyAt ?? total) - serverReady + sessionStart - sessionStart).TotalMilliseconds:F1} " +
            $"stagesToReadyMs={result.Run.ReadyAfter?.TotalMilliseconds ?? -1:F1} wholeRunMs={(total - sessionStart).TotalMilliseconds:F1} " +
            $"peakMiB={self.PeakWorkingSet64 / 1048576.0:F1} tasks={result.Run.Outcomes.Count}"));
        return result.ExitCode;
    }
}
