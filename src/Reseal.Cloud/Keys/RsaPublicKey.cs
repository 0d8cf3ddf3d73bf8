using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Reseal.Cloud.Keys;

/// <summary>
/// An RSA public key of at least <see cref="MinimumKeySizeBits"/> bits: the launch key a Windows password is encrypted to.
/// Immutable; equality compares modulus and exponent only.
/// </summary>
/// <remarks>
/// Formats read by <see cref="Parse"/>:
/// <list type="bullet">
/// <item>an OpenSSH <c>authorized_keys</c> / <c>.pub</c> line: <c>[options] ssh-rsa BASE64 [comment]</c>, where BASE64 is
/// the SSH wire blob <c>string "ssh-rsa", mpint e, mpint n</c> (RFC 4253 §6.6);</item>
/// <item>an RFC 4716 <c>---- BEGIN SSH2 PUBLIC KEY ----</c> block (headers, possibly continued with <c>\</c>, then the
/// same blob in base64);</item>
/// <item>PEM <c>RSA PUBLIC KEY</c> (PKCS#1 RSAPublicKey) and <c>PUBLIC KEY</c> (X.509 SubjectPublicKeyInfo);</item>
/// <item>any private key <see cref="RsaPrivateKey.Parse"/> reads, whose public half is taken.</item>
/// </list>
/// </remarks>
public sealed class RsaPublicKey : IEquatable<RsaPublicKey>
{
    /// <summary>Smallest accepted modulus size; EC2 documents 2048-bit keys for Windows.</summary>
    public const int MinimumKeySizeBits = 2048;

    /// <summary>Largest accepted modulus size, bounding the work a hostile key can cause.</summary>
    public const int MaximumKeySizeBits = 16384;

    private readonly byte[] _modulus;
    private readonly byte[] _exponent;

    private RsaPublicKey(byte[] modulus, byte[] exponent, string? comment)
    {
        _modulus = modulus;
        _exponent = exponent;
        Comment = comment;
        KeySizeBits = KeyMath.BitLength(modulus);
    }

    /// <summary>Modulus size in bits.</summary>
    public int KeySizeBits { get; }

    /// <summary>The comment of an OpenSSH or RFC 4716 key (often user@host), or null.</summary>
    public string? Comment { get; }

    /// <summary>Modulus, unsigned big-endian without leading zeros.</summary>
    public ReadOnlyMemory<byte> Modulus => _modulus;

    /// <summary>Public exponent, unsigned big-endian without leading zeros.</summary>
    public ReadOnlyMemory<byte> Exponent => _exponent;

    /// <summary>Modulus in standard base64, as GCE's <c>windows-keys</c> entries and COM4 replies carry it.</summary>
    public string ModulusBase64 => Convert.ToBase64String(_modulus);

    /// <summary>Exponent in standard base64 (<c>AQAB</c> for 65537).</summary>
    public string ExponentBase64 => Convert.ToBase64String(_exponent);

    /// <summary>OpenSSH's SHA-256 fingerprint (<c>SHA256:…</c>), as <c>ssh-keygen -l</c> and the EC2 console show it.</summary>
    public string Sha256Fingerprint =>
        "SHA256:" + Convert.ToBase64String(SHA256.HashData(ToSshBlob())).TrimEnd('=');

    /// <summary>Reads one public key from text in any supported format (see remarks).</summary>
    /// <exception cref="CloudException">The text holds no key, a malformed key, a non-RSA key or one under 2048 bits.</exception>
    public static RsaPublicKey Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var trimmed = text.Trim();
        if (trimmed.Length == 0)
        {
            throw new CloudException("public key: the text is empty");
        }

        if (trimmed.Contains("---- BEGIN SSH2 PUBLIC KEY ----", StringComparison.Ordinal))
        {
            return ParseRfc4716(trimmed);
        }

        if (trimmed.Contains("-----BEGIN ", StringComparison.Ordinal) ||
            trimmed.StartsWith("PuTTY-User-Key-File", StringComparison.Ordinal))
        {
            return ParsePem(trimmed);
        }

