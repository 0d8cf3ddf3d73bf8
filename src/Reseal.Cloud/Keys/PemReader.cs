using System.Formats.Asn1;
using System.Security.Cryptography;

namespace Reseal.Cloud.Keys;

/// <summary>Finds PEM blocks (RFC 7468) and reads the algorithm identifiers of SPKI and PKCS#8 structures.</summary>
internal static class PemReader
{
    public readonly record struct PemBlock(string Label, byte[] Data);

    public static PemBlock FindFirst(string text)
    {
        if (text.StartsWith("PuTTY-User-Key-File", StringComparison.Ordinal))
        {
            throw new CloudException(
                "PuTTY .ppk keys are not read; convert it with 'puttygen KEY.ppk -O private-openssh -o KEY.pem'");
        }

        if (text.Contains("Proc-Type: 4,ENCRYPTED", StringComparison.Ordinal))
        {
            throw new CloudException(
                "the PEM private key is encrypted with a passphrase; decrypt it first " +
                "('openssl rsa -in KEY -out KEY.plain' or 'ssh-keygen -p -N \"\" -f KEY')");
        }

        if (!PemEncoding.TryFind(text, out var fields))
        {
            throw new CloudException("PEM: no complete '-----BEGIN …-----' / '-----END …-----' block with valid base64 was found");
        }

        var label = text[fields.Label].ToString();
        var data = new byte[fields.DecodedDataLength];
        if (!Convert.TryFromBase64Chars(text.AsSpan()[fields.Base64Data], data, out var written))
        {
            throw new CloudException($"PEM '{label}': the base64 body is invalid");
        }

        return new PemBlock(label, data.AsSpan(0, written).ToArray());
    }

    /// <summary>SubjectPublicKeyInfo ::= SEQUENCE { algorithm AlgorithmIdentifier, subjectPublicKey BIT STRING }.</summary>
    public static string ReadSpkiAlgorithm(byte[] der, string what)
    {
        try
        {
            var reader = new AsnReader(der, AsnEncodingRules.DER);
            var spki = reader.ReadSequence();
            var algorithm = spki.ReadSequence();
            return algorithm.ReadObjectIdentifier();
        }
        catch (AsnContentException e)
        {
            throw new CloudException($"{what}: not a valid SubjectPublicKeyInfo: {e.Message}", e);
        }
    }

    /// <summary>PrivateKeyInfo ::= SEQUENCE { version INTEGER, privateKeyAlgorithm AlgorithmIdentifier, privateKey OCTET STRING, … }.</summary>
    public static string ReadPkcs8Algorithm(byte[] der, string what)
    {
        try
        {
            var reader = new AsnReader(der, AsnEncodingRules.DER);
            var info = reader.ReadSequence();
            _ = info.ReadInteger();
            var algorithm = info.ReadSequence();
            return algorithm.ReadObjectIdentifier();
        }
        catch (AsnContentException e)
        {
            throw new CloudException($"{what}: not a valid PKCS#8 PrivateKeyInfo: {e.Message}", e);
        }
    }
}
