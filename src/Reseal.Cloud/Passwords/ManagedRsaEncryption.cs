using System.Buffers.Binary;
using System.Numerics;
using System.Security.Cryptography;
using Reseal.Cloud.Keys;

namespace Reseal.Cloud.Passwords;

/// <summary>
/// The RSA public-key encryption schemes of RFC 8017, written in managed code for platforms whose RSA provider cannot
/// encrypt (Wine's CNG fails with <c>0xc1000002</c> even for an imported public key): RSAES-PKCS1-v1_5 (§7.2.1) and
/// RSAES-OAEP (§7.1.1) with MGF1 over the same hash and an empty label. Public keys only: nothing here decrypts or
/// touches a private key; decryption stays on the platform's RSA.
/// </summary>
/// <remarks>
/// Randomness comes only from <see cref="RandomNumberGenerator"/>. The encoded message and every intermediate buffer
/// are zeroed after use; the copies <see cref="BigInteger"/> keeps internally cannot be, which is acceptable for a
/// one-time password that is published encrypted anyway.
/// </remarks>
internal static class ManagedRsaEncryption
{
    /// <summary>RSAES-PKCS1-v1_5 overhead: 0x00 0x02, at least 8 octets of PS, 0x00 (RFC 8017 §7.2.1 step 1).</summary>
    public const int Pkcs1Overhead = 11;

    /// <summary>Smallest PS length of RSAES-PKCS1-v1_5.</summary>
    public const int Pkcs1MinimumPaddingLength = 8;

    /// <summary>Encrypts <paramref name="message"/> to <paramref name="key"/> with the scheme of <paramref name="padding"/>.</summary>
    /// <returns>The ciphertext, exactly k bytes (k = byte length of the modulus).</returns>
    /// <exception cref="CloudException">The message is too long for the key and padding, or the key is unusable.</exception>
    public static byte[] Encrypt(RsaPublicKey key, ReadOnlySpan<byte> message, PasswordPadding padding)
    {
        ArgumentNullException.ThrowIfNull(key);
        return padding switch
        {
            PasswordPadding.Pkcs1 => EncryptPkcs1(key, message),
            PasswordPadding.OaepSha1 => EncryptOaep(key, message, HashAlgorithmName.SHA1),
            PasswordPadding.OaepSha256 => EncryptOaep(key, message, HashAlgorithmName.SHA256),
            PasswordPadding.OaepSha512 => EncryptOaep(key, message, HashAlgorithmName.SHA512),
            _ => throw new ArgumentOutOfRangeException(nameof(padding), padding, null),
        };
    }

    /// <summary>RSAES-PKCS1-V1_5-ENCRYPT((n, e), M) (RFC 8017 §7.2.1).</summary>
    /// <exception cref="CloudException">mLen &gt; k − 11 ("message too long"), or the key is unusable.</exception>
    public static byte[] EncryptPkcs1(RsaPublicKey key, ReadOnlySpan<byte> message)
    {
        ArgumentNullException.ThrowIfNull(key);
        var publicKey = PublicKeyValues.From(key);
        var k = publicKey.Length;

        // 1. Length checking.
        if (message.Length > k - Pkcs1Overhead)
        {
            throw new CloudException(
                $"RSA PKCS#1 v1.5: message too long: {message.Length} bytes, but a {key.KeySizeBits}-bit key " +
                $"(k = {k}) holds at most k - 11 = {k - Pkcs1Overhead}");
        }

        // 2. EME-PKCS1-v1_5 encoding: EM = 0x00 || 0x02 || PS || 0x00 || M, PS = k - mLen - 3 nonzero random octets.
        var em = new byte[k];
        try
        {
            var psLength = k - message.Length - 3;
            em[0] = 0x00;
            em[1] = 0x02;
            FillNonZeroRandom(em.AsSpan(2, psLength));
            em[2 + psLength] = 0x00;
            message.CopyTo(em.AsSpan(3 + psLength));

            // 3. RSA encryption.
            return Rsaep(publicKey, em);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(em);
        }
    }

