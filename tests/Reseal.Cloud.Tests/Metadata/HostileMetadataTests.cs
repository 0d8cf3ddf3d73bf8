using System.Text;
using System.Text.Json;
using Reseal.Cloud.Metadata;
using Reseal.Cloud.Passwords;
using Reseal.TestSupport.Loopback;

namespace Reseal.Cloud.Tests.Metadata;

/// <summary>
/// Issue 16's metadata findings: JSON whose strings hold a lone UTF-16 surrogate escape ("\ud800") escaped as
/// InvalidOperationException from GCE console output and OpenStack/GCE metadata; the EC2 provider accepted 25 KB of
/// binary as an instance id. Every document is generated: each escape in each string of each document kind.
/// </summary>
public sealed class HostileMetadataTests
{
    // Short backoffs, but time limits a busy CI machine meets: these tests are about content, not timing.
    private static readonly MetadataHttpOptions Fast = Ec2ImdsProviderTests.Fast with { AttemptTimeout = TimeSpan.FromSeconds(10), TotalTimeout = TimeSpan.FromSeconds(30) };

    /// <summary>Escapes that decode to no text: lone halves, reversed pairs, a high half before a non-low escape.</summary>
    private static readonly string[] LoneSurrogates = [@"\ud800", @"\uDBFF", @"\udc00", @"\uDFFF", @"x\ud800", @"\ud800x", @"\udc00\ud800", @"\ud800\u0041", @"\ud800\ud800"];

    // A template per document kind; {0} marks each place a string goes (values and member names).
    private static readonly (string Kind, string[] Templates)[] Documents =
    [
        ("openstack", ["{{\"uuid\":\"{0}\",\"hostname\":\"h\"}}", "{{\"uuid\":\"83679162-1378-4288-a2d4-70e13ec132aa\",\"hostname\":\"{0}\"}}",
            "{{\"uuid\":\"83679162-1378-4288-a2d4-70e13ec132aa\",\"public_keys\":{{\"{0}\":\"ssh-rsa AAAA k\"}}}}",
            "{{\"uuid\":\"83679162-1378-4288-a2d4-70e13ec132aa\",\"keys\":[{{\"type\":\"ssh\",\"data\":\"{0}\"}}]}}"]),
        ("nocloud", ["{{\"instance-id\":\"{0}\"}}", "{{\"instance-id\":\"a\",\"public-keys\":[\"{0}\"]}}", "{{\"{0}\":1,\"instance-id\":\"a\"}}"]),
        ("captured", ["{{\"source\":\"Ec2\",\"instanceId\":\"{0}\"}}", "{{\"source\":\"{0}\",\"instanceId\":\"i-1\"}}",
            "{{\"source\":\"Ec2\",\"instanceId\":\"i-1\",\"publicKeys\":[\"{0}\"]}}"]),
    ];

