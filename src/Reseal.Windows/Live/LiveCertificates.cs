using System.Runtime.Versioning;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Reseal.Windows.Ports;

namespace Reseal.Windows.Live;

/// <summary>
/// LocalMachine\My through .NET's <see cref="X509Store"/> (CertOpenStore and friends underneath) and the key through
/// CNG: the Microsoft Software Key Storage Provider, a machine key (<c>NCRYPT_MACHINE_KEY_FLAG</c>, so LocalSystem and
/// services such as WinRM can use it), export policy none (the private key can never be exported).
/// </summary>
[SupportedOSPlatform("windows")]
internal sealed class LiveCertificates : IMachineCertificates
{
    public IReadOnlyList<MachineCertificate> List()
    {
        using var store = new X509Store(StoreName.My, StoreLocation.LocalMachine);
        store.Open(OpenFlags.ReadOnly | OpenFlags.OpenExistingOnly);
        var certificates = store.Certificates;
        try
        {
            return [.. certificates.Select(c => MachineCertificate.From(c))];
        }
        finally
        {
            foreach (var certificate in certificates)
            {
                certificate.Dispose();
            }
        }
    }

    public MachineCertificate CreateSelfSigned(SelfSignedCertificateRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var parameters = new CngKeyCreationParameters
        {
            Provider = CngProvider.MicrosoftSoftwareKeyStorageProvider,
            KeyCreationOptions = CngKeyCreationOptions.MachineKey,
            ExportPolicy = CngExportPolicies.None,
            KeyUsage = CngKeyUsages.AllUsages,
        };
        parameters.Parameters.Add(new CngProperty("Length", BitConverter.GetBytes(request.KeySize), CngPropertyOptions.None));

        // A new name each time: a key container is never shared with (or overwritten over) another certificate's.
        using var key = CngKey.Create(CngAlgorithm.Rsa, "Reseal-" + Guid.NewGuid().ToString("N"), parameters);
        try
        {
            using var rsa = new RSACng(key);
            using var certificate = SelfSignedCertificates.Create(rsa, request);
            certificate.FriendlyName = request.FriendlyName;
            using var store = new X509Store(StoreName.My, StoreLocation.LocalMachine);
            store.Open(OpenFlags.ReadWrite);
            store.Add(certificate);
            return MachineCertificate.From(certificate, request.FriendlyName);
        }
        catch
        {
            // Nothing is left behind: the persisted key of a certificate that never reached the store is deleted.
            key.Delete();
            throw;
        }
    }

    public bool Remove(string thumbprint)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(thumbprint);
        using var store = new X509Store(StoreName.My, StoreLocation.LocalMachine);
        store.Open(OpenFlags.ReadWrite | OpenFlags.OpenExistingOnly);
        var found = store.Certificates.Find(X509FindType.FindByThumbprint, thumbprint, validOnly: false);
        try
        {
            if (found.Count == 0)
            {
                return false;
            }

            foreach (var certificate in found)
            {
                store.Remove(certificate);
                using var rsa = certificate.GetRSAPrivateKey();
                if (rsa is RSACng cng)
                {
                    cng.Key.Delete();
                }
            }

            return true;
        }
        finally
        {
            foreach (var certificate in found)
            {
                certificate.Dispose();
            }
        }
    }
}
