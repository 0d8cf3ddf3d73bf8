using System.Collections.Concurrent;

using Xunit;
namespace Reseal.TestSupport;

/// <summary>
/// Keys made by the real tools (ssh-keygen, openssl), generated once per test run and shared; each test that needs
/// a tool skips when it is missing.
/// </summary>
public static class KeyFiles
{
    private static readonly TempDirectory Folder = CreateFolder();
    private static readonly ConcurrentDictionary<string, Lazy<string>> Cache = new();

    public static string Directory => Folder.Path;

    /// <summary>Private key file from <c>ssh-keygen -t TYPE -b BITS [-m FORMAT] -N PASSPHRASE</c>; ".pub" beside it.</summary>
    public static string SshKeygen(string type, int bits, string? format = null, string passphrase = "")
    {
        var tool = ExternalTool.Require("ssh-keygen", "openssh-client");
        var name = $"ssh-{type}-{bits}-{format ?? "default"}-{(passphrase.Length > 0 ? "enc" : "plain")}";
        return Cache.GetOrAdd(name, n => new Lazy<string>(() =>
        {
            var path = Path.Combine(Folder.Path, n);
            var args = new List<string> { "-q", "-t", type, "-N", passphrase, "-C", "test@reseal", "-f", path };
            if (bits > 0)
            {
                args.AddRange(["-b", bits.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            }

            if (format is not null)
            {
                args.AddRange(["-m", format]);
            }

            Check(ExternalTool.Run(tool, args), "ssh-keygen");
            return path;
        })).Value;
    }

    /// <summary>PKCS#8 private key from <c>openssl genpkey -algorithm RSA</c>.</summary>
    public static string OpenSslGenpkey(int bits)
    {
        var tool = ExternalTool.Require("openssl", "openssl");
        return Cache.GetOrAdd($"openssl-rsa-{bits}", n => new Lazy<string>(() =>
        {
            var path = Path.Combine(Folder.Path, n + ".pem");
            Check(ExternalTool.Run(tool, ["genpkey", "-algorithm", "RSA", "-pkeyopt", $"rsa_keygen_bits:{bits}", "-out", path]),
                "openssl genpkey");
            return path;
        })).Value;
    }

    /// <summary>Runs openssl and fails the test with its error output when it fails.</summary>
    public static ProcessResult OpenSsl(params string[] args)
    {
        var tool = ExternalTool.Require("openssl", "openssl");
        var result = ExternalTool.Run(tool, args);
        Check(result, "openssl " + string.Join(' ', args));
        return result;
    }

    /// <summary>Runs ssh-keygen and fails the test with its error output when it fails.</summary>
    public static ProcessResult SshKeygenRun(params string[] args)
    {
        var tool = ExternalTool.Require("ssh-keygen", "openssh-client");
        var result = ExternalTool.Run(tool, args);
        Check(result, "ssh-keygen " + string.Join(' ', args));
        return result;
    }

    public static string NewPath(string name) => Path.Combine(Folder.Path, Guid.NewGuid().ToString("N")[..8] + "-" + name);

    private static void Check(ProcessResult result, string what)
    {
        if (result.ExitCode != 0)
        {
            Assert.Fail($"{what} failed ({result.ExitCode}): {result.StandardError}{result.StandardOutput}");
        }
    }

    private static TempDirectory CreateFolder()
    {
        var folder = new TempDirectory();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => folder.Dispose();
        return folder;
    }
}
