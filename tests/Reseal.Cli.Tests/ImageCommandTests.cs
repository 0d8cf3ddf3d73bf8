using System.Text.Json;
using Reseal.TestSupport;
using Reseal.TestSupport.Loopback;

namespace Reseal.Cli.Tests;

/// <summary>
/// <c>reseal image create|verify</c>: the command-line contract (options, JSON fields, exit codes 0–4) against the
/// loopback clouds. EC2 runs the real executable, so the AWS SDK reads its credential, region and endpoint settings
/// from the environment and files as it does for users; OpenStack and Huawei run in process with OS_* variables.
/// </summary>
public sealed class ImageCommandTests
{
    private const string Password = "Cli!Verify-93x";

    private static string Key() => KeyFiles.SshKeygen("rsa", 2048, "PEM");

    private static string Encrypt(string privateKey, string password)
    {
        var pub = KeyFiles.NewPath("pub.pem");
        KeyFiles.OpenSsl("pkey", "-in", privateKey, "-pubout", "-out", pub);
        var plain = KeyFiles.NewPath("plain.txt");
        File.WriteAllText(plain, password);
        var cipher = KeyFiles.NewPath("cipher.bin");
        KeyFiles.OpenSsl("pkeyutl", "-encrypt", "-pubin", "-inkey", pub, "-pkeyopt", "rsa_padding_mode:pkcs1", "-in", plain, "-out", cipher);
        return Convert.ToBase64String(File.ReadAllBytes(cipher));
    }

    private static string ReadyConsole(string? encrypted)
    {
        var now = TimeProvider.System.GetUtcNow().UtcDateTime;
        var stamp = $"{now:yyyy'/'MM'/'dd HH':'mm':'ss}Z: ";
        var text = $"{stamp}Windows sysprep configuration complete.\r\n{stamp}Launch: Reseal v0.1.0\r\n";
        if (encrypted is not null)
        {
            text += $"{stamp}Username: Administrator\r\n{stamp}Password: <Password>\r\n{encrypted}\r\n</Password>\r\n";
        }

        return text + $"{stamp}Message: Windows is Ready to use\r\n";
    }

    private sealed class OpenStack : IAsyncDisposable
    {
        public OpenStack()
        {
            FakeOpenStackCloud? fake = null;
            Server = new LoopbackHttpServer(r => fake!.Handle(r));
            fake = new FakeOpenStackCloud(Server.BaseUri);
            Fake = fake;
            Environment = new Dictionary<string, string>
            {
                ["OS_AUTH_URL"] = new Uri(Server.BaseUri, "identity/v3").ToString(),
                ["OS_USERNAME"] = fake.Keystone.User,
                ["OS_PASSWORD"] = fake.Keystone.Password,
                ["OS_USER_DOMAIN_NAME"] = "Default",
                ["OS_PROJECT_NAME"] = fake.Keystone.Project,
                ["OS_PROJECT_DOMAIN_NAME"] = "Default",
                ["HOME"] = "/nonexistent",
            };
        }

        public FakeOpenStackCloud Fake { get; }

        public LoopbackHttpServer Server { get; }

        public Dictionary<string, string> Environment { get; }

        public ValueTask DisposeAsync() => Server.DisposeAsync();
    }

