namespace Reseal.Cloud.Keys;

/// <summary>Names of key algorithms, so a rejected key can be described to the user in words they recognise.</summary>
internal static class KeyTypes
{
    public const string SshRsa = "ssh-rsa";

    public const string RsaOid = "1.2.840.113549.1.1.1";

    /// <summary>Human name for an SSH key type string such as <c>ssh-ed25519</c>, or null when it is not a key type.</summary>
    public static string? DescribeSshType(string type) => type switch
    {
        "ssh-rsa" => "RSA",
        "ssh-ed25519" => "Ed25519",
        "ssh-ed448" => "Ed448",
        "ssh-dss" => "DSA",
        "ecdsa-sha2-nistp256" => "ECDSA P-256",
        "ecdsa-sha2-nistp384" => "ECDSA P-384",
        "ecdsa-sha2-nistp521" => "ECDSA P-521",
        "sk-ssh-ed25519@openssh.com" => "Ed25519 security key (FIDO)",
        "sk-ecdsa-sha2-nistp256@openssh.com" => "ECDSA security key (FIDO)",
        _ when type.EndsWith("-cert-v01@openssh.com", StringComparison.Ordinal) => "OpenSSH certificate",
        _ => null,
    };

    /// <summary>Human name for an X.509/PKCS#8 algorithm OID.</summary>
    public static string DescribeOid(string oid) => oid switch
    {
        RsaOid => "RSA",
        "1.2.840.113549.1.1.10" => "RSA-PSS",
        "1.2.840.10045.2.1" => "ECDSA",
        "1.3.101.112" => "Ed25519",
        "1.3.101.113" => "Ed448",
        "1.3.101.110" => "X25519",
        "1.2.840.10040.4.1" => "DSA",
        _ => "algorithm " + oid,
    };

    public static CloudException NotRsa(string what, string typeDescription) =>
        new($"{what} is a {typeDescription} key; Windows password exchange (EC2, OpenStack, GCE) needs an RSA key " +
            $"of at least {RsaPublicKey.MinimumKeySizeBits} bits");

    public static void CheckSize(string what, int bits)
    {
        if (bits < RsaPublicKey.MinimumKeySizeBits)
        {
            throw new CloudException(
                $"{what} is a {bits}-bit RSA key; at least {RsaPublicKey.MinimumKeySizeBits} bits are required");
        }

        if (bits > RsaPublicKey.MaximumKeySizeBits)
        {
            throw new CloudException(
                $"{what} is a {bits}-bit RSA key; keys over {RsaPublicKey.MaximumKeySizeBits} bits are not accepted");
        }
    }
}
