using System.Collections.Concurrent;
using System.Text.Json;
using Reseal.Agent.Boot.Host;
using Reseal.Agent.Boot.Tasks;
using Reseal.Cloud.Keys;
using Reseal.Cloud.Metadata;
using Reseal.Cloud.Passwords;
using Reseal.TestSupport;
using Reseal.TestSupport.Loopback;

namespace Reseal.Agent.Tests.Boot;

/// <summary>
/// The service answering GCE password resets while it runs: a loopback metadata server that holds requests until the
/// attributes change (wait_for_change + last_etag, as Google documents), the answer on COM4 decrypted with openssl;
/// a failing or lying server costs bounded requests and log lines; the service stays only on GCE and stops when told.
/// </summary>
public sealed class GceKeyWatchTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly FakeWindows _machine = new();
    private readonly FakeSerialConsole _com4 = new();
    private readonly ConcurrentQueue<(int Level, string Text)> _log = new();

    private static readonly GceWatchSettings Fast = new()
    {
        Wait = TimeSpan.FromSeconds(30),
        FirstBackoff = TimeSpan.FromMilliseconds(50),
        MaxBackoff = TimeSpan.FromMilliseconds(200),
        MinInterval = TimeSpan.FromMilliseconds(100),
        LockWait = TimeSpan.FromSeconds(5),
    };

    public GceKeyWatchTests() => Directory.CreateDirectory(Paths.StateDirectory);

    public void Dispose() => _temp.Dispose();

    private AgentPaths Paths => new(_temp.File("agent-config.yml"), _temp.File("state"), _temp.File("log"));

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static (string Line, string KeyFile) Request(string user)
    {
        var keyFile = KeyFiles.SshKeygen("rsa", 2048, "PEM");
        var key = RsaPublicKey.Load(keyFile + ".pub");
        return ($$"""{"userName":"{{user}}","modulus":"{{key.ModulusBase64}}","exponent":"{{key.ExponentBase64}}","email":"a@example.com","expireOn":"2099-01-01T00:00:00Z"}""", keyFile);
    }

    private Task Watch(IWindowsKeysWatch source, GceWatchSettings settings, CancellationToken token) =>
        GceKeyWatch.WatchAsync(source, () => _com4, _machine, Paths, TimeProvider.System, (level, text) => _log.Enqueue((level, text)), settings, token);

    // The service as the SCM runs it, on a machine past Setup, with GCE's metadata on loopback.
    private AgentRunOptions ServiceOptions(IMetadataProvider provider) => new()
    {
        Providers = [provider],
        AllowReboot = false,
        SetupPollInterval = TimeSpan.FromMilliseconds(20),
        GceReplyPort = () => _com4,
        GceWatch = Fast,
    };

    private static async Task Until(Func<bool> condition, string what)
    {
        for (var i = 0; i < 400 && !condition(); i++)
        {
            await Task.Delay(50, Token);
        }

        Assert.True(condition(), "timed out waiting for " + what);
    }

    private static string Decrypt(string reply, string keyFile)
    {
        using var json = JsonDocument.Parse(reply);
        var cipher = KeyFiles.NewPath("gce-watch.bin");
        File.WriteAllBytes(cipher, Convert.FromBase64String(json.RootElement.GetProperty("encryptedPassword").GetString()!));
        return KeyFiles.OpenSsl("pkeyutl", "-decrypt", "-inkey", keyFile, "-in", cipher,
            "-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", "rsa_oaep_md:sha1").StandardOutput;
    }

    [Fact]
    public async Task Watch_ResetAskedWhileRunning_AnsweredOnCom4WithinSeconds()
    {
        await using var gce = new FakeGceMetadata();
        using var provider = new GceMetadataProvider(gce.BaseUri, FastMetadata.Options);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Token);
        var watch = Watch(provider, Fast, stop.Token);
        await Until(() => gce.Server.Requests.Any(r => r.Path.Contains("wait_for_change=true", StringComparison.Ordinal)), "the held request");

        var (line, keyFile) = Request("alice");
        gce.SetAttribute("windows-keys", line);
        await Until(() => !_com4.Lines.IsEmpty, "the COM4 answer");

        Assert.Equal(_machine.Accounts.PasswordOf(_machine.Accounts.FindAccount("alice")!.Rid), Decrypt(Assert.Single(_com4.Lines), keyFile));
        await stop.CancelAsync();
        await watch.WaitAsync(TimeSpan.FromSeconds(20), Token);
        Assert.Contains(_log, l => l.Text == "GCE windows-keys: reset the password of alice; the answer is on COM4");
        Assert.Equal("GCE windows-keys: watch ended (the service is stopping)", _log.Last().Text);
    }

    [Fact]
    public async Task Watch_RequestAnsweredAtBoot_NotAnsweredAgain_NewOneIs()
    {
        await using var gce = new FakeGceMetadata();
        var (old, _) = Request("alice");
        gce.SetAttribute("windows-keys", old);
        await GceAccountResets.ApplyAsync(_machine, GceWindowsKey.ParseAll(old), _com4, Paths.StateDirectory, TimeProvider.System, Token);
        var aliceAtBoot = _machine.Accounts.PasswordOf(_machine.Accounts.FindAccount("alice")!.Rid);
        Assert.Single(_com4.Lines);
        using var provider = new GceMetadataProvider(gce.BaseUri, FastMetadata.Options);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Token);
        var watch = Watch(provider, Fast, stop.Token);
        await Until(() => gce.Server.Requests.Any(r => r.Path.Contains("wait_for_change=true", StringComparison.Ordinal)), "the held request");

        var (added, keyFile) = Request("bob");
        gce.SetAttribute("windows-keys", old + "\n" + added); // gcloud appends its line
        await Until(() => _com4.Lines.Count == 2, "bob's answer");
        await stop.CancelAsync();
        await watch.WaitAsync(TimeSpan.FromSeconds(20), Token);

        Assert.Equal(aliceAtBoot, _machine.Accounts.PasswordOf(_machine.Accounts.FindAccount("alice")!.Rid));
        Assert.Equal(_machine.Accounts.PasswordOf(_machine.Accounts.FindAccount("bob")!.Rid), Decrypt(_com4.Lines.Last(), keyFile));
    }

    [Fact]
    public async Task Watch_ServerFailsThenRecovers_BacksOffLogsSparinglyAndAnswers()
    {
        var failing = true;
        await using var gce = new FakeGceMetadata { Override = _ => Volatile.Read(ref failing) ? LoopbackReply.Text(500, "Internal Server Error") : null };
        using var provider = new GceMetadataProvider(gce.BaseUri, FastMetadata.Options with { MaxAttempts = 1 });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Token);
        var watch = Watch(provider, Fast, stop.Token);
        await Task.Delay(1500, Token);
        var requestsWhileFailing = gce.Server.Requests.Count;

        Volatile.Write(ref failing, false);
        var (line, _) = Request("carol");
        gce.SetAttribute("windows-keys", line);
        await Until(() => !_com4.Lines.IsEmpty, "carol's answer after the server recovered");
        await stop.CancelAsync();
        await watch.WaitAsync(TimeSpan.FromSeconds(20), Token);

        // 1.5 s at a back-off of 50 ms doubling to 200 ms: a handful of requests, not a busy loop.
        Assert.InRange(requestsWhileFailing, 2, 15);
        var warnings = _log.Count(l => l.Level == 1 && l.Text.Contains("returned 500 InternalServerError", StringComparison.Ordinal));
        Assert.InRange(warnings, 1, 2); // the first failure and every tenth
        Assert.Contains(_log, l => l.Text.StartsWith("GCE windows-keys: the metadata server answers again after", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Watch_ServerIgnoresWaitAndChangesETagEveryTime_AtMostOneRequestPerInterval()
    {
        var version = 0;
        await using var gce = new FakeGceMetadata
        {
            Override = _ => LoopbackReply.Ok("{\"windows-keys\": \"{broken\"}", ("Metadata-Flavor", "Google"), ("ETag", "e" + Interlocked.Increment(ref version))),
        };
        using var provider = new GceMetadataProvider(gce.BaseUri, FastMetadata.Options);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Token);
        var watch = Watch(provider, Fast with { MinInterval = TimeSpan.FromMilliseconds(250) }, stop.Token);
        await Task.Delay(1500, Token);
        await stop.CancelAsync();
        await watch.WaitAsync(TimeSpan.FromSeconds(20), Token);

        Assert.InRange(gce.Server.Requests.Count, 2, 8);
        Assert.Single(_log, l => l.Level == 1); // the broken line is reported once, not at every version
        Assert.Empty(_com4.Lines);
    }

    [Fact]
    public async Task Service_OnGce_StaysAfterTheRunAndAnswersAResetUntilStopped()
    {
        await using var gce = new FakeGceMetadata();
        using var provider = new GceMetadataProvider(gce.BaseUri, FastMetadata.Options);
        var events = new ConcurrentQueue<AgentEvent>();
        var options = ServiceOptions(provider) with { Events = events.Enqueue };
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Token);

        var service = AgentService.RunAsync(_machine, Paths, TimeProvider.System, TimeSpan.FromMinutes(1), options, stop.Token);
        await Until(() => gce.Server.Requests.Any(r => r.Path.Contains("wait_for_change=true", StringComparison.Ordinal)), "the service's held request");
        Assert.False(service.IsCompleted);
        var (line, keyFile) = Request("dave");
        gce.SetAttribute("windows-keys", line);
        await Until(() => !_com4.Lines.IsEmpty, "dave's answer");
        await stop.CancelAsync();

        Assert.Equal(0, await service.WaitAsync(TimeSpan.FromSeconds(20), Token));
        Assert.Equal(_machine.Accounts.PasswordOf(_machine.Accounts.FindAccount("dave")!.Rid), Decrypt(Assert.Single(_com4.Lines), keyFile));
        var log = await File.ReadAllTextAsync(Paths.AgentLog, Token);
        Assert.Contains("GCE windows-keys: watching for password resets while the service runs", log, StringComparison.Ordinal);
        Assert.Contains(events, e => e.Message == "GCE windows-keys: reset the password of dave; the answer is on COM4");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Service_OnGce_RunsShutdownScriptsOnlyWhenWindowsShutsDown(bool windowsShutsDown)
    {
        await using var gce = new FakeGceMetadata();
        using var provider = new GceMetadataProvider(gce.BaseUri, FastMetadata.Options);
        var started = new ConcurrentQueue<string>();
        _machine.Processes.Handler = request =>
        {
            var script = _machine.Files.ListFiles(@"%ProgramData%\Reseal\scripts").Single();
            started.Enqueue(System.Text.Encoding.UTF8.GetString(_machine.Files.ReadAllBytes(script)).Trim());
            return FakeProcesses.Exit(0);
        };
        var options = ServiceOptions(provider) with { ShuttingDown = () => windowsShutsDown };

        // A configuration whose run starts no process: every process is a shutdown script.
        await File.WriteAllTextAsync(Paths.ConfigFile, "version: 1.0\nconfig:\n- stage: postReady\n  tasks:\n  - task: startSsm\n", Token);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Token);
        var service = AgentService.RunAsync(_machine, Paths, TimeProvider.System, TimeSpan.FromMinutes(1), options, stop.Token);
        await Until(() => gce.Server.Requests.Any(r => r.Path.Contains("wait_for_change=true", StringComparison.Ordinal)), "the service's held request");
        gce.SetAttribute("windows-shutdown-script-cmd", "echo saving state"); // set after boot: read fresh at shutdown

        await stop.CancelAsync();

        Assert.Equal(0, await service.WaitAsync(TimeSpan.FromSeconds(30), Token));
        if (windowsShutsDown)
        {
            Assert.Equal(["echo saving state"], started);
            Assert.Contains("Windows is shutting down: running 1 GCE shutdown script(s)", await File.ReadAllTextAsync(Paths.AgentLog, Token), StringComparison.Ordinal);
        }
        else
        {
            Assert.Empty(started); // a person stopping the service is not a shutdown
        }
    }

    [Fact]
    public async Task Service_NotOnGce_EndsAfterTheRun()
    {
        var options = new AgentRunOptions
        {
            Providers = [],
            MetadataWait = TimeSpan.Zero,
            AllowReboot = false,
            SetupPollInterval = TimeSpan.FromMilliseconds(20),
            GceReplyPort = () => _com4,
            GceWatch = Fast,
        };

        var code = await AgentService.RunAsync(_machine, Paths, TimeProvider.System, TimeSpan.FromMinutes(1), options, Token).WaitAsync(TimeSpan.FromSeconds(60), Token);

        Assert.Equal(0, code);
        Assert.DoesNotContain("watching for password resets", await File.ReadAllTextAsync(Paths.AgentLog, Token), StringComparison.Ordinal);
    }
}
