using System.Diagnostics;
using System.Globalization;
using Reseal.Agent.Boot.Host;
using Reseal.Cloud.Metadata;
using Reseal.TestSupport;
using Reseal.TestSupport.Loopback;

// bench/agent.sh's two processes:
//   AgentBench serve PUBKEY-FILE URL-FILE      a loopback IMDSv2 (FakeImds: tokens, 401 on a bad token, 404 for absent
//                                              items) on 127.0.0.1; writes its base URL to URL-FILE; stops when its
//                                              standard input closes.
//   AgentBench run URL [LAUNCHED-AT-UNIX-NS]   one agent run against it: default configuration, the in-memory machine
//                                              (its tasks finish at once), state and logs in a temporary folder. Prints
//                                              the time from LAUNCHED-AT (taken by the caller just before starting this
//                                              process) to "Windows is Ready to use", the run's own figures, and the
//                                              process's peak resident memory.
switch (args)
{
    case ["serve", var keyFile, var urlFile]:
        {
            var imds = new FakeImds { UserData = "<powershell>Write-Host hi</powershell>" };
            imds.Items["meta-data/public-keys/0/openssh-key"] = File.ReadAllText(keyFile).Trim();
            await using var server = new LoopbackHttpServer(imds.Handle);
            await File.WriteAllTextAsync(urlFile + ".tmp", server.BaseUri.ToString());
            File.Move(urlFile + ".tmp", urlFile);
            await Console.In.ReadToEndAsync();
            return 0;
        }

    case ["run", var url, ..var rest]:
        {
            var main = Stopwatch.StartNew();
            // CPU time (user + system, all threads) is the figure a busy machine does not distort: wall time there is
            // mostly waiting for a core. Taken at Main and at the Ready line.
            var cpuAtMain = Environment.CpuUsage.TotalTime;
            long? launchedAtNs = rest is [var at] ? long.Parse(at, CultureInfo.InvariantCulture) : null;
            var mainAtNs = (TimeProvider.System.GetUtcNow() - DateTimeOffset.UnixEpoch).Ticks * 100;
            using var provider = new Ec2ImdsProvider(new Uri(url));
            using var temp = new TempDirectory();
            TimeSpan? readyAt = null;
            TimeSpan? cpuAtReady = null;
            var session = new AgentSession(new FakeWindows(), new AgentPaths(temp.File("agent-config.yml"), temp.File("state"), temp.File("log")), TimeProvider.System,
                new AgentRunOptions
                {
                    Providers = [provider],
                    AllowReboot = false,
                    ConsoleMirror = text =>
                    {
                        if (readyAt is null && text.Contains("Windows is Ready to use", StringComparison.Ordinal))
                        {
                            readyAt = main.Elapsed;
                            cpuAtReady = Environment.CpuUsage.TotalTime;
                        }
                    },
                });
            var result = await session.RunAsync(CancellationToken.None);
            var total = main.Elapsed;
            using var self = Process.GetCurrentProcess();
            self.Refresh();
            var startup = launchedAtNs is { } launched ? TimeSpan.FromTicks((mainAtNs - launched) / 100) : (TimeSpan?)null;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"exit={result.ExitCode} launchToMainMs={startup?.TotalMilliseconds ?? -1:F1} mainToReadyMs={(readyAt ?? total).TotalMilliseconds:F1} " +
                $"launchToReadyMs={(startup is { } s ? (s + (readyAt ?? total)).TotalMilliseconds : -1):F1} stagesToReadyMs={result.Run.ReadyAfter?.TotalMilliseconds ?? -1:F1} " +
                $"wholeRunMs={total.TotalMilliseconds:F1} cpuAtMainMs={cpuAtMain.TotalMilliseconds:F1} cpuToReadyMs={(cpuAtReady ?? Environment.CpuUsage.TotalTime).TotalMilliseconds:F1} peakMiB={self.PeakWorkingSet64 / 1048576.0:F1} tasks={result.Run.Outcomes.Count}"));
            return result.ExitCode;
        }

    default:
        Console.Error.WriteLine("usage: AgentBench serve PUBKEY-FILE URL-FILE | run URL [LAUNCHED-AT-UNIX-NS]");
        return 2;
}
