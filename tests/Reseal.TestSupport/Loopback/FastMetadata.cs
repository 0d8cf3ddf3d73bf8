using Reseal.Cloud.Metadata;

namespace Reseal.TestSupport.Loopback;

/// <summary>Metadata HTTP options with short timeouts and backoffs, for tests against the loopback servers.</summary>
public static class FastMetadata
{
    public static MetadataHttpOptions Options { get; } = new()
    {
        AttemptTimeout = TimeSpan.FromMilliseconds(500),
        TotalTimeout = TimeSpan.FromSeconds(3),
        MaxAttempts = 3,
        InitialBackoff = TimeSpan.FromMilliseconds(10),
        MaxBackoff = TimeSpan.FromMilliseconds(50),
    };
}
