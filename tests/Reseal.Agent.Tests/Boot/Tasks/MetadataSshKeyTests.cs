using Reseal.Agent.Boot.Config;
using Reseal.Agent.Boot.Runner;
using Reseal.Agent.Boot.Tasks;
using Reseal.Cloud.Metadata;
using Reseal.TestSupport;
using Reseal.TestSupport.Loopback;
using Reseal.Windows.Ports;

namespace Reseal.Agent.Tests.Boot.Tasks;

/// <summary>
/// <c>enableOpenSsh</c> installing the metadata's launch keys (keys made by ssh-keygen; GCE's metadata served by a
/// loopback server in GCE's format), and the lines it refuses.
/// </summary>
public sealed class MetadataSshKeyTests
{
    private const string AdminKeys = @"C:\ProgramData\ssh\administrators_authorized_keys";
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 6, 0, 0, TimeSpan.Zero);
    private readonly FakeWindows _machine = new();

    public MetadataSshKeyTests() =>
        _machine.Services.Add(new ServiceInfo("sshd", "OpenSSH SSH Server", @"C:\Windows\System32\OpenSSH\sshd.exe", ServiceStartMode.Manual, false, ServiceRunState.Stopped));

    private static string PublicKey(string type, int bits) => File.ReadAllText(KeyFiles.SshKeygen(type, bits) + ".pub").Trim();

    private sealed class Console : ITaskConsole
    {
        public void WriteLine(string text)
        {
        }

        public void WritePasswordBlock(string userName, string ciphertextBase64) => throw new InvalidOperationException("no password here");
    }

    private static InstanceMetadata Metadata(MetadataSource source, params string[] keys) =>
        new(source, "http://test/", "i-0abc", "host", keys, ReadOnlyMemory<byte>.Empty, null, null, null, null, null);

    private async Task<TaskExecutionResult> Run(InstanceMetadata? metadata, string inputs = "")
    {
        var read = AgentConfigReader.Read("version: 1.0\nconfig:\n- stage: preReady\n  tasks:\n  - task: enableOpenSsh\n" + inputs);
        Assert.True(read.IsValid, string.Join('\n', read.Diagnostics));
        var unit = BootPlan.Create(read.Config!).Units.Single();
        var context = new BootTaskContext { Machine = _machine, Metadata = metadata, Time = new ManualClock(Now) };
        return await read.Config!.TasksOf(AgentStage.PreReady)[0].Definition.RunAsync(new BootTaskRun(unit, unit.Inputs ?? InputMap.Empty, context, new Console()),
            TestContext.Current.CancellationToken);
    }

    // ssh-keygen reads the file as sshd would: one fingerprint per key line, or an error for a line it cannot read.
    private string[] Fingerprints()
    {
        using var temp = new TempDirectory();
        var file = temp.Write("authorized_keys", _machine.Files.ReadText(AdminKeys));
        var listed = KeyFiles.SshKeygenRun("-l", "-f", file);
        return listed.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    [Fact]
    public async Task EnableOpenSsh_Ec2KeyPair_InAdministratorsKeysAfterSshdStarts()
    {
        var rsa = PublicKey("rsa", 2048);

        var result = await Run(Metadata(MetadataSource.Ec2, rsa));

        Assert.Equal(ExitAction.Completed, result.Action);
        Assert.Equal(rsa + "\n", _machine.Files.ReadText(AdminKeys));
        Assert.Equal(["S-1-5-18", "S-1-5-32-544"], _machine.Files.AccessOf(AdminKeys)!.FullControl);
        Assert.Equal(ServiceRunState.Running, _machine.Services.Find("sshd")!.State);
        Assert.Contains("sshd runs", result.Message, StringComparison.Ordinal);
        Assert.Contains("1 SSH key(s) added", result.Message, StringComparison.Ordinal);
        Assert.Single(Fingerprints());
    }

    [Fact]
    public async Task EnableOpenSsh_InvalidLines_SkippedEachNamedValidOnesInstalled()
    {
        var rsa = PublicKey("rsa", 2048);
        var ed25519 = PublicKey("ed25519", 0);
        var ecdsa = PublicKey("ecdsa", 256);
        var rsaBlob = rsa.Split(' ')[1];
        string[] keys =
        [
            rsa,
            "command=\"/bin/evil\" " + ed25519,          // 2: options
            "ssh-dss AAAAB3NzaC1kc3MAAACBAP",             // 3: DSA
            "ssh-rsa not*base64 x@y",                     // 4
            "ssh-ed25519 " + rsaBlob + " liar@host",      // 5: blob of another type
            "ssh-rsa",                                    // 6: no data
            ed25519,
            ecdsa,
            rsa,                                          // a duplicate: once in the file
        ];

        var result = await Run(Metadata(MetadataSource.OpenStack, keys));

        Assert.Equal(ExitAction.Completed, result.Action);
        Assert.Equal($"{rsa}\n{ed25519}\n{ecdsa}\n", _machine.Files.ReadText(AdminKeys));
        Assert.Equal(3, Fingerprints().Length);
        Assert.Contains("metadata key 2 skipped: it does not start with a key type", result.Message, StringComparison.Ordinal);
        Assert.Contains("metadata key 3 skipped: a DSA key", result.Message, StringComparison.Ordinal);
        Assert.Contains("metadata key 4 skipped: the ssh-rsa key data is not base64", result.Message, StringComparison.Ordinal);
        Assert.Contains("metadata key 5 skipped: the key data is not an encoded ssh-ed25519 key", result.Message, StringComparison.Ordinal);
        Assert.Contains("metadata key 6 skipped: the ssh-rsa key has no key data", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EnableOpenSsh_OnlyInvalidKeys_NoFileDoneWithReason()
    {
        var result = await Run(Metadata(MetadataSource.Ec2, "ssh-rsa AAAA\u0007", "garbage"));

        Assert.Equal(ExitAction.Completed, result.Action);
        Assert.False(_machine.Files.FileExists(AdminKeys));
        Assert.Contains("metadata key 1 skipped: it has control characters", result.Message, StringComparison.Ordinal);
        Assert.Contains("no valid SSH key in the metadata", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EnableOpenSsh_InstallMetadataKeysFalse_NoFile()
    {
        var result = await Run(Metadata(MetadataSource.Ec2, PublicKey("ed25519", 0)), "    inputs:\n      installMetadataKeys: false\n");

        Assert.Equal(ExitAction.Completed, result.Action);
        Assert.False(_machine.Files.FileExists(AdminKeys));
        Assert.Contains("installMetadataKeys: false", result.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task EnableOpenSsh_NoKeysOrNoMetadata_DoneNothingWritten(bool withMetadata)
    {
        var result = await Run(withMetadata ? Metadata(MetadataSource.Azure) : null);

        Assert.Equal(ExitAction.Completed, result.Action);
        Assert.False(_machine.Files.FileExists(AdminKeys));
        Assert.Contains(withMetadata ? "the Azure metadata gives no SSH key" : "no metadata", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EnableOpenSsh_SshdCannotStart_FailsWithoutWritingKeys()
    {
        Assert.True(_machine.Services.Remove("sshd"));
        _machine.Processes.Handler = _ => FakeProcesses.Exit(1);

        var result = await Run(Metadata(MetadataSource.Ec2, PublicKey("ed25519", 0)));

        Assert.Equal(ExitAction.Failed, result.Action);
        Assert.False(_machine.Files.FileExists(AdminKeys));
    }

    [Fact]
    public async Task EnableOpenSsh_KeysFileCannotBeWritten_Fails()
    {
        _machine.Files.BeforeWrite = path => throw new UnauthorizedAccessException($"Access to the path '{path}' is denied.");

        var result = await Run(Metadata(MetadataSource.Ec2, PublicKey("ed25519", 0)));

        Assert.Equal(ExitAction.Failed, result.Action);
        Assert.Contains("could not install the SSH keys", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_InstallMetadataKeysNotAFlag_Error()
    {
        var read = AgentConfigReader.Read("version: 1.0\nconfig:\n- stage: preReady\n  tasks:\n  - task: enableOpenSsh\n    inputs:\n      installMetadataKeys: sometimes\n");

        Assert.False(read.IsValid);
        Assert.Contains(read.Diagnostics, d => d.Line == 7 && d.Message.Contains("installMetadataKeys", StringComparison.Ordinal));
    }

    // GCE's ssh-keys format (https://cloud.google.com/compute/docs/connect/add-ssh-keys): USERNAME:KEY lines, temporary keys
    // with a google-ssh JSON comment; project keys unless the instance sets block-project-ssh-keys.
    private static Func<LoopbackRequest, LoopbackReply> Gce(string instanceKeys, string? projectKeys, bool block) => request =>
    {
        if (request.Header("Metadata-Flavor") != "Google")
        {
            return LoopbackReply.Text(403, "Missing Metadata-Flavor:Google header.");
        }

        var flavor = ("Metadata-Flavor", "Google");
        var attributes = new System.Text.Json.Nodes.JsonObject { ["ssh-keys"] = instanceKeys };
        if (block)
        {
            attributes["block-project-ssh-keys"] = "TRUE";
        }

        var instance = new System.Text.Json.Nodes.JsonObject { ["id"] = 4520031799277581759, ["hostname"] = "win-1.c.proj.internal", ["attributes"] = attributes };
        return request.Path switch
        {
            "/computeMetadata/v1/instance/?recursive=true&alt=json" => LoopbackReply.Ok(instance.ToJsonString(), flavor, ("Content-Type", "application/json")),
            "/computeMetadata/v1/project/attributes/?recursive=true&alt=json" when projectKeys is not null =>
                LoopbackReply.Ok(new System.Text.Json.Nodes.JsonObject { ["ssh-keys"] = projectKeys }.ToJsonString(), flavor),
            _ => LoopbackReply.Text(404, "Not Found", flavor),
        };
    };

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task EnableOpenSsh_GceInstanceAndProjectKeys_InstalledUnlessProjectBlocked(bool block)
    {
        var alice = PublicKey("ed25519", 0);
        var bob = PublicKey("rsa", 2048);
        var ops = PublicKey("ecdsa", 256);
        var expired = PublicKey("ecdsa", 384) + " google-ssh {\"userName\":\"carol@example.com\",\"expireOn\":\"2026-12-07T05:00:00+0000\"}";
        var current = "carol:" + PublicKey("ecdsa", 521).Split(' ')[0] + " " + PublicKey("ecdsa", 521).Split(' ')[1]
            + " google-ssh {\"userName\":\"carol@example.com\",\"expireOn\":\"2026-12-07T07:00:00+0000\"}";
        await using var server = new LoopbackHttpServer(Gce($"alice:{alice}\nbob:{bob}\n\ncarol:{expired}\n{current}\n", $"ops:{ops}\n", block));
        using var provider = new GceMetadataProvider(server.BaseUri, FastMetadata.Options);
        var metadata = await provider.GetMetadataAsync(TestContext.Current.CancellationToken);

        var result = await Run(metadata);

        Assert.Equal(ExitAction.Completed, result.Action);
        var installed = _machine.Files.ReadText(AdminKeys).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(block ? 3 : 4, installed.Length);
        Assert.Equal(alice, installed[0]);
        Assert.Equal(bob, installed[1]);
        Assert.StartsWith("ecdsa-sha2-nistp521 ", installed[2], StringComparison.Ordinal); // the user name prefix is not part of the line
        Assert.Equal(!block, installed.Contains(ops));
        Assert.Contains("metadata key 3 skipped: it expired on 2026-12-07 05:00Z", result.Message, StringComparison.Ordinal);
        // The project's map is read once either way (its scripts apply even when its keys are blocked).
        Assert.Single(server.Requests, r => r.Path.StartsWith("/computeMetadata/v1/project/", StringComparison.Ordinal));
        Assert.Equal(installed.Length, Fingerprints().Length);
    }
}
