using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Reseal.Windows.Ports;

namespace Reseal.Agent.Boot.Host;

/// <summary>The Remote Desktop certificate: its subject's common name and DER bytes.</summary>
public sealed record RdpCertificateInfo(string SubjectName, byte[] Der);

/// <summary>
/// Reads the Remote Desktop certificate from the registry store Windows keeps it in
/// (<c>HKLM\SOFTWARE\Microsoft\SystemCertificates\Remote Desktop\Certificates\&lt;thumbprint&gt;!Blob</c>), so the same code
/// works on a running machine, an offline image and the fakes. The Blob is a list of certificate properties
/// (<c>id</c>, <c>1</c>, <c>length</c>, then the bytes; little-endian); property 32 holds the certificate.
/// </summary>
public static class RdpCertificate
{
    /// <summary>The store key in the SOFTWARE hive.</summary>
    public const string StoreKey = @"Microsoft\SystemCertificates\Remote Desktop\Certificates";

    /// <summary>CERT_CERT_PROP_ID: the encoded certificate.</summary>
    public const uint CertificateProperty = 32;

    /// <summary>The certificate (the one with the latest expiry when there are several), or null when the store is empty or unreadable.</summary>
    public static RdpCertificateInfo? Read(IRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        RdpCertificateInfo? best = null;
        DateTime bestExpiry = default;
        foreach (var thumbprint in registry.GetSubkeyNames(RegistryHive.Software, StoreKey))
        {
            if (registry.GetValue(RegistryHive.Software, StoreKey + "\\" + thumbprint, "Blob") is not { } blob
                || CertificateBytes(blob.Bytes.AsSpan()) is not { } der)
            {
                continue;
            }

            try
            {
                using var certificate = X509CertificateLoader.LoadCertificate(der);
                if (best is null || certificate.NotAfter > bestExpiry)
                {
                    best = new RdpCertificateInfo(certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false), der);
                    bestExpiry = certificate.NotAfter;
                }
            }
            catch (CryptographicException)
            {
                // A damaged entry: skip it.
            }
        }

        return best;
    }

    /// <summary>The certificate property of a serialized store element, or null when absent or malformed.</summary>
    public static byte[]? CertificateBytes(ReadOnlySpan<byte> blob)
    {
        var at = 0;
        while (blob.Length - at >= 12)
        {
            var id = BinaryPrimitives.ReadUInt32LittleEndian(blob[at..]);
            var length = BinaryPrimitives.ReadUInt32LittleEndian(blob[(at + 8)..]);
            at += 12;
            if (length > (uint)(blob.Length - at))
            {
                return null;
            }

            if (id == CertificateProperty)
            {
                return blob.Slice(at, (int)length).ToArray();
            }

            at += (int)length;
        }

        return null;
    }

    /// <summary>A Blob value holding <paramref name="der"/> the way Windows stores it (for tests and offline images).</summary>
    public static byte[] ToBlob(ReadOnlySpan<byte> der)
    {
        var blob = new byte[12 + der.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(blob, CertificateProperty);
        BinaryPrimitives.WriteUInt32LittleEndian(blob.AsSpan(4), 1);
        BinaryPrimitives.WriteUInt32LittleEndian(blob.AsSpan(8), (uint)der.Length);
        der.CopyTo(blob.AsSpan(12));
        return blob;
    }
}