    /// <summary>RSAES-OAEP-ENCRYPT((n, e), M, L = empty) with MGF1 over <paramref name="hash"/> (RFC 8017 §7.1.1).</summary>
    /// <exception cref="CloudException">mLen &gt; k − 2hLen − 2 ("message too long"), or the key is unusable.</exception>
    public static byte[] EncryptOaep(RsaPublicKey key, ReadOnlySpan<byte> message, HashAlgorithmName hash)
    {
        ArgumentNullException.ThrowIfNull(key);
        var hLen = HashLength(hash);
        var publicKey = PublicKeyValues.From(key);
        var k = publicKey.Length;

        // 1. Length checking (the label is empty, so its length limit cannot be reached).
        var limit = k - (2 * hLen) - 2;
        if (message.Length > limit)
        {
            throw new CloudException(
                $"RSA OAEP-{hash.Name}: message too long: {message.Length} bytes, but a {key.KeySizeBits}-bit key " +
                $"(k = {k}, hLen = {hLen}) holds at most k - 2hLen - 2 = {limit}");
        }

        // 2. EME-OAEP encoding.
        var dbLength = k - hLen - 1;
        var em = new byte[k];
        var db = new byte[dbLength];
        var seed = new byte[hLen];
        var dbMask = new byte[dbLength];
        var seedMask = new byte[hLen];
        try
        {
            // a. lHash = Hash(L), L the empty string.
            var lHash = db.AsSpan(0, hLen);
            CryptographicOperations.HashData(hash, ReadOnlySpan<byte>.Empty, lHash);

            // b, c. DB = lHash || PS || 0x01 || M, PS being k - mLen - 2hLen - 2 zero octets (already zero).
            var psLength = k - message.Length - (2 * hLen) - 2;
            db[hLen + psLength] = 0x01;
            message.CopyTo(db.AsSpan(hLen + psLength + 1));

            // d. A random octet string seed of length hLen.
            RandomNumberGenerator.Fill(seed);

            // e, f. dbMask = MGF(seed, k - hLen - 1); maskedDB = DB xor dbMask.
            Mgf1(hash, seed, dbMask);
            var maskedDb = em.AsSpan(1 + hLen, dbLength);
            Xor(db, dbMask, maskedDb);

            // g, h. seedMask = MGF(maskedDB, hLen); maskedSeed = seed xor seedMask.
            Mgf1(hash, maskedDb, seedMask);
            Xor(seed, seedMask, em.AsSpan(1, hLen));

            // i. EM = 0x00 || maskedSeed || maskedDB.
            em[0] = 0x00;

            // 3. RSA encryption.
            return Rsaep(publicKey, em);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(em);
            CryptographicOperations.ZeroMemory(db);
            CryptographicOperations.ZeroMemory(seed);
            CryptographicOperations.ZeroMemory(dbMask);
            CryptographicOperations.ZeroMemory(seedMask);
        }
    }

    /// <summary>The largest message <paramref name="padding"/> holds for a k-byte modulus.</summary>
    public static int MaximumMessageLength(int k, PasswordPadding padding) => padding switch
    {
        PasswordPadding.Pkcs1 => k - Pkcs1Overhead,
        PasswordPadding.OaepSha1 => k - (2 * 20) - 2,
        PasswordPadding.OaepSha256 => k - (2 * 32) - 2,
        PasswordPadding.OaepSha512 => k - (2 * 64) - 2,
        _ => throw new ArgumentOutOfRangeException(nameof(padding), padding, null),
    };

    /// <summary>
    /// RSAEP then I2OSP: the encoded message <paramref name="em"/> (k octets) as an integer m (OS2IP), c = m^e mod n,
    /// c as exactly k octets, leading zeros kept.
    /// </summary>
    /// <exception cref="CloudException">em is not k octets, or m is not in [0, n − 1] ("message representative out of range").</exception>
    internal static byte[] Rsaep(RsaPublicKey key, ReadOnlySpan<byte> em)
    {
        ArgumentNullException.ThrowIfNull(key);
        return Rsaep(PublicKeyValues.From(key), em);
    }

    /// <summary>OS2IP (RFC 8017 §4.2): octets, most significant first, to a nonnegative integer.</summary>
    internal static BigInteger Os2ip(ReadOnlySpan<byte> octets) => new(octets, isUnsigned: true, isBigEndian: true);

    /// <summary>I2OSP (RFC 8017 §4.1): a nonnegative integer to exactly <paramref name="length"/> octets, leading zeros kept.</summary>
    /// <exception cref="CloudException">The integer is negative or needs more than <paramref name="length"/> octets ("integer too large").</exception>
    internal static byte[] I2osp(BigInteger x, int length)
    {
        if (x.Sign < 0)
        {
            throw new CloudException("RSA I2OSP: the integer is negative");
        }

        var output = new byte[length];
        if (x.IsZero)
        {
            return output;
        }

        var needed = x.GetByteCount(isUnsigned: true);
        if (needed > length)
        {
            throw new CloudException($"RSA I2OSP: integer too large ({needed} octets for a {length}-octet string)");
        }

        if (!x.TryWriteBytes(output.AsSpan(length - needed), out var written, isUnsigned: true, isBigEndian: true) ||
            written != needed)
        {
            throw new CloudException("RSA I2OSP: the integer could not be written");
        }

        return output;
    }

