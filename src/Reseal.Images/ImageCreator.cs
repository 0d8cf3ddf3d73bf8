using System.Globalization;

namespace Reseal.Images;

/// <summary>
/// <c>reseal image create</c> on any cloud (DESIGN.md lifecycle step 6): wait while the sealed machine stops (Sysprep
/// shuts it down), refuse one that is starting or still running, create the image, and wait until it is available,
/// polling gently and reporting progress.
/// </summary>
public sealed class ImageCreator
{
    private readonly IImageCloud _cloud;
    private readonly ImageSettings _settings;
    private readonly IProgress<ImageProgress>? _progress;

    public ImageCreator(IImageCloud cloud, ImageSettings? settings = null, IProgress<ImageProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(cloud);
        _cloud = cloud;
        _settings = settings ?? ImageSettings.Default;
        _progress = progress;
    }

    /// <summary>Creates the image. Expected failures of the cloud are <see cref="ImageCloudException"/>.</summary>
    public async Task<CreateImageResult> CreateAsync(CreateImageRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Validate() is { } problem)
        {
            throw new ArgumentException(problem, nameof(request));
        }

        var time = _settings.Time;
        var started = time.GetTimestamp();
        TimeSpan Elapsed() => time.GetElapsedTime(started);
        TimeSpan Remaining() => request.Timeout - Elapsed();

        await WaitUntilCapturableAsync(request, Elapsed, Remaining, cancellationToken).ConfigureAwait(false);

        var created = await _cloud.CreateImageAsync(request, cancellationToken).ConfigureAwait(false);
        var resource = created.ImageId ?? $"job {created.JobId}";
        Report(resource, $"creating image '{request.Name}' from {request.InstanceId}", Elapsed(), true);
        if (!request.Wait)
        {
            return new CreateImageResult(created.ImageId, "pending", [], Seconds(Elapsed()), CreateOutcome.Started,
                null, created.JobId);
        }

        var schedule = new PollSchedule(_settings);
        ImageStatus? last = null;
        try
        {
            while (true)
            {
                var status = await _cloud.GetImageAsync(created, cancellationToken).ConfigureAwait(false);
                if (status.ImageId is not null && created.ImageId is null)
                {
                    created = created with { ImageId = status.ImageId };
                }

                resource = created.ImageId ?? resource;
                var changed = last is null || last.State != status.State || last.Progress != status.Progress;
                last = status;
                Report(resource, Describe(status), Elapsed(), changed);
                switch (status.Phase)
                {
                    case ImagePhase.Available:
                        return new CreateImageResult(created.ImageId, status.State, status.SnapshotIds ?? [],
                            Seconds(Elapsed()), CreateOutcome.Available, null, created.JobId);
                    case ImagePhase.Failed:
                        return new CreateImageResult(created.ImageId, status.State, status.SnapshotIds ?? [],
                            Seconds(Elapsed()), CreateOutcome.Failed,
                            status.Reason ?? "the cloud gave no reason", created.JobId);
                }

                if (Remaining() <= TimeSpan.Zero)
                {
                    return TimedOut(created, status, Elapsed(), $"--timeout ({Seconds(request.Timeout)} s) ended the wait");
                }

                await schedule.WaitAsync(Remaining(), cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return TimedOut(created, last, Elapsed(), "interrupted");
        }
    }

    private async Task WaitUntilCapturableAsync(CreateImageRequest request, Func<TimeSpan> elapsed, Func<TimeSpan> remaining,
        CancellationToken cancellationToken)
    {
        var noun = _cloud.MachineNoun;
        var schedule = new PollSchedule(_settings);
        MachineStatus? last = null;
        while (true)
        {
            var machine = await _cloud.GetMachineAsync(request.InstanceId, cancellationToken).ConfigureAwait(false);
            var changed = last is null || last.State != machine.State;
            last = machine;
            switch (machine.Phase)
            {
                case MachinePhase.Stopped:
                    Report(machine.Id, $"{noun} is {machine.State}", elapsed(), changed);
                    return;
                case MachinePhase.Running when request.WaitForShutdown:
                    Report(machine.Id, $"{noun} is {machine.State}; waiting for Sysprep to shut it down", elapsed(), changed);
                    break;
                case MachinePhase.Running when request.AllowRunning || request.NoReboot:
                    Report(machine.Id, $"{noun} is {machine.State}; capturing it anyway (" +
                        (request.NoReboot ? "--no-reboot" : "--allow-running") + ")", elapsed(), changed);
                    return;
                case MachinePhase.Running:
                    throw new ImageCloudException(ImageFailureKind.WrongState,
                        $"{noun} {machine.Id} is {machine.State}: a sealed machine shuts itself down when Sysprep ends, so this one is " +
                        "not sealed yet or Sysprep is still running; wait for it to stop (reseal image create waits while it is stopping), " +
                        "or pass --wait-for-shutdown to wait for that, or --allow-running to capture it as it is");
                case MachinePhase.Pending:
                    throw new ImageCloudException(ImageFailureKind.WrongState,
                        $"{noun} {machine.Id} is {machine.State}: it is starting, not sealed; seal it (reseal seal), let Sysprep shut it " +
                        "down, then run this again");
                case MachinePhase.Stopping:
                    Report(machine.Id, $"{noun} is {machine.State} (Sysprep shuts it down); waiting until it has stopped", elapsed(), changed);
                    break;
                default:
                    throw new ImageCloudException(ImageFailureKind.WrongState,
                        $"{noun} {machine.Id} is {machine.State}{(machine.Reason is { } r ? $" ({r})" : "")}: an image can only be " +
                        "created from a stopped (sealed) machine");
            }

            if (remaining() <= TimeSpan.Zero)
            {
                throw new ImageCloudException(ImageFailureKind.WrongState,
                    $"{noun} {machine.Id} was still {machine.State} after {Seconds(elapsed())} s (--timeout); no image was created; " +
                    "run this again once it has stopped");
            }

            await schedule.WaitAsync(remaining(), cancellationToken).ConfigureAwait(false);
        }
    }

    private static CreateImageResult TimedOut(CreatedImage created, ImageStatus? status, TimeSpan elapsed, string why)
    {
        var what = created.ImageId is { } id ? $"image {id}" : $"the image job {created.JobId}";
        var state = status?.State ?? "pending";
        return new CreateImageResult(created.ImageId, state, status?.SnapshotIds ?? [], Seconds(elapsed),
            CreateOutcome.TimedOut,
            $"{why} while {what} was {state}; the image was left as it is and the cloud goes on creating it " +
            $"(check its state later{(created.ImageId is null ? "" : ", or run reseal image verify once it is available")})",
            created.JobId);
    }

    private static string Describe(ImageStatus status) =>
        status.Progress is { } p
            ? $"{status.State}, {p.ToString("0", CultureInfo.InvariantCulture)}%"
            : status.State;

    private void Report(string resource, string message, TimeSpan elapsed, bool changed) =>
        _progress?.Report(new ImageProgress(resource, message, elapsed, changed));

    private static double Seconds(TimeSpan span) => Math.Round(span.TotalSeconds, 1);
}
