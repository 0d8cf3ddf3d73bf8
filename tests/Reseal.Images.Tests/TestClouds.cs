using Amazon.Runtime;
using Reseal.Cloud.Keys;
using Reseal.Images.Ec2;
using Reseal.TestSupport;
using Reseal.TestSupport.Loopback;

namespace Reseal.Images.Tests;

/// <summary>Polling and time limits short enough for tests; the logic is the same as with the defaults.</summary>
internal static class FastImages
{
    public static ImageSettings Settings { get; } = new()
    {
        FirstPoll = TimeSpan.FromMilliseconds(10),
        MaxPoll = TimeSpan.FromMilliseconds(40),
        RequestTimeout = TimeSpan.FromSeconds(5),
        CleanupTimeout = TimeSpan.FromSeconds(5),
        HttpAttempts = 3,
        HttpBackoff = TimeSpan.FromMilliseconds(10),
        SdkMaxErrorRetry = 3,
    };
}

/// <summary>A loopback EC2 and the real AWS SDK client pointed at it.</summary>
internal sealed class Ec2Loopback : IAsyncDisposable
{
    private Ec2Loopback(FakeEc2 fake, LoopbackHttpServer server, ImageSettings settings)
    {
        Fake = fake;
        Server = server;
        Cloud = new Ec2ImageCloud(new Ec2Options("eu-west-1", null, server.BaseUri.ToString(),
            new BasicAWSCredentials("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")), settings);
    }

    public FakeEc2 Fake { get; }

    public LoopbackHttpServer Server { get; }

    public Ec2ImageCloud Cloud { get; }

    public static Ec2Loopback Start(ImageSettings? settings = null)
    {
        var fake = new FakeEc2();
        return new Ec2Loopback(fake, new LoopbackHttpServer(fake.Handle), settings ?? FastImages.Settings);
    }

    public async ValueTask DisposeAsync()
    {
        Cloud.Dispose();
        await Server.DisposeAsync();
    }
}

/// <summary>Launch keys and passwords encrypted to them by openssl (what the agent's PKCS#1 v1.5 must match).</summary>
internal static class LaunchKeys
{
    public static string PrivateKeyPath() => KeyFiles.SshKeygen("rsa", 2048, "PEM");

    public static string OtherPrivateKeyPath() => KeyFiles.OpenSslGenpkey(2048);

    public static RsaPrivateKey Load(string path) => RsaPrivateKey.Load(path);

    /// <summary>Encrypts with <c>openssl pkeyutl -encrypt</c> (PKCS#1 v1.5) to the public half of the key file; base64.</summary>
    public static string EncryptWithOpenSsl(string privateKeyPath, string password)
    {
        var pub = KeyFiles.NewPath("pub.pem");
        KeyFiles.OpenSsl("pkey", "-in", privateKeyPath, "-pubout", "-out", pub);
        var plain = KeyFiles.NewPath("plain.txt");
        File.WriteAllText(plain, password);
        var cipher = KeyFiles.NewPath("cipher.bin");
        KeyFiles.OpenSsl("pkeyutl", "-encrypt", "-pubin", "-inkey", pub, "-pkeyopt", "rsa_padding_mode:pkcs1", "-in", plain, "-out", cipher);
        return Convert.ToBase64String(File.ReadAllBytes(cipher));
    }
}

/// <summary>Console output in the shape EC2Launch v2 and Reseal's agent print (protocols.md §6).</summary>
internal static class Consoles
{
    public static string Line(DateTimeOffset at, string text) => $"{at.UtcDateTime:yyyy'/'MM'/'dd HH':'mm':'ss}Z: {text}\r\n";

    public static string Ready(DateTimeOffset start, string? encryptedPassword)
    {
        var text = Line(start, "Windows is being configured. SysprepState=IMAGE_STATE_UNDEPLOYABLE")
            + Line(start.AddSeconds(1), "Windows sysprep configuration complete.")
            + Line(start.AddSeconds(1), "Launch: Reseal v0.1.0")
            + Line(start.AddSeconds(2), "RDPCERTIFICATE-SUBJECTNAME: EC2AMAZ-A1B2C3D");
        if (encryptedPassword is not null)
        {
            text += Line(start.AddSeconds(2), "Username: Administrator")
                + Line(start.AddSeconds(2), "Password: <Password>")
                + encryptedPassword + "\r\n</Password>\r\n";
        }

        return text + Line(start.AddSeconds(3), "Message: Windows is Ready to use");
    }
}
