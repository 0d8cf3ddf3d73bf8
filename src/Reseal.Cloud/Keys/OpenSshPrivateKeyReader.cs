using System.Security.Cryptography;
using System.Text;

namespace Reseal.Cloud.Keys;

/// <summary>
/// Reads OpenSSH's private key container (PROTOCOL.key in OpenSSH), base64 inside
/// <c>-----BEGIN OPENSSH PRIVATE KEY-----</c>:
/// <code>
/// "openssh-key-v1\0"
/// string ciphername      "none" unless passphrase-protected
/// string kdfname         "none" unless passphrase-protected
/// string kdfoptions
/// uint32 number of keys  (ssh-keygen writes 1)
/// string public key blob (per key)
/// string private section:
///     uint32 checkint, uint32 checkint (equal)
///     per key: string type; for "ssh-rsa": mpint n, e, d, iqmp, p, q; string comment
///     padding 1, 2, 3, … up to the cipher block size
/// </code>
/// Only the first key of an unencrypted RSA container is accepted; the rest get a clear error. The private section must
/// agree with itself and with the public blob (same n and e, n = p·q, e·d ≡ 1 mod p−1 and mod q−1, iqmp·q ≡ 1 mod p),
/// so a corrupt file is refused instead of yielding a key that decrypts nothing.
/// </summary>
internal static class OpenSshPrivateKeyReader
{
    private const string What = "OpenSSH private key";
    private static readonly byte[] Magic = Encoding.ASCII.GetBytes("openssh-key-v1\0");

    public static (RSAParameters Parameters, string? Comment) Read(ReadOnlySpan<byte> data)
    {
        if (!data.StartsWith(Magic))
        {
            throw new CloudException($"{What}: the 'openssh-key-v1' signature is missing");
        }

        var reader = new SshWireReader(data[Magic.Length..], What);
        var cipher = reader.ReadAscii("cipher name");
        var kdf = reader.ReadAscii("KDF name");
        _ = reader.ReadString("KDF options");
        var count = reader.ReadUInt32("key count");
        if (count != 1)
        {
            throw new CloudException($"{What}: holds {count} keys; only files with exactly one key are read");
        }

        var publicBlob = reader.ReadString("public key");
        var publicReader = new SshWireReader(publicBlob, What);
        var publicType = publicReader.ReadAscii("public key type");
        if (publicType != KeyTypes.SshRsa)
        {
            throw KeyTypes.NotRsa(What, KeyTypes.DescribeSshType(publicType) ?? $"'{publicType}'");
        }

        var publicE = publicReader.ReadPositiveMpint("public key exponent");
        var publicN = publicReader.ReadPositiveMpint("public key modulus");
        if (publicReader.Remaining != 0)
        {
            throw new CloudException($"{What}: {publicReader.Remaining} unexpected bytes after the public key");
        }

        if (cipher != "none" || kdf != "none")
        {
            throw new CloudException(
                $"{What}: it is encrypted with a passphrase (cipher '{cipher}', KDF '{kdf}'); remove the passphrase " +
                "on a copy first ('ssh-keygen -p -N \"\" -f COPY') or convert it ('ssh-keygen -p -m PEM -f COPY')");
        }

        var section = reader.ReadString("private section");
        if (reader.Remaining != 0)
        {
            throw new CloudException($"{What}: {reader.Remaining} unexpected bytes after the private section");
        }

        var p = new SshWireReader(section, What + " private section");
        var check1 = p.ReadUInt32("check integer 1");
        var check2 = p.ReadUInt32("check integer 2");
        if (check1 != check2)
        {
            throw new CloudException($"{What}: the check integers differ, so the private section is corrupt");
        }

        var type = p.ReadAscii("private key type");
        if (type != KeyTypes.SshRsa)
        {
            throw KeyTypes.NotRsa(What, KeyTypes.DescribeSshType(type) ?? $"'{type}'");
        }

        var n = p.ReadPositiveMpint("modulus");
        var e = p.ReadPositiveMpint("public exponent");
        var d = p.ReadPositiveMpint("private exponent");
        var iqmp = p.ReadPositiveMpint("CRT coefficient");
        var prime1 = p.ReadPositiveMpint("prime p");
        var prime2 = p.ReadPositiveMpint("prime q");
        var commentBytes = p.ReadString("comment");
        var padding = p.ReadBytes(p.Remaining, "padding");
        for (var i = 0; i < padding.Length; i++)
        {
            if (padding[i] != (byte)(i + 1))
            {
                throw new CloudException($"{What}: the padding after the key is corrupt");
            }
        }

        if (!publicN.AsSpan().SequenceEqual(n) || !publicE.AsSpan().SequenceEqual(e))
        {
            throw new CloudException(
                $"{What}: the public key does not match the private section (different modulus or exponent), so the file is corrupt");
        }

        var comment = commentBytes.IsEmpty ? null : Encoding.UTF8.GetString(commentBytes);
        KeyTypes.CheckSize(What, KeyMath.BitLength(n));
        return (BuildParameters(n, e, d, prime1, prime2, iqmp), comment);
    }

    /// <summary>Fills in the CRT exponents OpenSSH does not store and pads every value as RSAParameters requires.</summary>
    private static RSAParameters BuildParameters(byte[] n, byte[] e, byte[] d, byte[] p, byte[] q, byte[] iqmp)
    {
        var bn = KeyMath.ToBigInteger(n);
        var bp = KeyMath.ToBigInteger(p);
        var bq = KeyMath.ToBigInteger(q);
        var bd = KeyMath.ToBigInteger(d);
        var be = KeyMath.ToBigInteger(e);
        var bqInverse = KeyMath.ToBigInteger(iqmp);
        if (bp <= 1 || bq <= 1 || bp * bq != bn)
        {
            throw new CloudException($"{What}: the primes do not multiply to the modulus, so the key is corrupt");
        }

        if (bd <= 1 || bd >= bn || (be * bd) % (bp - 1) != 1 || (be * bd) % (bq - 1) != 1)
        {
            throw new CloudException(
                $"{What}: the private exponent does not invert the public exponent (e*d is not 1 mod p-1 or q-1), so the key is corrupt");
        }

        if (bqInverse <= 0 || bqInverse >= bp || (bqInverse * bq) % bp != 1)
        {
            throw new CloudException($"{What}: the CRT coefficient is not the inverse of q mod p, so the key is corrupt");
        }

        var dp = KeyMath.ToBytes(bd % (bp - 1));
        var dq = KeyMath.ToBytes(bd % (bq - 1));
        var half = (n.Length + 1) / 2;
        return new RSAParameters
        {
            Modulus = n,
            Exponent = e,
            D = KeyMath.PadLeft(d, n.Length, "private exponent"),
            P = KeyMath.PadLeft(p, half, "prime p"),
            Q = KeyMath.PadLeft(q, half, "prime q"),
            DP = KeyMath.PadLeft(dp, half, "CRT exponent dp"),
            DQ = KeyMath.PadLeft(dq, half, "CRT exponent dq"),
            InverseQ = KeyMath.PadLeft(iqmp, half, "CRT coefficient"),
        };
    }
}
