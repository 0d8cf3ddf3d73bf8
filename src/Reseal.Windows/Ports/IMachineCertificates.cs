using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Reseal.Windows.Ports;

/// <summary>
/// The machine's own certificates: the LocalMachine\My store (what the Certificates snap-in calls "Local Computer,
/// Personal"), where services such as WinRM's HTTPS listener find a certificate by its thumbprint. A certificate made
/// here keeps its private key as a persisted, non-exportable machine key, so the service account can use it and no one
/// can copy it off the machine.
/// </summary>
public interface IMachineCertificates
{
    /// <summary>The certificates in LocalMachine\My.</summary>
    IReadOnlyList<MachineCertificate> List();

    /// <summary>
    /// Makes a self-signed server certificate as <paramref name="request"/> says, with a new RSA key persisted as a
    /// non-exportable machine key, and adds it to LocalMachine\My. Either both are there afterwards or neither is.
    /// </summary>
    /// <exception cref="CryptographicException">The key or the certificate could not be made or stored.</exception>
    /// <exception cref="PlatformNotSupportedException">The machine has no certificate store to write (an offline tree).</exception>
    MachineCertificate CreateSelfSigned(SelfSignedCertificateRequest request);

    /// <summary>Removes the certificate with this thumbprint and deletes its private key; false when there is none.</summary>
    /// <exception cref="CryptographicException">It could not be removed.</exception>
    bool Remove(string thumbprint);
}

/// <summary>What a self-signed server certificate is made for; validated here, at the edge.</summary>
public sealed record SelfSignedCertificateRequest
{
    /// <summary>The smallest RSA key accepted (NIST SP 800-131A: 2048 bits and up).</summary>
    public const int MinKeySize = 2048;

    private SelfSignedCertificateRequest(string commonName, IReadOnlyList<string> dnsNames, IReadOnlyList<IPAddress> addresses,
        DateTimeOffset notBefore, DateTimeOffset notAfter, string friendlyName, int keySize) =>
        (CommonName, DnsNames, IPAddresses, NotBefore, NotAfter, FriendlyName, KeySize) =
        (commonName, dnsNames, addresses, notBefore, notAfter, friendlyName, keySize);

    /// <summary>The subject's CN (the host name clients connect to).</summary>
    public string CommonName { get; }

    /// <summary>The DNS names of the subject alternative name extension (the CN first).</summary>
    public IReadOnlyList<string> DnsNames { get; }

    /// <summary>The IP addresses of the subject alternative name extension.</summary>
    public IReadOnlyList<IPAddress> IPAddresses { get; }

    /// <summary>Valid from.</summary>
    public DateTimeOffset NotBefore { get; }

    /// <summary>Valid until.</summary>
    public DateTimeOffset NotAfter { get; }

    /// <summary>The name the store shows, which also marks the certificate as one Reseal made.</summary>
    public string FriendlyName { get; }

    /// <summary>The RSA key size in bits.</summary>
    public int KeySize { get; }

    /// <summary>
    /// A request for <paramref name="commonName"/> and the other <paramref name="dnsNames"/> (duplicates dropped), valid
    /// for <paramref name="validityDays"/> from <paramref name="now"/> less five minutes (a client whose clock is a little
    /// behind still accepts it).
    /// </summary>
    /// <exception cref="ArgumentException">A name is not a DNS name, the validity is not 1 to 3650 days, or the key is under 2048 bits.</exception>
    public static SelfSignedCertificateRequest Create(string commonName, IEnumerable<string> dnsNames, IEnumerable<IPAddress> addresses,
        DateTimeOffset now, int validityDays, string friendlyName, int keySize = MinKeySize)
    {
        ArgumentNullException.ThrowIfNull(dnsNames);
        ArgumentNullException.ThrowIfNull(addresses);
        ArgumentException.ThrowIfNullOrWhiteSpace(friendlyName);
        if (DnsNameProblem(commonName) is { } problem)
        {
            throw new ArgumentException($"the certificate's name '{commonName}' {problem}", nameof(commonName));
        }

        if (validityDays is < 1 or > 3650)
        {
            throw new ArgumentException($"a validity of {validityDays.ToString(CultureInfo.InvariantCulture)} days is not 1 to 3650", nameof(validityDays));
        }

        if (keySize < MinKeySize)
        {
            throw new ArgumentException($"an RSA key of {keySize.ToString(CultureInfo.InvariantCulture)} bits is under {MinKeySize}", nameof(keySize));
        }

        var names = new List<string> { commonName };
        foreach (var name in dnsNames)
        {
            if (DnsNameProblem(name) is { } nameProblem)
            {
                throw new ArgumentException($"the certificate's name '{name}' {nameProblem}", nameof(dnsNames));
            }

            if (!names.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                names.Add(name);
            }
        }

        var start = now.ToUniversalTime().AddMinutes(-5);
        return new SelfSignedCertificateRequest(commonName, names, [.. addresses.Distinct()], start, start.AddDays(validityDays), friendlyName, keySize);
    }

