namespace Reseal.Cloud.Metadata;

/// <summary>
/// Limits on every metadata call: a timeout per attempt, a total deadline across retries, bounded retries with
/// exponential backoff and jitter, and size limits on responses. A dead or slow endpoint never hangs the caller.
/// </summary>
public sealed record MetadataHttpOptions
{
    /// <summary>Defaults: 2 s per attempt, 20 s per call, 60 s per metadata read, 3 attempts, 200 ms..2 s backoff, 1 MiB responses and user data.</summary>
    public static MetadataHttpOptions Default { get; } = new();

    /// <summary>Longest wait for one request, including reading the body.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Longest wait for one logical call, across all its attempts and backoff.</summary>
    public TimeSpan TotalTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// Longest wait for a whole <see cref="IMetadataProvider.GetMetadataAsync"/>, which makes several calls; a slow
    /// service that answers each call just in time still cannot hold the caller longer than this.
    /// </summary>
    public TimeSpan OperationTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Attempts per call (1 = no retries). Only transport failures, timeouts, 5xx and 429 are retried.</summary>
    public int MaxAttempts { get; init; } = 3;

    /// <summary>Backoff before the second attempt; it doubles each time up to <see cref="MaxBackoff"/>, with jitter.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Largest backoff.</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>The highest value <see cref="MaxResponseBytes"/> and <see cref="MaxUserDataBytes"/> may take (64 MiB).</summary>
    public const int MaximumSizeLimit = 64 * 1024 * 1024;

    /// <summary>Largest metadata response accepted (JSON documents, listings, keys); at most <see cref="MaximumSizeLimit"/>.</summary>
    public int MaxResponseBytes { get; init; } = 1024 * 1024;

    /// <summary>Largest user data accepted (at most <see cref="MaximumSizeLimit"/>); larger user data is an error that says so.</summary>
    public int MaxUserDataBytes { get; init; } = 1024 * 1024;

    /// <summary>The clock for timeouts and backoff.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    internal void Validate()
    {
        Positive(AttemptTimeout, nameof(AttemptTimeout));
        Positive(TotalTimeout, nameof(TotalTimeout));
        Positive(OperationTimeout, nameof(OperationTimeout));
        if (MaxAttempts is < 1 or > 20)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxAttempts), MaxAttempts, "must be 1..20");
        }

        if (InitialBackoff < TimeSpan.Zero || MaxBackoff < InitialBackoff)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxBackoff), MaxBackoff, "backoff must be >= 0 and MaxBackoff >= InitialBackoff");
        }

        SizeLimit(MaxResponseBytes, nameof(MaxResponseBytes));
        SizeLimit(MaxUserDataBytes, nameof(MaxUserDataBytes));

        ArgumentNullException.ThrowIfNull(Time);
    }

    private static void SizeLimit(int value, string name)
    {
        if (value is < 1 or > MaximumSizeLimit)
        {
            throw new ArgumentOutOfRangeException(name, value, $"must be 1..{MaximumSizeLimit} bytes (64 MiB)");
        }
    }

    private static void Positive(TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero || value > TimeSpan.FromHours(1))
        {
            throw new ArgumentOutOfRangeException(name, value, "must be more than zero and at most an hour");
        }
    }
}
