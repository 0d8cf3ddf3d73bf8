using System.Formats.Tar;
using System.IO.Compression;
using System.Text.Json;
using Reseal.TestSupport;

namespace Reseal.Cli.Tests;

/// <summary>
/// The Linux build as shipped (<c>scripts/publish.sh linux-x64</c>: Native AOT, one executable) runs the paths where
/// trimming or AOT could break something (JSON, YAML, XML, crypto, the embedded catalog, the seal journal), and answers
/// byte for byte what the in-process (JIT) build answers. Publishing takes minutes; <see cref="PublishedBuild"/> caches it.
/// </summary>
public class ShippedBuildTests
{
    private static async Task<string> LinuxX64Async()
    {
        ExternalTool.Require("clang", "clang");
        ExternalTool.Require("ld.lld", "lld");
        return Path.Combine(await PublishedBuild.GetAsync("linux-x64", cancellationToken: TestContext.Current.CancellationToken), "reseal");
    }

    private static CliResult Run(string exe, string[] args, string? stdin = null)
    {
        var result = ExternalTool.Run(exe, args, stdin ?? string.Empty, TimeSpan.FromMinutes(2));
        return new CliResult(result.ExitCode, result.StandardOutput, result.StandardError);
    }

    [Fact]
    public async Task Publish_LinuxX64_IsOneNativeExecutableThatNeedsNoRuntime()
    {
        var exe = await LinuxX64Async();
        var readelf = ExternalTool.Require("readelf", "binutils");

        var header = File.ReadAllBytes(exe).AsSpan(0, 4).ToArray();
        var dynamic = ExternalTool.Run(readelf, ["-d", exe]);
        var files = Directory.GetFiles(Path.GetDirectoryName(exe)!).Select(Path.GetFileName).Where(f => f != ".complete").Order(StringComparer.Ordinal);

        Assert.Equal("\u007fELF"u8.ToArray(), header);
        Assert.Equal(0, dynamic.ExitCode);
        // A framework-dependent or single-file .NET program needs libhostfxr/libcoreclr; a Native AOT one only the C library.
        Assert.DoesNotContain("hostfxr", dynamic.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("coreclr", dynamic.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("libc.so", dynamic.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(["reseal", $"reseal-{PublishedBuild.Version}-linux-x64.tar.gz"], files);
    }

    [Fact]
    public async Task Version_ShippedBuild_IsTheBuildPropsVersion()
    {
        var result = Run(await LinuxX64Async(), ["--version"]);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(PublishedBuild.Version, result.Out.Trim());
    }

    [Fact]
    public async Task VersionCommand_ShippedBuild_IsNativeAotWithTheCommitPublishPassed()
    {
        var result = Run(await LinuxX64Async(), ["version", "--format", "json"]);

        Assert.Equal(0, result.ExitCode);
        using var json = JsonDocument.Parse(result.Out);
        Assert.True(json.RootElement.GetProperty("nativeAot").GetBoolean());
        Assert.Equal("linux-x64", json.RootElement.GetProperty("rid").GetString());
        Assert.StartsWith(".NET ", json.RootElement.GetProperty("runtime").GetString(), StringComparison.Ordinal);
        // publish.sh builds from a copy without .git: the commit is there only because the script passes it.
        VersionTests.AssertRealCommit(json.RootElement.GetProperty("commit").GetString()!);
    }

    [Theory]
    [InlineData("unattend|rules|--format|json")]
    [InlineData("agent|config|--format|json")]
    [InlineData("agent|config")]
    [InlineData("--help")]
    [InlineData("hive|--help")]
    [InlineData("unattend|lint|--no-such-option")]
    public async Task Command_ShippedBuild_AnswersLikeTheInProcessBuild(string args)
    {
        var exe = await LinuxX64Async();

        var shipped = Run(exe, args.Split('|'));
        var inProcess = CliRunner.Run(args.Split('|'));

        // Help names the program by its executable; in process that is the test host, so name it as shipped.
        var testHost = System.CommandLine.RootCommand.ExecutableName;
        Assert.Equal(inProcess.ExitCode, shipped.ExitCode);
        Assert.Equal(inProcess.Out.Replace($"  {testHost} ", "  reseal ", StringComparison.Ordinal), shipped.Out);
        Assert.Equal(inProcess.Error.Replace($"  {testHost} ", "  reseal ", StringComparison.Ordinal), shipped.Error);
    }

    [Theory]
    [InlineData("json")]
    [InlineData("sarif")]
    public async Task UnattendNewThenLint_ShippedBuild_SameReportAsInProcess(string format)
    {
        var exe = await LinuxX64Async();
        using var temp = new TempDirectory();
        var file = temp.File("unattend.xml");
        var created = Run(exe, ["unattend", "new", "--profile", "ec2launch-v2", "--output", file]);
        // A defect the catalog knows (a lower-case setting name), so the report has findings to compare.
        File.WriteAllText(file, File.ReadAllText(file).Replace("<CopyProfile>", "<copyprofile>", StringComparison.Ordinal)
            .Replace("</CopyProfile>", "</copyprofile>", StringComparison.Ordinal));

        var shipped = Run(exe, ["unattend", "lint", file, "--format", format]);
        var inProcess = CliRunner.Run(["unattend", "lint", file, "--format", format]);

        Assert.True(created.ExitCode == 0, created.Error);
        Assert.Equal(inProcess.ExitCode, shipped.ExitCode);
        Assert.Equal(inProcess.Out, shipped.Out);
        using var _ = JsonDocument.Parse(shipped.Out);
    }

    [Fact]
    public async Task AgentValidate_YamlWithErrors_ShippedBuildReportsLikeInProcess()
    {
        var exe = await LinuxX64Async();
        using var temp = new TempDirectory();
        var config = temp.Write("agent-config.yml", "version: 1.0\nconfig:\n- stage: boot\n  tasks:\n  - task: noSuchTask\n- stage: boot\n  tasks: &a [x]\n  other: *a\n");

        var shipped = Run(exe, ["agent", "validate", "--config", config, "--format", "json"]);
        var inProcess = CliRunner.Run(["agent", "validate", "--config", config, "--format", "json"]);

        Assert.Equal(1, shipped.ExitCode);
        Assert.Equal(inProcess.Out, shipped.Out);
    }

    [Fact]
    public async Task HiveExport_RealSystemHive_ShippedBuildMatchesHivexregedit()
    {
        var exe = await LinuxX64Async();
        var hivexregedit = ExternalTool.Require("hivexregedit", "libwin-hivex-perl");
        using var temp = new TempDirectory();
        var hive = temp.Write("SYSTEM", SharedData.ReadBytes(Path.Combine("hives", "regipy-SYSTEM.gz")));
        var output = temp.File("reseal.reg");

        var shipped = Run(exe, ["hive", "export", hive, "--prefix", "HKEY_LOCAL_MACHINE\\SYSTEM", "-o", output]);
        var reference = ExternalTool.Run(hivexregedit, ["--export", "--prefix", "HKEY_LOCAL_MACHINE\\SYSTEM", hive, "\\"]);

        Assert.True(shipped.ExitCode == 0, shipped.Error);
        Assert.Equal(reference.StandardOutput, File.ReadAllText(output));
    }

    [Fact]
    public async Task PasswordDecrypt_OpenSslCiphertext_ShippedBuildDecrypts()
    {
        var exe = await LinuxX64Async();
        var key = KeyFiles.OpenSslGenpkey(2048);
        var publicKey = KeyFiles.NewPath("pub.pem");
        var plain = KeyFiles.NewPath("plain.txt");
        var cipher = KeyFiles.NewPath("cipher.bin");
        File.WriteAllText(plain, "Shipped-Aot-Pa55!");
        Assert.Equal(0, KeyFiles.OpenSsl("pkey", "-in", key, "-pubout", "-out", publicKey).ExitCode);
        Assert.Equal(0, KeyFiles.OpenSsl("pkeyutl", "-encrypt", "-pubin", "-inkey", publicKey, "-in", plain, "-out", cipher, "-pkeyopt", "rsa_padding_mode:pkcs1").ExitCode);

        var result = Run(exe, ["password", "decrypt", "--key", key, "--data", Convert.ToBase64String(File.ReadAllBytes(cipher))]);

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal("Shipped-Aot-Pa55!", result.Out.Trim());
    }

    [Fact]
    public async Task SealApplyThenRollback_ShippedBuild_RestoresTheTreeThroughItsJournal()
    {
        var exe = await LinuxX64Async();
        using var temp = new TempDirectory();
        var root = SealCommandTests.ReadyTree(temp);
        var before = SealCommandTests.SnapshotAsRolledBack(root);

        var apply = Run(exe, ["seal", "--root", root, "--yes", "--force", "--agent", "reseal", "--profile", "ec2launch-v2"]);
        Assert.True(apply.ExitCode == 0, apply.Out + apply.Error);
        var journal = Directory.GetFiles(root, "*.json", SearchOption.AllDirectories).Single(f => f.Contains("journal", StringComparison.OrdinalIgnoreCase));
        using var parsed = JsonDocument.Parse(File.ReadAllBytes(journal));
        var rollback = Run(exe, ["seal", "--root", root, "--rollback"]);

        Assert.NotEqual(0, parsed.RootElement.GetProperty("changes").GetArrayLength());
        Assert.True(rollback.ExitCode == 0, rollback.Out + rollback.Error);
        Assert.Equal(before, SealCommandTests.Snapshot(root));
    }

    [Fact]
    public async Task Tarball_LinuxX64_HoldsTheExecutableReadmeAndNotices()
    {
        var exe = await LinuxX64Async();
        var tarball = Path.Combine(Path.GetDirectoryName(exe)!, $"reseal-{PublishedBuild.Version}-linux-x64.tar.gz");
        var entries = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        await using (var gzip = new GZipStream(File.OpenRead(tarball), CompressionMode.Decompress))
        {
            using var reader = new TarReader(gzip);
            while (await reader.GetNextEntryAsync(cancellationToken: TestContext.Current.CancellationToken) is { } entry)
            {
                if (entry.EntryType == TarEntryType.RegularFile)
                {
                    using var buffer = new MemoryStream();
                    await entry.DataStream!.CopyToAsync(buffer, TestContext.Current.CancellationToken);
                    entries[entry.Name] = buffer.ToArray();
                }
            }
        }

        var folder = $"reseal-{PublishedBuild.Version}-linux-x64/";
        Assert.Equal(File.ReadAllBytes(exe), entries[folder + "reseal"]);
        Assert.StartsWith("# Reseal", System.Text.Encoding.UTF8.GetString(entries[folder + "README.md"]), StringComparison.Ordinal);
        Assert.Contains(folder + "licenses/dotnet-LICENSE.txt", entries.Keys);
        Assert.Contains(folder + "licenses/dotnet-THIRD-PARTY-NOTICES.txt", entries.Keys);
        var packages = System.Text.Encoding.UTF8.GetString(entries[folder + "licenses/PACKAGES.txt"]);
        Assert.Contains("System.CommandLine", packages, StringComparison.Ordinal);
        Assert.Contains("Spectre.Console", packages, StringComparison.Ordinal);
        Assert.Contains("YamlDotNet", packages, StringComparison.Ordinal);
        Assert.DoesNotContain("unknown", packages, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Publish_LinuxArm64_CrossCompiledBuildRunsUnderQemu()
    {
        ExternalTool.Require("clang", "clang");
        ExternalTool.Require("ld.lld", "lld");
        var qemu = ExternalTool.Require("qemu-aarch64", "qemu-user");
        Assert.SkipUnless(File.Exists("/usr/aarch64-linux-gnu/lib/crt1.o"),
            "the arm64 C library is not installed (Debian packages libc6-dev-arm64-cross libgcc-12-dev-arm64-cross; .ci/run installs them)");
        var exe = Path.Combine(await PublishedBuild.GetAsync("linux-arm64", cancellationToken: TestContext.Current.CancellationToken), "reseal");
        var file = ExternalTool.Require("file", "file");

        var kind = ExternalTool.Run(file, [exe]);
        var version = ExternalTool.Run(qemu, ["-L", "/usr/aarch64-linux-gnu", exe, "--version"]);
        var rules = ExternalTool.Run(qemu, ["-L", "/usr/aarch64-linux-gnu", exe, "unattend", "rules", "--format", "json"], timeout: TimeSpan.FromMinutes(2));

        Assert.Contains("ARM aarch64", kind.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(PublishedBuild.Version, version.StandardOutput.Trim());
        Assert.Equal(CliRunner.Run(["unattend", "rules", "--format", "json"]).Out, rules.StandardOutput);
    }
}