    /// <summary>Why <paramref name="name"/> is not a DNS host name (RFC 1123 labels of letters, digits and hyphens), or null.</summary>
    public static string? DnsNameProblem(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return "is empty";
        }

        if (name.Length > 253)
        {
            return "is longer than 253 characters";
        }

        foreach (var label in name.Split('.'))
        {
            if (label.Length is 0 or > 63)
            {
                return "has an empty label or one longer than 63 characters";
            }

            if (!label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-') || label[0] == '-' || label[^1] == '-')
            {
                return "is not a DNS name (labels of ASCII letters, digits and inner hyphens)";
            }
        }

        return null;
    }
}

/// <summary>A certificate in the machine's store, as far as choosing one for a server needs.</summary>
/// <param name="Thumbprint">The SHA-1 hash of the certificate, upper-case hex (what WinRM's <c>CertificateThumbprint</c> names).</param>
/// <param name="Subject">The subject's distinguished name.</param>
/// <param name="DnsNames">The DNS names of its subject alternative name extension.</param>
/// <param name="NotBefore">Valid from.</param>
/// <param name="NotAfter">Valid until.</param>
/// <param name="HasPrivateKey">The store holds its private key.</param>
/// <param name="ServerAuthentication">Its extended key usage allows server authentication (or it has no such extension).</param>
/// <param name="FriendlyName">The name the store shows, or null.</param>
/// <param name="RawData">The DER encoding (public; for checks and tests).</param>
public sealed record MachineCertificate(string Thumbprint, string Subject, IReadOnlyList<string> DnsNames, DateTimeOffset NotBefore,
    DateTimeOffset NotAfter, bool HasPrivateKey, bool ServerAuthentication, string? FriendlyName, ReadOnlyMemory<byte> RawData)
{
    /// <summary>The server authentication purpose (RFC 5280 id-kp-serverAuth).</summary>
    public const string ServerAuthenticationOid = "1.3.6.1.5.5.7.3.1";

    /// <summary>True when it can serve TLS at <paramref name="now"/>: within its validity, private key present, server authentication allowed.</summary>
    public bool UsableForServerAt(DateTimeOffset now) => HasPrivateKey && ServerAuthentication && NotBefore <= now && now < NotAfter;

    /// <summary>What a certificate says about itself; <paramref name="friendlyName"/> overrides its own (which only Windows stores).</summary>
    public static MachineCertificate From(X509Certificate2 certificate, string? friendlyName = null)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var names = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().SelectMany(e => e.EnumerateDnsNames()).ToList();
        var usages = certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().ToList();
        var server = usages.Count == 0 || usages.Any(u => u.EnhancedKeyUsages.Cast<Oid>().Any(o => o.Value == ServerAuthenticationOid));
        var stored = OperatingSystem.IsWindows() ? certificate.FriendlyName : null;
        return new MachineCertificate(certificate.Thumbprint, certificate.Subject, names, new DateTimeOffset(certificate.NotBefore.ToUniversalTime(), TimeSpan.Zero),
            new DateTimeOffset(certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero), certificate.HasPrivateKey, server,
            friendlyName ?? (string.IsNullOrEmpty(stored) ? null : stored), certificate.RawData);
    }
}

/// <summary>Makes the self-signed certificate of a request with a given key; the same on every OS, so tests check what Windows gets.</summary>
public static class SelfSignedCertificates
{
    /// <summary>
    /// A certificate for <paramref name="request"/> signed by <paramref name="key"/> (SHA-256, PKCS#1 v1.5): subject CN,
    /// SAN with the DNS names and addresses, EKU server authentication, key usage digital signature and key encipherment
    /// (what TLS with an RSA key uses), basic constraints not a CA, a random serial number. The result carries
    /// the key (for a persisted key: a link to it, not a copy).
    /// </summary>
    public static X509Certificate2 Create(RSA key, SelfSignedCertificateRequest request)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(request);
        var subject = new X500DistinguishedNameBuilder();
        subject.AddCommonName(request.CommonName);
        var certificate = new CertificateRequest(subject.Build(), key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var alternative = new SubjectAlternativeNameBuilder();
        foreach (var name in request.DnsNames)
        {
            alternative.AddDnsName(name);
        }

        foreach (var address in request.IPAddresses)
        {
            alternative.AddIpAddress(address);
        }

        certificate.CertificateExtensions.Add(alternative.Build());
        certificate.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(MachineCertificate.ServerAuthenticationOid)], critical: false));
        certificate.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, critical: true));
        certificate.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, critical: true));
        certificate.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(certificate.PublicKey, critical: false));
        // CreateSelfSigned signs with the same key, gives a random serial number and returns the certificate with the key
        // attached (for a persisted CNG key: a link to the named key, which the store keeps).
        return certificate.CreateSelfSigned(request.NotBefore, request.NotAfter);
    }
}
