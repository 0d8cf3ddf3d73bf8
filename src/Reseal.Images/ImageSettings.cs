namespace Reseal.Images;

/// <summary>
/// How gently Reseal polls and how long it gives each call. The defaults are for real clouds: the first poll soon
/// after the request, then a longer wait each time up to 15 s (botocore's waiters poll every 15 s; Packer every 5 s),
/// so a quick image is seen quickly and a slow one does not hammer the API. Tests shorten everything.
/// </summary>
public sealed record ImageSettings
{
    /// <summary>Wait before the first poll.</summary>
    public TimeSpan FirstPoll { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Longest wait between polls.</summary>
    public TimeSpan MaxPoll { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Each wait is the last one times this, up to <see cref="MaxPoll"/>.</summary>
    public double PollGrowth { get; init; } = 1.5;

    /// <summary>Longest time one API call may take (the SDK's retries included).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Longest time terminating a clone may take once the run is over (also after Ctrl-C).</summary>
    public TimeSpan CleanupTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Attempts of one HTTP call to OpenStack or Huawei on a network error, 429 or 5xx (idempotent calls only).</summary>
    public int HttpAttempts { get; init; } = 4;

    /// <summary>First wait before retrying an HTTP call; doubled each time (with jitter).</summary>
    public TimeSpan HttpBackoff { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>EC2: retries the SDK makes itself for throttling and 5xx (its standard retry mode).</summary>
    public int SdkMaxErrorRetry { get; init; } = 4;

    /// <summary>The clock and timers.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>The defaults for real clouds.</summary>
    public static ImageSettings Default { get; } = new();
}
