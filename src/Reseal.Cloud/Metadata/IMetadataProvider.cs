namespace Reseal.Cloud.Metadata;

/// <summary>One source of instance metadata. Dispose it to release its HTTP connections.</summary>
public interface IMetadataProvider : IDisposable
{
    /// <summary>Which kind of source this is.</summary>
    MetadataSource Source { get; }

    /// <summary>The base URL or folder it reads, for messages.</summary>
    string Endpoint { get; }

    /// <summary>
    /// A quick check that this source is present (one short attempt, no retries). Never throws for "not here";
    /// throws only <see cref="OperationCanceledException"/> when the caller cancels.
    /// </summary>
    Task<bool> IsAvailableAsync(CancellationToken cancellationToken);

    /// <summary>Reads the instance's metadata, with the provider's timeouts, retries and size limits.</summary>
    /// <exception cref="CloudException">The source failed; the message names the provider, URL and status.</exception>
    Task<InstanceMetadata> GetMetadataAsync(CancellationToken cancellationToken);

    /// <summary>Where the instance's encrypted password is posted back, or null when this source has no such endpoint.</summary>
    IPasswordEndpoint? PasswordEndpoint => null;

    /// <summary>The source of password-reset requests, or null when this source carries none.</summary>
    IWindowsKeysSource? WindowsKeys => null;
}

/// <summary>Outcome of posting an encrypted password to the metadata service.</summary>
public enum PasswordPostResult
{
    /// <summary>The service stored it.</summary>
    Posted,

    /// <summary>The service already holds a password for this instance (Nova's 409); nothing was changed.</summary>
    AlreadySet,
}
