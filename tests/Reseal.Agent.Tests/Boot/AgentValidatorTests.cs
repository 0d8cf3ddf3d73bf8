using Reseal.Agent.Boot;
using Reseal.TestSupport;

namespace Reseal.Agent.Tests.Boot;

public sealed class AgentValidatorTests
{
    [Fact]
    public void Validate_NoFiles_DefaultConfigCleanExitZero()
    {
        var report = AgentValidator.Validate(null, null);

        Assert.Empty(report.Diagnostics);
        Assert.Equal(0, report.ExitCode);
        Assert.Null(report.UserData);
    }

    [Fact]
    public void Validate_BadConfigAndUserData_EveryProblemWithFileLineColumnExitOne()
    {
        using var dir = new TempDirectory();
        var config = dir.Write("agent-config.yml", "version: 1.0\nconfig:\n- stage: preReady\n  tasks:\n  - task: setHostName\n  - task: nope\n");
        var userData = dir.Write("user-data", "#cloud-config\npackages: [git]\nset_timezone: UTC\n");

        var report = AgentValidator.Validate(config, userData);

        Assert.Equal(1, report.ExitCode);
        Assert.Equal(
            [
                $"{config}:5:11: error RA121: task 'setHostName' cannot run in stage preReady; it runs in: postReady, userData",
                $"{config}:6:11: error RA120: unknown task 'nope'",
                $"{userData}:2:1: warning RA206: cloud-config key 'packages' is not supported and is ignored; supported: write_files, set_hostname, set_timezone, users, runcmd",
            ],
            report.Diagnostics.Select(d => d.ToString()));
    }

    [Fact]
    public void Validate_WarningsOnly_ExitZero()
    {
        using var dir = new TempDirectory();
        var userData = dir.Write("user-data", "#cloud-config\nntp:\n  enabled: true\n");

        Assert.Equal(0, AgentValidator.Validate(null, userData).ExitCode);
    }
}
