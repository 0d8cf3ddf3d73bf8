using System.Security.Cryptography;

namespace Reseal.Cloud.Passwords;

/// <summary>How a password is RSA-encrypted.</summary>
public enum PasswordPadding
{
    /// <summary>PKCS#1 v1.5: EC2 (console, GetPasswordData) and OpenStack/Huawei (Nova password post-back).</summary>
    Pkcs1,

    /// <summary>OAEP with SHA-1 and MGF1-SHA-1: GCE <c>windows-keys</c>, the default <c>hashFunction</c>.</summary>
    OaepSha1,

    /// <summary>OAEP with SHA-256 (GCE <c>hashFunction: sha256</c>).</summary>
    OaepSha256,

    /// <summary>OAEP with SHA-512 (GCE <c>hashFunction: sha512</c>).</summary>
    OaepSha512,
}

/// <summary>Conversions between <see cref="PasswordPadding"/> and wire names.</summary>
public static class PasswordPaddings
{
    /// <summary>Every padding, in the order an unlabelled ciphertext is tried.</summary>
    public static IReadOnlyList<PasswordPadding> All { get; } =
        [PasswordPadding.Pkcs1, PasswordPadding.OaepSha1, PasswordPadding.OaepSha256, PasswordPadding.OaepSha512];

    /// <summary>GCE's <c>hashFunction</c> value (<c>sha1</c>, <c>sha256</c>, <c>sha512</c>; empty or null means sha1).</summary>
    /// <exception cref="CloudException">Any other hash name.</exception>
    public static PasswordPadding FromGceHashFunction(string? hashFunction) => hashFunction?.Trim().ToLowerInvariant() switch
    {
        null or "" or "sha1" or "sha-1" => PasswordPadding.OaepSha1,
        "sha256" or "sha-256" => PasswordPadding.OaepSha256,
        "sha512" or "sha-512" => PasswordPadding.OaepSha512,
        _ => throw new CloudException($"GCE hashFunction '{hashFunction}' is not supported (sha1, sha256 or sha512)"),
    };

    /// <summary>The <c>hashFunction</c> name of an OAEP padding, or null for PKCS#1 v1.5.</summary>
    public static string? ToGceHashFunction(this PasswordPadding padding) => padding switch
    {
        PasswordPadding.OaepSha1 => "sha1",
        PasswordPadding.OaepSha256 => "sha256",
        PasswordPadding.OaepSha512 => "sha512",
        _ => null,
    };

    internal static RSAEncryptionPadding ToRsaPadding(this PasswordPadding padding) => padding switch
    {
        PasswordPadding.Pkcs1 => RSAEncryptionPadding.Pkcs1,
        PasswordPadding.OaepSha1 => RSAEncryptionPadding.OaepSHA1,
        PasswordPadding.OaepSha256 => RSAEncryptionPadding.OaepSHA256,
        PasswordPadding.OaepSha512 => RSAEncryptionPadding.OaepSHA512,
        _ => throw new ArgumentOutOfRangeException(nameof(padding), padding, null),
    };

    internal static int Overhead(this PasswordPadding padding) => padding switch
    {
        PasswordPadding.Pkcs1 => 11,
        PasswordPadding.OaepSha1 => (2 * 20) + 2,
        PasswordPadding.OaepSha256 => (2 * 32) + 2,
        PasswordPadding.OaepSha512 => (2 * 64) + 2,
        _ => throw new ArgumentOutOfRangeException(nameof(padding), padding, null),
    };
}