        return ParseOpenSshLine(trimmed);
    }

    /// <summary>Reads a public key file (any format <see cref="Parse"/> reads); errors name the file.</summary>
    public static RsaPublicKey Load(string path) => KeyFile.Load(path, Parse);

    /// <summary>
    /// The first launch key usable for a Windows password: an <c>ssh-rsa</c> key of at least 2048 bits, as
    /// cloudbase-init and EC2 require. Keys are OpenSSH lines as <see cref="Metadata.InstanceMetadata.PublicKeys"/> holds them.
    /// </summary>
    /// <exception cref="CloudException">No key, or none usable; the message says why each was rejected.</exception>
    public static RsaPublicKey SelectLaunchKey(IEnumerable<string> publicKeys)
    {
        ArgumentNullException.ThrowIfNull(publicKeys);
        var reasons = new List<string>();
        var index = 0;
        foreach (var line in publicKeys)
        {
            index++;
            try
            {
                return RsaPublicKey.Parse(line);
            }
            catch (CloudException e)
            {
                reasons.Add($"key {index}: {e.Message}");
            }
        }

        throw new CloudException(reasons.Count == 0
            ? "the instance has no launch key, so no password can be published (launch it with an RSA key pair)"
            : "no usable launch key: " + string.Join("; ", reasons));
    }

    /// <summary>A key from its modulus and exponent (unsigned big-endian).</summary>
    public static RsaPublicKey FromModulusAndExponent(ReadOnlySpan<byte> modulus, ReadOnlySpan<byte> exponent,
        string? comment = null) => Create("RSA public key", modulus, exponent, comment);

    /// <summary>
    /// A key from base64 modulus and exponent, as GCE's <c>windows-keys</c> entries give them. An exponent padded with
    /// trailing zero bytes (<c>AQABAA==</c>, which some clients send) reads as the same 65537 as <c>AQAB</c>.
    /// </summary>
    public static RsaPublicKey FromBase64ModulusAndExponent(string modulusBase64, string exponentBase64)
    {
        ArgumentNullException.ThrowIfNull(modulusBase64);
        ArgumentNullException.ThrowIfNull(exponentBase64);
        var modulus = DecodeBase64(modulusBase64, "modulus");
        var exponent = KeyMath.TrimLeadingZeros(DecodeBase64(exponentBase64, "exponent"));
        if (exponent.Length > 1 && exponent[^1] == 0)
        {
            // A valid RSA exponent is odd; trailing zero bytes can only be padding after a little-endian-looking
            // encoding of 65537 (AQABAA==), which protocols.md §3.5 says means 65537.
            var end = exponent.Length;
            while (end > 1 && exponent[end - 1] == 0)
            {
                end--;
            }

            exponent = exponent[..end];
        }

        return Create("RSA public key", modulus, exponent, null);
    }

    /// <summary>The key as an OpenSSH <c>authorized_keys</c> line (<c>ssh-rsa BASE64 [comment]</c>).</summary>
    public string ToOpenSshString()
    {
        var line = KeyTypes.SshRsa + " " + Convert.ToBase64String(ToSshBlob());
        return string.IsNullOrEmpty(Comment) ? line : line + " " + Comment;
    }

    /// <summary>The key as PEM SubjectPublicKeyInfo (<c>-----BEGIN PUBLIC KEY-----</c>), as openssl expects it.</summary>
    public string ToPem()
    {
        using var rsa = CreateRsa();
        return rsa.ExportSubjectPublicKeyInfoPem();
    }

    public bool Equals(RsaPublicKey? other) =>
        other is not null && _modulus.AsSpan().SequenceEqual(other._modulus) &&
        _exponent.AsSpan().SequenceEqual(other._exponent);

    public override bool Equals(object? obj) => Equals(obj as RsaPublicKey);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(_modulus);
        hash.AddBytes(_exponent);
        return hash.ToHashCode();
    }

    /// <summary>Describes the key without its material: size, fingerprint and comment.</summary>
    public override string ToString() =>
        $"RSA {KeySizeBits}-bit {Sha256Fingerprint}" + (string.IsNullOrEmpty(Comment) ? "" : " " + Comment);

    internal RSA CreateRsa()
    {
        var rsa = RSA.Create();
        try
        {
            rsa.ImportParameters(new RSAParameters { Modulus = _modulus, Exponent = _exponent });
        }
        catch (CryptographicException e)
        {
            rsa.Dispose();
            throw new CloudException($"RSA public key: the platform rejected the key: {e.Message}", e);
        }

        return rsa;
    }

    internal static RsaPublicKey Create(string what, ReadOnlySpan<byte> modulus, ReadOnlySpan<byte> exponent,
        string? comment)
    {
        var n = KeyMath.TrimLeadingZeros(modulus);
        var e = KeyMath.TrimLeadingZeros(exponent);
        KeyTypes.CheckSize(what, KeyMath.BitLength(n));
        if ((n[^1] & 1) == 0)
        {
            throw new CloudException($"{what}: the modulus is even, so it is not an RSA modulus");
        }

        if (e.IsEmpty || (e[^1] & 1) == 0 || (e.Length == 1 && e[0] < 3) || e.Length > 8)
        {
            throw new CloudException($"{what}: the public exponent is not a valid RSA exponent (odd, 3 or more, at most 64 bits)");
        }

        return new RsaPublicKey(n.ToArray(), e.ToArray(), string.IsNullOrWhiteSpace(comment) ? null : comment.Trim());
    }

    internal static RsaPublicKey FromParameters(string what, RSAParameters parameters, string? comment) =>
        Create(what, parameters.Modulus ?? [], parameters.Exponent ?? [], comment);

    /// <summary>Reads the SSH wire blob (<c>string type, mpint e, mpint n</c>) of a public key.</summary>
    internal static RsaPublicKey FromSshBlob(ReadOnlySpan<byte> blob, string what, string? comment)
    {
        var reader = new SshWireReader(blob, what);
        var type = reader.ReadAscii("key type");
        if (type != KeyTypes.SshRsa)
        {
            throw KeyTypes.NotRsa(what, KeyTypes.DescribeSshType(type) ?? $"'{type}'");
        }

        var e = reader.ReadPositiveMpint("public exponent");
        var n = reader.ReadPositiveMpint("modulus");
        if (reader.Remaining != 0)
        {
            throw new CloudException($"{what}: {reader.Remaining} unexpected bytes after the modulus");
        }

        return Create(what, n, e, comment);
    }

    internal byte[] ToSshBlob()
    {
        var type = Encoding.ASCII.GetBytes(KeyTypes.SshRsa);
        using var stream = new MemoryStream();
        WriteString(stream, type);
        WriteMpint(stream, _exponent);
        WriteMpint(stream, _modulus);
        return stream.ToArray();

        static void WriteString(MemoryStream s, ReadOnlySpan<byte> value)
        {
            Span<byte> length = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(length, (uint)value.Length);
            s.Write(length);
            s.Write(value);
        }

        static void WriteMpint(MemoryStream s, byte[] magnitude)
        {
            if (magnitude.Length > 0 && (magnitude[0] & 0x80) != 0)
            {
                var padded = new byte[magnitude.Length + 1];
                magnitude.CopyTo(padded, 1);
                WriteString(s, padded);
            }
            else
            {
                WriteString(s, magnitude);
            }
        }
    }

    private static RsaPublicKey ParseOpenSshLine(string text)
    {
        string? line = null;
        foreach (var raw in text.Split('\n'))
        {
            var candidate = raw.Trim();
            if (candidate.Length > 0 && !candidate.StartsWith('#'))
            {
                line = candidate;
                break;
            }
        }

        if (line is null)
        {
            throw new CloudException("public key: no key line found");
        }

        var tokens = SplitOutsideQuotes(line);
        for (var i = 0; i < tokens.Count; i++)
        {
            var description = KeyTypes.DescribeSshType(tokens[i]);
            if (description is null)
            {
                continue;
            }

            if (tokens[i] != KeyTypes.SshRsa)
            {
                throw KeyTypes.NotRsa($"public key '{tokens[i]}'", description);
            }

            if (i + 1 >= tokens.Count)
            {
                throw new CloudException("public key: 'ssh-rsa' is not followed by the base64 key");
            }

            var blob = DecodeBase64(tokens[i + 1], "ssh-rsa key");
            var comment = i + 2 < tokens.Count ? string.Join(' ', tokens.Skip(i + 2)) : null;
            return FromSshBlob(blob, "public key 'ssh-rsa'", comment);
        }

        throw new CloudException(
            "public key: not a recognised format (expected 'ssh-rsa AAAA…', '---- BEGIN SSH2 PUBLIC KEY ----' or " +
            "'-----BEGIN PUBLIC KEY-----')");
    }

    private static List<string> SplitOutsideQuotes(string line)
    {
        var tokens = new List<string>();
        var current = new StringBuilder();
        var quoted = false;
        foreach (var c in line)
        {
            if (c == '"')
            {
                quoted = !quoted;
            }

            if (!quoted && char.IsWhiteSpace(c))
            {
                if (current.Length > 0)
                {
                    tokens.Add(current.ToString());
                    current.Clear();
                }
            }
            else
            {
                current.Append(c);
            }
        }

        if (current.Length > 0)
        {
            tokens.Add(current.ToString());
        }

        return tokens;
    }

    private static RsaPublicKey ParseRfc4716(string text)
    {
        var lines = text.Replace("\r", "", StringComparison.Ordinal).Split('\n');
        var begin = Array.FindIndex(lines, l => l.Trim() == "---- BEGIN SSH2 PUBLIC KEY ----");
        var end = Array.FindIndex(lines, begin + 1, l => l.Trim() == "---- END SSH2 PUBLIC KEY ----");
        if (end < 0)
        {
            throw new CloudException("RFC 4716 public key: '---- END SSH2 PUBLIC KEY ----' is missing");
        }

        string? comment = null;
        var body = new StringBuilder();
        var continuing = false;
        for (var i = begin + 1; i < end; i++)
        {
            var line = lines[i].Trim();
            if (continuing || line.Contains(':', StringComparison.Ordinal))
            {
                // A header ("Tag: value"), possibly continued on the next line by a trailing backslash.
                if (!continuing && line.StartsWith("Comment:", StringComparison.OrdinalIgnoreCase))
                {
                    comment = line["Comment:".Length..].Trim().Trim('"');
                }

                continuing = line.EndsWith('\\');
                continue;
            }

            body.Append(line);
        }

        var blob = DecodeBase64(body.ToString(), "RFC 4716 public key");
        return FromSshBlob(blob, "RFC 4716 public key", comment);
    }

    private static RsaPublicKey ParsePem(string text)
    {
        var found = PemReader.FindFirst(text);
        switch (found.Label)
        {
            case "RSA PUBLIC KEY":
            {
                using var rsa = RSA.Create();
                try
                {
                    rsa.ImportRSAPublicKey(found.Data, out _);
                }
                catch (CryptographicException e)
                {
                    throw new CloudException($"PEM 'RSA PUBLIC KEY': not a valid PKCS#1 RSA public key: {e.Message}", e);
                }

                return FromParameters("PEM 'RSA PUBLIC KEY'", rsa.ExportParameters(false), null);
            }

            case "PUBLIC KEY":
            {
                var oid = PemReader.ReadSpkiAlgorithm(found.Data, "PEM 'PUBLIC KEY'");
                if (oid != KeyTypes.RsaOid)
                {
                    throw KeyTypes.NotRsa("PEM 'PUBLIC KEY'", KeyTypes.DescribeOid(oid));
                }

                using var rsa = RSA.Create();
                try
                {
                    rsa.ImportSubjectPublicKeyInfo(found.Data, out _);
                }
                catch (CryptographicException e)
                {
                    throw new CloudException($"PEM 'PUBLIC KEY': not a valid RSA public key: {e.Message}", e);
                }

                return FromParameters("PEM 'PUBLIC KEY'", rsa.ExportParameters(false), null);
            }

            case var label when label.EndsWith("PRIVATE KEY", StringComparison.Ordinal):
                using (var privateKey = RsaPrivateKey.Parse(text))
                {
                    return privateKey.PublicKey;
                }

            default:
                throw new CloudException(
                    $"PEM '{found.Label}' is not a key format Reseal reads (expected 'PUBLIC KEY' or 'RSA PUBLIC KEY')");
        }
    }

    private static byte[] DecodeBase64(string text, string what) =>
        Base64Text.TryDecode(text) ?? throw new CloudException($"{what}: not valid base64");
}
