using Reseal.Cloud;
using Reseal.Cloud.Passwords;

namespace Reseal.Images;

/// <summary>
/// <c>reseal image verify</c> on any cloud: launch one clone of the image, watch its console and the cloud's password
/// API until the console says <c>Windows is Ready to use</c> and the password decrypts with the launch key, then
/// terminate the clone — in every outcome (ready, failed, timed out, cancelled, the cloud failing mid-way) unless
/// <see cref="VerifyImageRequest.Keep"/>.
/// </summary>
public sealed class ImageVerifier
{
    /// <summary>Most console text analysed (the newest part); EC2 keeps 64 KB, Nova's log can be much larger.</summary>
    public const int MaxConsoleChars = 1024 * 1024;

    private readonly IImageCloud _cloud;
    private readonly ImageSettings _settings;
    private readonly IProgress<ImageProgress>? _progress;

    public ImageVerifier(IImageCloud cloud, ImageSettings? settings = null, IProgress<ImageProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(cloud);
        _cloud = cloud;
        _settings = settings ?? ImageSettings.Default;
        _progress = progress;
    }

    /// <summary>Verifies the image. Failures before launch are <see cref="ImageCloudException"/>; after launch they
    /// end in a result (the clone is terminated first), except the cloud failing, which terminates and rethrows.</summary>
    public async Task<VerifyImageResult> VerifyAsync(VerifyImageRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var time = _settings.Time;
        var started = time.GetTimestamp();

        var image = await _cloud.GetImageAsync(new CreatedImage(request.ImageId, null), cancellationToken).ConfigureAwait(false);
        if (image.Phase != ImagePhase.Available)
        {
            throw new ImageCloudException(ImageFailureKind.WrongState, image.Phase == ImagePhase.Failed
                ? $"image {request.ImageId} is {image.State}{(image.Reason is { } r ? $" ({r})" : "")}: it cannot be launched; create it again"
                : $"image {request.ImageId} is {image.State}, not yet available: wait for it (reseal image create waits until it is) and run this again");
        }

        var instanceId = await _cloud.LaunchAsync(request, cancellationToken).ConfigureAwait(false);
        var launched = time.GetTimestamp();
        var launchedAt = time.GetUtcNow();
        Report(instanceId, $"launched a clone of {request.ImageId}", TimeSpan.Zero, true);
        var watch = new Watch(request, launchedAt);
        VerifyImageResult result;
        try
        {
            result = await WatchAsync(instanceId, request, watch, launched, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            result = watch.Result(instanceId, VerifyOutcome.Cancelled, "interrupted (Ctrl-C) before the clone was ready", _cloud.Kind);
        }
        catch (ImageCloudException e)
        {
            var (terminated, error) = await CleanUpAsync(instanceId, request.Keep).ConfigureAwait(false);
            throw new ImageCloudException(e.Kind, e.Message + "; " + CleanupSentence(instanceId, request.Keep, terminated, error), e);
        }

        var (done, terminateError) = await CleanUpAsync(instanceId, request.Keep).ConfigureAwait(false);
        return result with { Terminated = done, TerminateError = terminateError };
    }

    /// <summary>The sentence that says what became of the clone.</summary>
    public static string CleanupSentence(string instanceId, bool keep, bool terminated, string? error) =>
        keep ? $"the clone {instanceId} was kept (--keep)"
        : terminated ? $"the clone {instanceId} was terminated"
        : $"terminating the clone {instanceId} failed ({error}): terminate it yourself";

    private async Task<VerifyImageResult> WatchAsync(string instanceId, VerifyImageRequest request, Watch watch, long launched,
        CancellationToken cancellationToken)
    {
        var time = _settings.Time;
        TimeSpan Elapsed() => time.GetElapsedTime(launched);
        TimeSpan Remaining() => request.Timeout - Elapsed();
        var schedule = new PollSchedule(_settings);

        // After 'Windows is Ready to use' without any password block, waiting longer will not bring one; give the
        // cloud a few polls' grace (its console may lag) and then say so.
        var grace = TimeSpan.FromTicks(_settings.MaxPoll.Ticks * 8);
        TimeSpan? readyWithoutPasswordSince = null;
        string? lastMessage = null;
        while (true)
        {
            var machine = await _cloud.GetMachineAsync(instanceId, cancellationToken).ConfigureAwait(false);
            var now = time.GetUtcNow();
            switch (machine.Phase)
            {
                case MachinePhase.Running:
                    watch.Running ??= Elapsed();
                    break;
                case MachinePhase.Pending:
                    break;
                default:
                    // Read what the console said before it went down: it tells why.
                    await ReadConsoleAsync(instanceId, watch, now, Elapsed(), cancellationToken).ConfigureAwait(false);
                    return watch.Result(instanceId, VerifyOutcome.NotReady,
                        $"the clone {instanceId} is {machine.State}{(machine.Reason is { } r ? $" ({r})" : "")} instead of running", _cloud.Kind);
            }

            if (machine.Phase == MachinePhase.Running)
            {
                await ReadConsoleAsync(instanceId, watch, now, Elapsed(), cancellationToken).ConfigureAwait(false);
                var data = await _cloud.GetPasswordDataAsync(instanceId, cancellationToken).ConfigureAwait(false);
                if (!string.IsNullOrWhiteSpace(data) && watch.PasswordAvailable is null)
                {
                    watch.PasswordAvailable = Elapsed();
                    watch.PasswordData = true;
                    try
                    {
                        watch.Password = EncryptedPassword.FromBase64(data).Decrypt(request.Key);
                    }
                    catch (CloudException e)
                    {
                        return watch.Result(instanceId, VerifyOutcome.KeyMismatch,
                            $"the password of {instanceId} does not decrypt with the key given ({request.Key.PublicKey.Sha256Fingerprint}); " +
                            $"is it the private half of key pair '{request.KeyName}'? ({e.Message})", _cloud.Kind);
                    }
                }
            }

            var message = watch.Milestone(machine);
            Report(instanceId, message, Elapsed(), message != lastMessage);
            lastMessage = message;

            if (watch.Console.WindowsReady is not null && watch.Password is not null)
            {
                return watch.Result(instanceId, VerifyOutcome.Ready, null, _cloud.Kind);
            }

            if (watch.Console.WindowsReady is not null && watch.Console.PasswordBlock is null && !watch.PasswordData)
            {
                readyWithoutPasswordSince ??= Elapsed();
                if (Elapsed() - readyWithoutPasswordSince >= grace)
                {
                    return watch.Result(instanceId, VerifyOutcome.NotReady, "the clone is ready but published no password", _cloud.Kind);
                }
            }

            if (Remaining() <= TimeSpan.Zero)
            {
                return watch.Result(instanceId, VerifyOutcome.NotReady,
                    $"the clone {instanceId} did not become ready within {Math.Round(request.Timeout.TotalSeconds)} s (--timeout)", _cloud.Kind);
            }

            await schedule.WaitAsync(Remaining(), cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task ReadConsoleAsync(string instanceId, Watch watch, DateTimeOffset now, TimeSpan elapsed,
        CancellationToken cancellationToken)
    {
        var console = await _cloud.GetConsoleOutputAsync(instanceId, cancellationToken).ConfigureAwait(false);
        if (console is null)
        {
            return;
        }

        if (console.Length > MaxConsoleChars)
        {
            console = console[^MaxConsoleChars..];
        }

        watch.See(ConsoleReport.Analyze(console), now, elapsed);
    }

    private async Task<(bool Terminated, string? Error)> CleanUpAsync(string instanceId, bool keep)
    {
        if (keep)
        {
            return (false, null);
        }

        // A fresh token: the run's own may be the one Ctrl-C cancelled, and the clone must go all the same.
        using var cleanup = new CancellationTokenSource(_settings.CleanupTimeout, _settings.Time);
        try
        {
            await _cloud.TerminateAsync(instanceId, cleanup.Token).ConfigureAwait(false);
            Report(instanceId, "terminated", TimeSpan.Zero, true);
            return (true, null);
        }
        catch (ImageCloudException e)
        {
            return (false, e.Message);
        }
        catch (OperationCanceledException)
        {
            return (false, $"no answer within {_settings.CleanupTimeout.TotalSeconds:0} s");
        }
    }

    private void Report(string resource, string message, TimeSpan elapsed, bool changed) =>
        _progress?.Report(new ImageProgress(resource, message, elapsed, changed));

    /// <summary>What has been seen of one clone so far.</summary>
    private sealed class Watch(VerifyImageRequest request, DateTimeOffset launchedAt)
    {
        public ConsoleReport Console { get; private set; } = new();

        public TimeSpan? Running { get; set; }

        public TimeSpan? SysprepComplete { get; private set; }

        public TimeSpan? PasswordAvailable { get; set; }

        public TimeSpan? WindowsReady { get; private set; }

        public bool PasswordData { get; set; }

        public ClearTextPassword? Password { get; set; }

        /// <summary>
        /// Takes a newer console reading. A milestone's time is when the console line says it happened, when that is
        /// plausible (after launch, not after we saw it: a guest clock can be off before it syncs); otherwise when we saw it.
        /// </summary>
        public void See(ConsoleReport report, DateTimeOffset now, TimeSpan elapsed)
        {
            // A console that lost lines (the cloud keeps only its newest part) must not forget what was seen.
            Console = report with
            {
                SysprepComplete = report.SysprepComplete ?? Console.SysprepComplete,
                PasswordBlock = report.PasswordBlock ?? Console.PasswordBlock,
                WindowsReady = report.WindowsReady ?? Console.WindowsReady,
            };
            SysprepComplete ??= When(report.SysprepComplete, now, elapsed);
            WindowsReady ??= When(report.WindowsReady, now, elapsed);
        }

        private TimeSpan? When(ConsoleMark? mark, DateTimeOffset now, TimeSpan elapsed)
        {
            if (mark is not { } m)
            {
                return null;
            }

            if (m.Stamp is { } stamp && stamp >= launchedAt.AddSeconds(-1) && stamp <= now.AddSeconds(1))
            {
                var fromLaunch = stamp - launchedAt;
                return fromLaunch < TimeSpan.Zero ? TimeSpan.Zero : fromLaunch;
            }

            return elapsed;
        }

        public string Milestone(MachineStatus machine) =>
            WindowsReady is not null && Password is not null ? "Windows is ready; password decrypted"
            : WindowsReady is not null ? "Windows is ready; waiting for the password"
            : Password is not null ? "password decrypted; waiting for 'Windows is Ready to use'"
            : SysprepComplete is not null ? "sysprep configuration complete; waiting for the launch agent"
            : machine.Phase == MachinePhase.Running ? "running; waiting for Windows to boot (specialize, oobeSystem)"
            : $"{machine.State}";

        public VerifyImageResult Result(string instanceId, VerifyOutcome outcome, string? reason, CloudKind cloud) => new(
            instanceId,
            request.ImageId,
            outcome,
            Console.WindowsReady is not null,
            Password is not null,
            Password,
            false,
            new VerifyTimeline(Seconds(Running), Seconds(SysprepComplete), Seconds(PasswordAvailable), Seconds(WindowsReady)),
            Console.Tail,
            reason,
            outcome switch
            {
                VerifyOutcome.Ready => null,
                // The clone did its part: it published a password, to the key pair it was launched with.
                VerifyOutcome.KeyMismatch => $"the clone published a password encrypted to key pair '{request.KeyName}', and --key is not its private half",
                _ => Console.Explain(PasswordData, cloud),
            });

        private static double? Seconds(TimeSpan? span) => span is { } s ? Math.Round(s.TotalSeconds, 1) : null;
    }
}
