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
