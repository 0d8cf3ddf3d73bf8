using Reseal.Cloud.Metadata;
using Reseal.TestSupport.Loopback;

namespace Reseal.Cloud.Tests.Metadata;

/// <summary>
/// GCE's SSH keys as its metadata server gives them (https://cloud.google.com/compute/docs/connect/add-ssh-keys):
/// instance <c>ssh-keys</c> and legacy <c>sshKeys</c>, project <c>ssh-keys</c>/<c>sshKeys</c> (from the project's attribute map, read once) unless the instance sets
/// <c>block-project-ssh-keys</c> (or has legacy <c>sshKeys</c>, which GCE treats as blocking).
/// </summary>
public sealed class GceSshKeysTests
{
    private static Func<LoopbackRequest, LoopbackReply> Gce(string instanceAttributes, string? projectKeys = null, string? projectLegacy = null, int projectStatus = 200) => request =>
    {
        if (request.Header("Metadata-Flavor") != "Google")
        {
            return LoopbackReply.Text(403, "Missing Metadata-Flavor:Google header.");
        }

        var flavor = ("Metadata-Flavor", "Google");
        return request.Path switch
        {
            "/computeMetadata/v1/instance/?recursive=true&alt=json" =>
                LoopbackReply.Ok("{\"id\": 4520031799277581759, \"name\": \"win-1\", \"attributes\": {" + instanceAttributes + "}}", flavor, ("Content-Type", "application/json")),
            // The project's attribute map, read once for its keys and scripts.
            "/computeMetadata/v1/project/attributes/?recursive=true&alt=json" when projectStatus != 200 => LoopbackReply.Text(projectStatus, "backend error", flavor),
            "/computeMetadata/v1/project/attributes/?recursive=true&alt=json" => LoopbackReply.Ok(
                new System.Text.Json.Nodes.JsonObject { ["ssh-keys"] = projectKeys, ["sshKeys"] = projectLegacy }.ToJsonString(), flavor),
            _ => LoopbackReply.Text(404, "Not Found", flavor),
        };
    };

    private static async Task<(InstanceMetadata Metadata, LoopbackHttpServer Server)> Read(Func<LoopbackRequest, LoopbackReply> handler)
    {
        var server = new LoopbackHttpServer(handler);
        using var provider = new GceMetadataProvider(server.BaseUri, FastMetadata.Options);
        return (await provider.GetMetadataAsync(TestContext.Current.CancellationToken), server);
    }

    [Fact]
    public async Task GetMetadata_InstanceAndProjectKeys_BothUserPrefixesDropped()
    {
        var (metadata, server) = await Read(Gce("\"ssh-keys\": \"alice:ssh-ed25519 AAAAC3Nza alice\\r\\n\\nbob:ssh-rsa AAAAB3Nza bob\"", "ops:ssh-ed25519 AAAAops ops\n", "legacy:ssh-rsa AAAAlegacy old\n"));
        await using (server)
        {
            Assert.Equal(["ssh-ed25519 AAAAC3Nza alice", "ssh-rsa AAAAB3Nza bob", "ssh-ed25519 AAAAops ops", "ssh-rsa AAAAlegacy old"], metadata.PublicKeys);
        }
    }

    [Theory]
    [InlineData("\"block-project-ssh-keys\": \"TRUE\"")]
    [InlineData("\"block-project-ssh-keys\": \"true\"")]
    [InlineData("\"sshKeys\": \"old:ssh-rsa AAAAold old\"")]
    public async Task GetMetadata_ProjectKeysBlocked_ProjectKeysNotUsed(string attribute)
    {
        var (metadata, server) = await Read(Gce("\"ssh-keys\": \"alice:ssh-ed25519 AAAAC3Nza alice\", " + attribute, "ops:ssh-ed25519 AAAAops ops\n"));
        await using (server)
        {
            Assert.DoesNotContain("ssh-ed25519 AAAAops ops", metadata.PublicKeys);
            Assert.Contains("ssh-ed25519 AAAAC3Nza alice", metadata.PublicKeys);
            // The project's map is still read once, for its scripts (blocking keys does not block project scripts).
            Assert.Single(server.Requests, r => r.Path.StartsWith("/computeMetadata/v1/project/", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task GetMetadata_BlockFalse_ProjectKeysRead()
    {
        var (metadata, server) = await Read(Gce("\"block-project-ssh-keys\": \"false\"", "ops:ssh-ed25519 AAAAops ops\n"));
        await using (server)
        {
            Assert.Equal(["ssh-ed25519 AAAAops ops"], metadata.PublicKeys);
        }
    }

    [Fact]
    public async Task GetMetadata_NoKeysAnywhere_EmptyNotAnError()
    {
        var (metadata, server) = await Read(Gce("\"user-data\": \"x\""));
        await using (server)
        {
            Assert.Empty(metadata.PublicKeys);
        }
    }

    [Fact]
    public async Task GetMetadata_ProjectAttributesServerError_InstanceKeysKeptAndANoteSaysWhy()
    {
        // An unreadable project document must not cost the instance its metadata (password reset, user data): the
        // instance's own keys are used and the note, logged by the agent, names what was not.
        var server = new LoopbackHttpServer(Gce("\"ssh-keys\": \"alice:ssh-ed25519 AAAAalice alice\"", projectStatus: 503));
        await using (server)
        {
            using var provider = new GceMetadataProvider(server.BaseUri, FastMetadata.Options);
            var metadata = await provider.GetMetadataAsync(TestContext.Current.CancellationToken);
            Assert.Equal(["ssh-ed25519 AAAAalice alice"], metadata.PublicKeys);
            var note = Assert.Single(metadata.ScriptNotes);
            Assert.Contains("project/attributes/", note, StringComparison.Ordinal);
            Assert.Contains("SSH keys are not used", note, StringComparison.Ordinal);
        }
    }
}