    public static TheoryData<string, string> SurrogateDocuments()
    {
        var data = new TheoryData<string, string>();
        foreach (var (kind, templates) in Documents)
        {
            foreach (var template in templates)
            {
                foreach (var escape in LoneSurrogates)
                {
                    data.Add(kind, string.Format(System.Globalization.CultureInfo.InvariantCulture, template, escape));
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(SurrogateDocuments))]
    public void Parse_LoneSurrogateEscape_CloudExceptionNamingIt(string kind, string json)
    {
        var error = Assert.Throws<CloudException>(() =>
        {
            switch (kind)
            {
                case "openstack":
                    OpenStackMetadataDocument.Parse(Encoding.UTF8.GetBytes(json), "meta_data.json");
                    break;
                case "nocloud":
                    NoCloudProvider.ParseMetaData(json, "meta-data");
                    break;
                default:
                    InstanceMetadata.FromJson(json, "metadata.json");
                    break;
            }
        });

        Assert.Contains("surrogate", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void StrictJson_LoneSurrogateOnThirdLine_JsonExceptionWithLineAndByte()
    {
        var error = Assert.Throws<LoneSurrogateJsonException>(() => StrictJson.Parse("{\n\"a\": 1,\n  \"b\": \"\\ud800\"}"));

        Assert.Equal((2, 7), (error.LineNumber, error.BytePositionInLine));
        Assert.StartsWith("line 3, byte 8:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void StrictJson_ValidPairsAndOtherEscapes_Parse()
    {
        using var document = StrictJson.Parse("{\"a\":\"\\ud83d\\ude00 \\u00e9 \\n\",\"\\u0062\":[\"x\"]}");

        Assert.Equal("\U0001F600 \u00e9 \n", document.RootElement.GetProperty("a").GetString());
    }

    [Fact]
    public void StrictJson_SyntaxError_JsonDocumentsOwnError()
    {
        var error = Assert.ThrowsAny<JsonException>(() => StrictJson.Parse("{\"a\": 1,, \"b\": \"\\ud800\"}"));

        Assert.IsNotType<LoneSurrogateJsonException>(error);
    }

    [Fact]
    public void Scan_GceConsoleLineWithLoneSurrogates_ProblemNotCrash()
    {
        foreach (var escape in LoneSurrogates)
        {
            foreach (var field in (string[])["userName", "encryptedPassword", "modulus", "hashFunction", "errorMessage"])
            {
                var line = $"{{\"userName\":\"alice\",\"passwordFound\":true,\"encryptedPassword\":\"AAAA\",\"modulus\":\"AQAB\",\"{field}\":\"{escape}\"}}";

                var scan = PasswordOutputParser.Scan("2024/05/14 10:00:00Z: boot\n" + line + "\n");

                Assert.Empty(scan.Passwords);
                Assert.Contains(scan.Problems, p => p.Contains("line 2", StringComparison.Ordinal) && p.Contains("surrogate", StringComparison.Ordinal));
            }
        }
    }

    [Fact]
    public void ParseAll_GceWindowsKeysWithLoneSurrogate_ProblemNotCrash()
    {
        foreach (var escape in LoneSurrogates)
        {
            var scan = GceWindowsKey.ParseAll($"{{\"userName\":\"{escape}\",\"modulus\":\"AQAB\",\"exponent\":\"AQAB\",\"expireOn\":\"2099-01-01T00:00:00Z\"}}");

            Assert.Empty(scan.Keys);
            Assert.Contains("surrogate", Assert.Single(scan.Problems), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task GetMetadata_GceInstanceJsonWithLoneSurrogates_CloudException()
    {
        foreach (var escape in LoneSurrogates)
        {
            foreach (var field in (string[])["hostname", "zone", "machineType", "ssh-keys"])
            {
                var instance = $"{{\"id\": 4520031799277581759, \"{(field == "ssh-keys" ? "attributes\": {\"ssh-keys" : field)}\": \"{escape}\"{(field == "ssh-keys" ? "}" : string.Empty)}}}";
                await using var server = new LoopbackHttpServer(request => request.Path == "/computeMetadata/v1/instance/?recursive=true&alt=json"
                    ? LoopbackReply.Ok(instance, ("Metadata-Flavor", "Google"), ("Content-Type", "application/json"))
                    : LoopbackReply.Text(404, "Not Found", ("Metadata-Flavor", "Google")));
                using var provider = new GceMetadataProvider(server.BaseUri, Fast);

                var error = await Assert.ThrowsAsync<CloudException>(() => provider.GetMetadataAsync(TestContext.Current.CancellationToken));

                Assert.Contains("surrogate", error.Message, StringComparison.Ordinal);
            }
        }
    }

    /// <summary>Instance ids no cloud issues: binary, too long, with white space, separators or controls.</summary>
    public static TheoryData<string> HostileInstanceIds()
    {
        var binary = new byte[25_000];
        for (var i = 0; i < binary.Length; i++)
        {
            binary[i] = (byte)((i * 7919) + (i >> 8)); // every byte value, in no text-like order
        }

        return new TheoryData<string>
        {
            Encoding.Latin1.GetString(binary),
            new string('a', InstanceMetadata.MaxInstanceIdLength + 1),
            "i-1 2",
            "i-1/../../x",
            "i-1\\x",
            "i-\u00e9",
            "i-1\u0000",
            "\"i-1\"",
        };
    }

    [Theory]
    [MemberData(nameof(HostileInstanceIds))]
    public async Task GetMetadata_Ec2HostileInstanceId_Refused(string id)
    {
        var imds = new FakeImds();
        imds.Overrides["/latest/meta-data/instance-id"] = () => new LoopbackReply(200, Encoding.Latin1.GetBytes(id));
        await using var server = new LoopbackHttpServer(imds.Handle);
        using var provider = new Ec2ImdsProvider(server.BaseUri, Fast);

        var error = await Assert.ThrowsAsync<CloudException>(() => provider.GetMetadataAsync(TestContext.Current.CancellationToken));

        Assert.Contains("instance id", error.Message, StringComparison.Ordinal);
        Assert.True(error.Message.Length < 300, "the message must not echo the value: " + error.Message.Length);
    }

    [Fact]
    public async Task GetMetadata_Ec2HostNameWithControlCharacters_Refused()
    {
        var imds = new FakeImds();
        imds.Items["meta-data/local-hostname"] = "ip-10-0-0-1\u001b[2J.ec2.internal";
        await using var server = new LoopbackHttpServer(imds.Handle);
        using var provider = new Ec2ImdsProvider(server.BaseUri, Fast);

        var error = await Assert.ThrowsAsync<CloudException>(() => provider.GetMetadataAsync(TestContext.Current.CancellationToken));

        Assert.Contains("host name", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("i-1234567890abcdef0")]
    [InlineData("83679162-1378-4288-a2d4-70e13ec132aa")]
    [InlineData("4520031799277581759")]
    [InlineData("iid-local01")]
    public void Create_RealInstanceIds_Accepted(string id)
    {
        var metadata = new InstanceMetadata(MetadataSource.Ec2, "x", id, null, [], ReadOnlyMemory<byte>.Empty, null, null, null, null, null);

        Assert.Equal(id, metadata.InstanceId);
    }
}

/// <summary>Found by fuzzing (metadata-json): bytes that are not UTF-8 inside a JSON string escaped as InvalidOperationException.</summary>
public sealed class InvalidUtf8MetadataTests
{
    public static TheoryData<byte[]> NotUtf8 => new() { new byte[] { 0xFF }, new byte[] { 0x80 }, new byte[] { 0xC0, 0xAF }, new byte[] { 0xED, 0xA0, 0x80 }, new byte[] { 0xE2, 0x82 }, new byte[] { 0xF8, 0x88, 0x80, 0x80, 0x80 } };

    [Theory]
    [MemberData(nameof(NotUtf8))]
    public void Parse_OpenStackStringWithBytesNotUtf8_CloudException(byte[] bad)
    {
        foreach (var (before, after) in new[] { ("{\"uuid\":\"", "\"}"), ("{\"uuid\":\"u\",\"hostname\":\"h", "x\"}"), ("{\"", "\":1,\"uuid\":\"u\"}") })
        {
            byte[] json = [.. System.Text.Encoding.UTF8.GetBytes(before), .. bad, .. System.Text.Encoding.UTF8.GetBytes(after)];

            var error = Assert.Throws<CloudException>(() => OpenStackMetadataDocument.Parse(json, "meta_data.json"));

            Assert.Contains("not UTF-8", error.Message, StringComparison.Ordinal);
        }
    }
}
