using System.Collections.Concurrent;
using Reseal.Agent.Boot.Host;
using Reseal.Agent.Boot.Tasks;
using Reseal.Cloud.Metadata;
using Reseal.TestSupport;
using Reseal.TestSupport.Loopback;

namespace Reseal.Agent.Tests.Boot.Tasks;

/// <summary>
/// GCE's metadata scripts run by whole agent runs against a loopback GCE metadata server (instance and project
/// attributes, a URL script served over HTTP): which run, in which order, once or every boot, and what a broken one does.
/// </summary>
public sealed class GceScriptTasksTests : IDisposable
{
    private const string Config = "version: 1.0\nconfig:\n- stage: network\n  tasks:\n  - task: runGceSpecializeScripts\n"
        + "- stage: postReady\n  tasks:\n  - task: runGceStartupScripts\n";

    private readonly TempDirectory _temp = new();
    private readonly FakeWindows _machine = new();
    private readonly ConcurrentQueue<string> _ran = new();

    public GceScriptTasksTests()
    {
        // Each script is written to the script folder, run, then deleted: what is there when the process starts is it.
        _machine.Processes.Handler = request =>
        {
            var script = _machine.Files.ListFiles(@"%ProgramData%\Reseal\scripts").Single();
            var text = System.Text.Encoding.UTF8.GetString(_machine.Files.ReadAllBytes(script)).TrimStart('\uFEFF').Trim();
            _ran.Enqueue($"{Path.GetExtension(script)} {text}");
            return text.Contains("fail", StringComparison.Ordinal) ? FakeProcesses.Exit(1) : FakeProcesses.Exit(0);
        };
    }

    public void Dispose() => _temp.Dispose();

    private AgentPaths Paths => new(_temp.File("agent-config.yml"), _temp.File("state"), _temp.File("log"));

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private async Task<AgentRunResult> Run(FakeGceMetadata gce)
    {
        await File.WriteAllTextAsync(Paths.ConfigFile, Config, Token);
        using var provider = new GceMetadataProvider(gce.BaseUri, FastMetadata.Options);
        return await new AgentSession(_machine, Paths, TimeProvider.System, new AgentRunOptions { Providers = [provider], AllowReboot = false }).RunAsync(Token);
    }

    [Fact]
    public async Task Scripts_InstanceAndProject_RunInGceOrderSpecializeOnlyOnce()
    {
        await using var gce = new FakeGceMetadata();
        gce.SetAttribute("sysprep-specialize-script-cmd", "echo specialize");
        gce.SetAttribute("windows-startup-script-url", gce.BaseUri + "files/start.ps1");
        gce.SetAttribute("windows-startup-script-cmd", "echo instance-cmd");
        gce.SetAttribute("windows-startup-script-ps1", "Write-Output instance-ps1");
        gce.SetAttribute("windows-shutdown-script-cmd", "echo shutdown");
        gce.ProjectAttributes = new() { ["windows-startup-script-bat"] = "echo project-bat", ["windows-startup-script-cmd"] = "echo project-cmd" };
        gce.Files["start.ps1"] = "Write-Output from-url";

        var first = await Run(gce);
        var firstRan = _ran.ToList();
        _ran.Clear();
        var second = await Run(gce);

        Assert.Equal(0, first.ExitCode);
        // ps1, cmd, bat, url (URL last on Windows); the instance's cmd wins over the project's; shutdown scripts are not run at boot.
        Assert.Equal([".cmd echo specialize", ".ps1 Write-Output instance-ps1", ".cmd echo instance-cmd", ".cmd echo project-bat", ".ps1 Write-Output from-url"], firstRan);
        Assert.Equal(0, second.ExitCode);
        Assert.Equal([".ps1 Write-Output instance-ps1", ".cmd echo instance-cmd", ".cmd echo project-bat", ".ps1 Write-Output from-url"], _ran);
        Assert.Contains(first.ConsoleLines, l => l.Contains("windows-startup-script-bat: running (project metadata)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Scripts_OneFailsAndAUrlIsMissing_TheOthersRunAndTheTaskNamesBoth()
    {
        await using var gce = new FakeGceMetadata();
        gce.SetAttribute("windows-startup-script-ps1", "Write-Output fail");
        gce.SetAttribute("windows-startup-script-cmd", "echo fine");
        gce.SetAttribute("windows-startup-script-url", gce.BaseUri + "files/gone.cmd");

        var result = await Run(gce);

        Assert.Equal(AgentExitCodes.TaskFailed, result.ExitCode);
        Assert.Equal([".ps1 Write-Output fail", ".cmd echo fine"], _ran);
        var failed = Assert.Single(result.Run.Outcomes, o => o.Task == "runGceStartupScripts");
        Assert.Contains("windows-startup-script-ps1: exit code 1", failed.Message, StringComparison.Ordinal);
        Assert.Contains("windows-startup-script-url: GCE script", failed.Message, StringComparison.Ordinal);
        Assert.Contains("404", failed.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("files/tool.exe", "does not end in .ps1, .cmd or .bat")]
    [InlineData("ftp://example.invalid/x.ps1", "neither gs://BUCKET/OBJECT nor an http(s) address")]
    public async Task Scripts_UrlThatCannotBeRun_ClearFailureNothingRun(string url, string expected)
    {
        await using var gce = new FakeGceMetadata();
        gce.SetAttribute("windows-startup-script-url", url.Contains("://", StringComparison.Ordinal) ? url : gce.BaseUri + url);
        gce.Files["tool.exe"] = "MZ";

        var result = await Run(gce);

        Assert.Empty(_ran);
        Assert.Contains(expected, Assert.Single(result.Run.Outcomes, o => o.Task == "runGceStartupScripts").Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scripts_ProjectAttributesFail_InstanceScriptsStillRunAndTheLogSaysWhy()
    {
        await using var gce = new FakeGceMetadata
        {
            Override = r => r.Path.StartsWith("/computeMetadata/v1/project/", StringComparison.Ordinal) ? LoopbackReply.Text(500, "boom") : null,
        };
        gce.SetAttribute("windows-startup-script-cmd", "echo instance");

        var result = await Run(gce);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal([".cmd echo instance"], _ran);
        Assert.Contains("the project's attributes could not be read", await File.ReadAllTextAsync(Paths.AgentLog, Token), StringComparison.Ordinal);
        Assert.Contains("project-wide scripts and SSH keys are not used", await File.ReadAllTextAsync(Paths.AgentLog, Token), StringComparison.Ordinal);
    }

    [Fact]
    public void WouldSkip_OtherCloud_SaysGceOnly()
    {
        var ec2 = new InstanceMetadata(MetadataSource.Ec2, "http://169.254.169.254/", "i-0123456789abcdef0", null, [], ReadOnlyMemory<byte>.Empty, null, null, null, null, null);

        Assert.Equal("GCE only (this metadata is from Ec2)", new GceStartupScriptsTask().WouldSkip(new PlanFacts(ec2, null)));
        Assert.Null(new GceStartupScriptsTask().WouldSkip(PlanFacts.Unknown));
    }
}