    /// <summary>MGF1 (RFC 8017 §B.2.1): fills <paramref name="mask"/> with Hash(seed || I2OSP(counter, 4)) blocks.</summary>
    internal static void Mgf1(HashAlgorithmName hash, ReadOnlySpan<byte> seed, Span<byte> mask)
    {
        var hLen = HashLength(hash);

        // maskLen > 2^32 hLen cannot happen: a Span is shorter than 2^31.
        var input = new byte[seed.Length + 4];
        var block = new byte[hLen];
        try
        {
            seed.CopyTo(input);
            var counter = 0u;
            for (var offset = 0; offset < mask.Length; offset += hLen, counter++)
            {
                BinaryPrimitives.WriteUInt32BigEndian(input.AsSpan(seed.Length), counter);
                CryptographicOperations.HashData(hash, input, block);
                var take = Math.Min(hLen, mask.Length - offset);
                block.AsSpan(0, take).CopyTo(mask[offset..]);
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(input);
            CryptographicOperations.ZeroMemory(block);
        }
    }

    internal static int HashLength(HashAlgorithmName hash) =>
        hash == HashAlgorithmName.SHA1 ? 20
        : hash == HashAlgorithmName.SHA256 ? 32
        : hash == HashAlgorithmName.SHA512 ? 64
        : throw new ArgumentOutOfRangeException(nameof(hash), hash.Name, "OAEP uses SHA-1, SHA-256 or SHA-512");

    private static byte[] Rsaep(PublicKeyValues key, ReadOnlySpan<byte> em)
    {
        if (em.Length != key.Length)
        {
            throw new CloudException($"RSA encryption: the encoded message is {em.Length} octets, not k = {key.Length}");
        }

        // 3a. m = OS2IP(EM); RSAEP step 1: m must be between 0 and n - 1.
        var m = Os2ip(em);
        if (m >= key.N)
        {
            throw new CloudException("RSA encryption: message representative out of range");
        }

        // RSAEP step 2: c = m^e mod n; 3c. C = I2OSP(c, k).
        var c = BigInteger.ModPow(m, key.E, key.N);
        return I2osp(c, key.Length);
    }

    /// <summary>Fills <paramref name="destination"/> with uniformly random octets from 1 to 255.</summary>
    private static void FillNonZeroRandom(Span<byte> destination)
    {
        RandomNumberGenerator.Fill(destination);
        Span<byte> one = stackalloc byte[1];
        for (var i = 0; i < destination.Length; i++)
        {
            while (destination[i] == 0)
            {
                RandomNumberGenerator.Fill(one);
                destination[i] = one[0];
            }
        }

        CryptographicOperations.ZeroMemory(one);
    }

    private static void Xor(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, Span<byte> destination)
    {
        for (var i = 0; i < destination.Length; i++)
        {
            destination[i] = (byte)(a[i] ^ b[i]);
        }
    }

    /// <summary>n, e and k of a public key, with the sanity checks encryption relies on.</summary>
    private readonly record struct PublicKeyValues(BigInteger N, BigInteger E, int Length)
    {
        public static PublicKeyValues From(RsaPublicKey key)
        {
            // RsaPublicKey already refuses keys under 2048 bits, even moduli and bad exponents; these checks keep the
            // arithmetic safe even if that ever changes.
            var modulus = KeyMath.TrimLeadingZeros(key.Modulus.Span);
            var bits = KeyMath.BitLength(modulus);
            if (bits < RsaPublicKey.MinimumKeySizeBits || bits > RsaPublicKey.MaximumKeySizeBits)
            {
                throw new CloudException(
                    $"RSA encryption: a {bits}-bit modulus is outside {RsaPublicKey.MinimumKeySizeBits}-{RsaPublicKey.MaximumKeySizeBits} bits");
            }

            if ((modulus[^1] & 1) == 0)
            {
                throw new CloudException("RSA encryption: the modulus is even, so it is not an RSA modulus");
            }

            var n = Os2ip(modulus);
            var e = Os2ip(key.Exponent.Span);
            if (e <= BigInteger.One || e.IsEven || e >= n)
            {
                throw new CloudException("RSA encryption: the public exponent is not a valid RSA exponent (odd, more than 1, less than n)");
            }

            return new PublicKeyValues(n, e, modulus.Length);
        }
    }
}
