using System.Security.Cryptography;
using Reseal.Cloud.Keys;

namespace Reseal.Cloud.Tests.Passwords;

/// <summary>Keys made in-process (no external tools), shared by the pure unit tests.</summary>
internal static class TestKeys
{
    private static readonly Lazy<string> Pem2048 = new(() => Make(2048));
    private static readonly Lazy<string> OtherPem2048 = new(() => Make(2048));

    public static RsaPrivateKey Key2048() => RsaPrivateKey.Parse(Pem2048.Value);

    public static RsaPrivateKey OtherKey2048() => RsaPrivateKey.Parse(OtherPem2048.Value);

    public static string Pkcs1Pem2048 => Pem2048.Value;

    private static string Make(int bits)
    {
        using var rsa = RSA.Create(bits);
        return rsa.ExportRSAPrivateKeyPem();
    }
}