    [Fact]
    public async Task ImageCreate_OpenStackJson_ContractFields()
    {
        await using var os = new OpenStack();
        var server = os.Fake.AddServer("7d1c0000-0000-4000-8000-000000000001");

        var result = CliRunner.Run(["image", "create", "--cloud", "openstack", "--instance-id", server.Id, "--name", "golden",
            "--tag", "team=images", "--format", "json"], environment: os.Environment);

        Assert.True(result.ExitCode == 0, result.Error);
        using var json = JsonDocument.Parse(result.Out);
        var root = json.RootElement;
        var imageId = root.GetProperty("imageId").GetString()!;
        Assert.True(os.Fake.Images.ContainsKey(imageId));
        Assert.Equal("active", root.GetProperty("state").GetString());
        Assert.Equal(JsonValueKind.Array, root.GetProperty("snapshotIds").ValueKind);
        Assert.True(root.GetProperty("seconds").GetDouble() >= 0);
        Assert.Equal("images", os.Fake.Images[imageId].Properties["team"]);
        // A pipeline gets quiet lines, one per change, never a rewritten status line.
        Assert.DoesNotContain("\r", result.Error, StringComparison.Ordinal);
        Assert.Contains("reseal: ", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ImageCreate_ErrorIsTerminal_OneStatusLineRewrittenInPlace()
    {
        await using var os = new OpenStack();
        os.Fake.NewImageStatuses = ["queued", "saving", "saving", "active"];
        var server = os.Fake.AddServer("7d1c0000-0000-4000-8000-000000000009");
        var output = new StringWriter();
        var error = new StringWriter();
        var context = new CliContext(output, error, new StringReader(""), outputRedirected: true, inputRedirected: true, n => os.Environment.GetValueOrDefault(n))
        {
            ErrorIsTerminal = true,
            ImageSettings = new Reseal.Images.ImageSettings { FirstPoll = TimeSpan.FromMilliseconds(10), MaxPoll = TimeSpan.FromMilliseconds(20) },
        };

        var code = CliApp.Run(["image", "create", "--cloud", "openstack", "--instance-id", server.Id, "--name", "golden"], context);

        Assert.Equal(0, code);
        var text = error.ToString();
        // Each report redraws the same line (carriage return, erase line); the line is closed before the final message.
        Assert.True(text.Split("\r\u001b[2K").Length > 4, text);
        Assert.Contains("saving", text, StringComparison.Ordinal);
        Assert.Matches("\n(reseal: image .* is active after [0-9.]+ s)\n?$", text.Replace("\r\n", "\n", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ImageCreate_TextOutput_PrintsOnlyTheImageId()
    {
        await using var os = new OpenStack();
        var server = os.Fake.AddServer("7d1c0000-0000-4000-8000-000000000002");

        var result = CliRunner.Run(["image", "create", "--cloud", "openstack", "--instance-id", server.Id, "--name", "golden"], environment: os.Environment);

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.True(os.Fake.Images.ContainsKey(result.Out.Trim()));
    }

    [Fact]
    public async Task ImageCreate_TimeoutWhileSaving_ExitOneImageLeft()
    {
        await using var os = new OpenStack();
        os.Fake.NewImageStatuses = ["saving"];
        var server = os.Fake.AddServer("7d1c0000-0000-4000-8000-000000000003");

        var result = CliRunner.Run(["image", "create", "--cloud", "openstack", "--instance-id", server.Id, "--name", "golden", "--timeout", "0.3",
            "--format", "json"], environment: os.Environment);

        Assert.Equal(1, result.ExitCode);
        using var json = JsonDocument.Parse(result.Out);
        Assert.Equal("saving", json.RootElement.GetProperty("state").GetString());
        Assert.Equal("timed-out", json.RootElement.GetProperty("outcome").GetString());
        Assert.Contains("left as it is", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ImageCreate_UnknownServer_ExitThreeNamingIt()
    {
        await using var os = new OpenStack();

        var result = CliRunner.Run(["image", "create", "--cloud", "openstack", "--instance-id", "nope-123", "--name", "golden"], environment: os.Environment);

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("nope-123", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ImageCreate_RunningServer_ExitOneSaysNotSealed()
    {
        await using var os = new OpenStack();
        var server = os.Fake.AddServer("7d1c0000-0000-4000-8000-000000000004", "ACTIVE");

        var result = CliRunner.Run(["image", "create", "--cloud", "openstack", "--instance-id", server.Id, "--name", "golden"], environment: os.Environment);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("not sealed yet", result.Error, StringComparison.Ordinal);
        Assert.Empty(os.Fake.Images);
    }

    [Fact]
    public async Task ImageCreate_WrongPassword_ExitFour()
    {
        await using var os = new OpenStack();
        os.Environment["OS_PASSWORD"] = "wrong";

        var result = CliRunner.Run(["image", "create", "--cloud", "openstack", "--instance-id", "x", "--name", "golden"], environment: os.Environment);

        Assert.Equal(4, result.ExitCode);
        Assert.Contains("refused the credentials", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void ImageCreate_CloudNotListening_ExitFourBounded()
    {
        var env = new Dictionary<string, string>
        {
            ["OS_AUTH_URL"] = "http://127.0.0.1:9/v3",
            ["OS_USERNAME"] = "u",
            ["OS_PASSWORD"] = "p",
            ["OS_USER_DOMAIN_NAME"] = "Default",
            ["HOME"] = "/nonexistent",
        };

        var result = CliRunner.Run(["image", "create", "--cloud", "openstack", "--instance-id", "x", "--name", "golden"], environment: env);

        Assert.Equal(4, result.ExitCode);
        Assert.Contains("could not be reached", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void ImageCreate_NoOpenStackCredentials_ExitFourSayingWhatToSet()
    {
        var result = CliRunner.Run(["image", "create", "--cloud", "openstack", "--instance-id", "x", "--name", "golden"],
            environment: new() { ["HOME"] = "/nonexistent" });

        Assert.Equal(4, result.ExitCode);
        Assert.Contains("OS_CLOUD", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--profile", "p", "--profile names an AWS profile")]
    [InlineData("--tag", "novalue", "use KEY=VALUE")]
    [InlineData("--timeout", "0", "--timeout must be more than 0")]
    [InlineData("--cloud", "azure", "use ec2, openstack or huawei")]
    public void ImageCreate_BadOption_ExitTwo(string option, string value, string expected)
    {
        string[] args = option == "--cloud"
            ? ["image", "create", "--cloud", value, "--instance-id", "x", "--name", "n"]
            : ["image", "create", "--cloud", "openstack", "--instance-id", "x", "--name", "n", option, value];

        var result = CliRunner.Run(args, environment: new() { ["HOME"] = "/nonexistent" });

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(expected, result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void ImageCreate_MissingName_ExitTwo()
    {
        var result = CliRunner.Run(["image", "create", "--cloud", "ec2", "--instance-id", "i-1"]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--name", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ImageVerify_OpenStackReady_JsonContractAndPasswordOnlyWhenAsked()
    {
        await using var os = new OpenStack();
        var image = os.Fake.AddImage("1a2b0000-0000-4000-8000-000000000001");
        var key = Key();
        var encrypted = Encrypt(key, Password);
        os.Fake.OnLaunch = (clone, _) =>
        {
            clone.Console = () => ReadyConsole(encrypted);
            clone.Password = () => encrypted;
        };
        string[] args = ["image", "verify", "--cloud", "openstack", "--image-id", image.Id, "--key", key, "--key-name", "build",
            "--instance-type", "m1.large", "--format", "json"];

        var hidden = CliRunner.Run(args, environment: os.Environment);
        var shown = CliRunner.Run([.. args, "--show-password"], environment: os.Environment);

        Assert.True(hidden.ExitCode == 0, hidden.Error);
        using var json = JsonDocument.Parse(hidden.Out);
        var root = json.RootElement;
        Assert.True(os.Fake.Servers[root.GetProperty("instanceId").GetString()!].Deleted);
        Assert.Equal(image.Id, root.GetProperty("imageId").GetString());
        Assert.True(root.GetProperty("ready").GetBoolean());
        Assert.True(root.GetProperty("passwordDecrypted").GetBoolean());
        Assert.True(root.GetProperty("terminated").GetBoolean());
        var timeline = root.GetProperty("timeline");
        foreach (var milestone in (string[])["running", "sysprepComplete", "passwordAvailable", "windowsReady"])
        {
            Assert.Equal(JsonValueKind.Number, timeline.GetProperty(milestone).ValueKind);
        }

        Assert.Contains(root.GetProperty("consoleTail").EnumerateArray(), l => l.GetString()!.EndsWith("Windows is Ready to use", StringComparison.Ordinal));
        Assert.False(root.TryGetProperty("password", out _));
        Assert.DoesNotContain(Password, hidden.Out + hidden.Error, StringComparison.Ordinal);
        Assert.True(shown.ExitCode == 0, shown.Error);
        using var shownJson = JsonDocument.Parse(shown.Out);
        Assert.Equal(Password, shownJson.RootElement.GetProperty("password").GetString());
    }

    [Fact]
    public async Task ImageVerify_KeyDoesNotMatch_ExitThreeCloneDeleted()
    {
        await using var os = new OpenStack();
        var image = os.Fake.AddImage("1a2b0000-0000-4000-8000-000000000002");
        var encrypted = Encrypt(KeyFiles.OpenSslGenpkey(2048), Password);
        os.Fake.OnLaunch = (clone, _) =>
        {
            clone.Console = () => ReadyConsole(encrypted);
            clone.Password = () => encrypted;
        };

        var result = CliRunner.Run(["image", "verify", "--cloud", "openstack", "--image-id", image.Id, "--key", Key(), "--key-name", "build",
            "--instance-type", "m1.large"], environment: os.Environment);

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("does not decrypt with the key", result.Error, StringComparison.Ordinal);
        Assert.Contains("was terminated", result.Error, StringComparison.Ordinal);
        Assert.All(os.Fake.Servers.Values, s => Assert.True(s.Deleted));
    }

    [Fact]
    public async Task ImageVerify_NotReady_ExitOneTextShowsReasonAndConsole()
    {
        await using var os = new OpenStack();
        var image = os.Fake.AddImage("1a2b0000-0000-4000-8000-000000000003");
        os.Fake.OnLaunch = (clone, _) => clone.Console = () => "Windows Boot Manager\nWindows is being configured. SysprepState=IMAGE_STATE_UNDEPLOYABLE\n";

        var result = CliRunner.Run(["image", "verify", "--cloud", "openstack", "--image-id", image.Id, "--key", Key(), "--key-name", "build",
            "--instance-type", "m1.large", "--timeout", "0.5"], environment: os.Environment);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("ready         no", result.Out, StringComparison.Ordinal);
        Assert.Contains("did not become ready within", result.Out, StringComparison.Ordinal);
        Assert.Contains("never 'Windows sysprep configuration complete.'", result.Out, StringComparison.Ordinal);
        Assert.Contains("  | Windows Boot Manager", result.Out, StringComparison.Ordinal);
        Assert.All(os.Fake.Servers.Values, s => Assert.True(s.Deleted));
    }

    [Fact]
    public async Task ImageVerify_HuaweiFailedImageJob_AndCreateExitOne()
    {
        var fake = new FakeHuaweiCloud { FailJobsWith = "The ECS system disk is encrypted." };
        await using var server = new LoopbackHttpServer(fake.Handle);
        fake.AddServer("ecs-cli-1");
        var env = new Dictionary<string, string>
        {
            ["OS_USERNAME"] = fake.Iam.User,
            ["OS_PASSWORD"] = fake.Iam.Password,
            ["OS_USER_DOMAIN_NAME"] = fake.Iam.UserDomain,
            ["HOME"] = "/nonexistent",
        };

        var result = CliRunner.Run(["image", "create", "--cloud", "huawei", "--instance-id", "ecs-cli-1", "--name", "golden", "--region", "ap-southeast-1",
            "--endpoint-url", server.BaseUri.ToString(), "--format", "json"], environment: env);

        Assert.Equal(1, result.ExitCode);
        using var json = JsonDocument.Parse(result.Out);
        Assert.Equal("failed", json.RootElement.GetProperty("outcome").GetString());
        Assert.Contains("The ECS system disk is encrypted.", json.RootElement.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.NotNull(json.RootElement.GetProperty("jobId").GetString());
    }

    [Theory]
    [InlineData("openstack", "--subnet-id", "--network-id")]
    [InlineData("ec2", "--network-id", "--subnet-id")]
    [InlineData("ec2", "--vpc-id", "Huawei")]
    public void ImageVerify_OptionOfAnotherCloud_ExitTwo(string cloud, string option, string expected)
    {
        var result = CliRunner.Run(["image", "verify", "--cloud", cloud, "--image-id", "i", "--key", "k", "--key-name", "n",
            "--instance-type", "t", option, "x"]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(expected, result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void ImageVerify_MissingKeyFile_ExitThreeBeforeAnyCloudCall()
    {
        var result = CliRunner.Run(["image", "verify", "--cloud", "ec2", "--image-id", "ami-1", "--key", "/nonexistent/key.pem", "--key-name", "n",
            "--endpoint-url", "http://127.0.0.1:9/"]);

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("/nonexistent/key.pem", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void ImageVerify_PublicKeyGiven_ExitThreeSaysPrivateNeeded()
    {
        var result = CliRunner.Run(["image", "verify", "--cloud", "ec2", "--image-id", "ami-1", "--key", Key() + ".pub", "--key-name", "n"]);

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("private key", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void ImageVerify_MissingUserDataFile_ExitThree()
    {
        var result = CliRunner.Run(["image", "verify", "--cloud", "ec2", "--image-id", "ami-1", "--key", Key(), "--key-name", "n",
            "--user-data", "/nonexistent/user-data.txt"]);

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("user data file not found", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void PasswordDecrypt_AwsGetPasswordDataJsonOnStdin_PrintsPassword()
    {
        var key = Key();
        var cipher = Encrypt(key, Password);
        var json = $"{{\n    \"InstanceId\": \"i-0abc\",\n    \"PasswordData\": \"{cipher}\",\n    \"Timestamp\": \"2026-12-06T10:05:00+00:00\"\n}}\n";

        var result = CliRunner.Run(["password", "decrypt", "--key", key, "-"], json);

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal(Password, result.Out.Trim());
    }

    private static Dictionary<string, string> AwsEnvironment(TempDirectory home, Uri endpoint) => new()
    {
        ["HOME"] = home.Path,
        ["AWS_ACCESS_KEY_ID"] = "AKIAIOSFODNN7EXAMPLE",
        ["AWS_SECRET_ACCESS_KEY"] = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        ["AWS_REGION"] = "eu-west-1",
        ["AWS_ENDPOINT_URL_EC2"] = endpoint.ToString(),
        ["AWS_CONFIG_FILE"] = home.File("aws-config"),
        ["AWS_SHARED_CREDENTIALS_FILE"] = home.File("aws-credentials"),
        ["AWS_EC2_METADATA_DISABLED"] = "true",
    };

    [Fact]
    public async Task ImageCreate_Ec2RealProcess_SdkTakesEndpointAndCredentialsFromEnvironment()
    {
        var fake = new FakeEc2 { NewImageStates = ["available"] };
        await using var server = new LoopbackHttpServer(fake.Handle);
        fake.AddInstance("i-0cli00000000000001");
        using var home = new TempDirectory();

        var result = CliRunner.RunProcess(["image", "create", "--cloud", "ec2", "--instance-id", "i-0cli00000000000001", "--name", "golden-cli",
            "--tag", "built-by=reseal", "--format", "json"], environment: AwsEnvironment(home, server.BaseUri));

        Assert.True(result.ExitCode == 0, result.Error);
        using var json = JsonDocument.Parse(result.Out);
        var image = fake.Images[json.RootElement.GetProperty("imageId").GetString()!];
        Assert.Equal("available", json.RootElement.GetProperty("state").GetString());
        Assert.Equal(image.SnapshotIds, json.RootElement.GetProperty("snapshotIds").EnumerateArray().Select(s => s.GetString()!));
        Assert.Equal("reseal", image.SnapshotTags["built-by"]);
    }

    [Fact]
    public async Task ImageVerify_Ec2RealProcessWithProfile_ReadyAndTerminated()
    {
        var fake = new FakeEc2();
        await using var server = new LoopbackHttpServer(fake.Handle);
        var image = fake.AddImage("ami-0cli0000000000001");
        var key = Key();
        var encrypted = Encrypt(key, Password);
        fake.NewInstanceStates = ["running"];
        fake.OnLaunch = (clone, _) =>
        {
            clone.Console = () => ReadyConsole(encrypted);
            clone.PasswordData = () => encrypted;
        };
        using var home = new TempDirectory();
        var env = AwsEnvironment(home, new Uri("http://127.0.0.1:9/"));
        // Credentials and region from a named profile of the shared files, the endpoint from --endpoint-url (it wins over the variable).
        env.Remove("AWS_ACCESS_KEY_ID");
        env.Remove("AWS_SECRET_ACCESS_KEY");
        env.Remove("AWS_REGION");
        File.WriteAllText(home.File("aws-credentials"), "[builder]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = secret\n");
        File.WriteAllText(home.File("aws-config"), "[profile builder]\nregion = ap-southeast-2\n");

        var result = CliRunner.RunProcess(["image", "verify", "--cloud", "ec2", "--image-id", image.Id, "--key", key, "--key-name", "build",
            "--profile", "builder", "--endpoint-url", server.BaseUri.ToString(), "--format", "json"], environment: env);

        Assert.True(result.ExitCode == 0, result.Error);
        using var json = JsonDocument.Parse(result.Out);
        Assert.True(json.RootElement.GetProperty("ready").GetBoolean());
        Assert.True(fake.Instances[json.RootElement.GetProperty("instanceId").GetString()!].Terminated);
    }

    [Fact]
    public void ImageCreate_Ec2NoCredentials_ExitFourWithoutStackTrace()
    {
        using var home = new TempDirectory();
        var env = AwsEnvironment(home, new Uri("http://127.0.0.1:9/"));
        env.Remove("AWS_ACCESS_KEY_ID");
        env.Remove("AWS_SECRET_ACCESS_KEY");

        var result = CliRunner.RunProcess(["image", "create", "--cloud", "ec2", "--instance-id", "i-0abc", "--name", "golden"], environment: env);

        Assert.Equal(4, result.ExitCode);
        Assert.Contains("no usable AWS credentials", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void ImageCreate_Ec2UnknownProfile_ExitFourNamingIt()
    {
        using var home = new TempDirectory();

        var result = CliRunner.RunProcess(["image", "create", "--cloud", "ec2", "--instance-id", "i-0abc", "--name", "golden", "--profile", "nosuch"],
            environment: AwsEnvironment(home, new Uri("http://127.0.0.1:9/")));

        Assert.Equal(4, result.ExitCode);
        Assert.Contains("AWS profile 'nosuch'", result.Error, StringComparison.Ordinal);
    }
}
