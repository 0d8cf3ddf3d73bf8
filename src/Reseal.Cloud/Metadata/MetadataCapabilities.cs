using Reseal.Cloud.Passwords;

namespace Reseal.Cloud.Metadata;

/// <summary>
/// The optional capability of a metadata service that keeps the instance's encrypted password (OpenStack's and Huawei
/// Cloud's <c>/openstack/2013-04-04/password</c>). Ask <see cref="IMetadataProvider.PasswordEndpoint"/>; null where the
/// service has none, so callers never test for a provider type.
/// </summary>
public interface IPasswordEndpoint
{
    /// <summary>The service's base URL, for messages.</summary>
    string Endpoint { get; }

    /// <summary>The ciphertext the service stores for this instance (empty when none).</summary>
    Task<string> GetStoredPasswordAsync(CancellationToken cancellationToken);

    /// <summary>Posts the base64 ciphertext; <see cref="PasswordPostResult.AlreadySet"/> when the service keeps another.</summary>
    Task<PasswordPostResult> PostPasswordAsync(string encryptedPasswordBase64, CancellationToken cancellationToken);
}

/// <summary>
/// The optional capability of a metadata service that carries password-reset requests (GCE's <c>windows-keys</c>). Ask
/// <see cref="IMetadataProvider.WindowsKeys"/>; null where the service has none.
/// </summary>
public interface IWindowsKeysSource
{
    /// <summary>The <c>windows-keys</c> password-reset requests (none when the attribute is absent).</summary>
    Task<GceWindowsKeyScan> GetWindowsKeysAsync(CancellationToken cancellationToken);
}

/// <summary>The <c>windows-keys</c> requests as they stood at one version of the instance's attributes.</summary>
/// <param name="Scan">The requests (none when the attribute is absent).</param>
/// <param name="ETag">The server's version of the attributes, to wait for the next change from.</param>
public sealed record WindowsKeysVersion(GceWindowsKeyScan Scan, string ETag);

/// <summary>
/// The optional capability of a metadata service that can hold a request until its attributes change (GCE's
/// <c>wait_for_change</c> with <c>last_etag</c>), so a password reset on a running instance is answered in seconds,
/// not at the next boot.
/// </summary>
public interface IWindowsKeysWatch
{
    /// <summary>
    /// The requests now when <paramref name="lastETag"/> is null; otherwise as soon as the attributes differ from that
    /// version, or after about <paramref name="wait"/> with the same version when nothing changed.
    /// </summary>
    Task<WindowsKeysVersion> WaitForWindowsKeysAsync(string? lastETag, TimeSpan wait, CancellationToken cancellationToken);
}
