using System.Buffers.Binary;
using System.Numerics;
using System.Security.Cryptography;

namespace Reseal.Cloud.Tests.Keys;

/// <summary>
/// Writes an unencrypted OpenSSH private key container (PROTOCOL.key) from chosen values, so tests can make keys whose
/// parts disagree in one specific way.
/// </summary>
internal static class OpenSshKeyWriter
{
    public sealed record RsaParts(BigInteger N, BigInteger E, BigInteger D, BigInteger Iqmp, BigInteger P, BigInteger Q)
    {
        public static RsaParts From(RSAParameters p) => new(Big(p.Modulus!), Big(p.Exponent!), Big(p.D!), Big(p.InverseQ!),
            Big(p.P!), Big(p.Q!));

        private static BigInteger Big(byte[] value) => new(value, isUnsigned: true, isBigEndian: true);
    }

    /// <summary>The PEM text; <paramref name="publicN"/>/<paramref name="publicE"/> override the public blob's values.</summary>
    public static string Write(RsaParts key, BigInteger? publicN = null, BigInteger? publicE = null)
    {
        using var publicBlob = new MemoryStream();
        WriteString(publicBlob, "ssh-rsa"u8);
        WriteMpint(publicBlob, publicE ?? key.E);
        WriteMpint(publicBlob, publicN ?? key.N);

        using var section = new MemoryStream();
        WriteUInt32(section, 0x12345678);
        WriteUInt32(section, 0x12345678);
        WriteString(section, "ssh-rsa"u8);
        foreach (var value in new[] { key.N, key.E, key.D, key.Iqmp, key.P, key.Q })
        {
            WriteMpint(section, value);
        }

        WriteString(section, "test@reseal"u8);
        for (byte pad = 1; section.Length % 8 != 0; pad++)
        {
            section.WriteByte(pad);
        }

        using var file = new MemoryStream();
        file.Write("openssh-key-v1\0"u8);
        WriteString(file, "none"u8);
        WriteString(file, "none"u8);
        WriteString(file, ""u8);
        WriteUInt32(file, 1);
        WriteString(file, publicBlob.ToArray());
        WriteString(file, section.ToArray());
        return PemEncoding.WriteString("OPENSSH PRIVATE KEY", file.ToArray());
    }

    private static void WriteUInt32(MemoryStream stream, uint value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        stream.Write(bytes);
    }

    private static void WriteString(MemoryStream stream, ReadOnlySpan<byte> value)
    {
        WriteUInt32(stream, (uint)value.Length);
        stream.Write(value);
    }

    private static void WriteMpint(MemoryStream stream, BigInteger value) =>
        WriteString(stream, value.IsZero ? [] : value.ToByteArray(isUnsigned: false, isBigEndian: true));
}
