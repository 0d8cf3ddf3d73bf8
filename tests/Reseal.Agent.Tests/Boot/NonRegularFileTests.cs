using Reseal.Agent.Boot.Config;
using Reseal.Agent.Boot.UserData;
using Reseal.TestSupport;

namespace Reseal.Agent.Tests.Boot;

/// <summary>
/// Issue 16: the agent's readers that open a file by path (configuration, user data) tried on a FIFO and on a never-ending
/// device under the name they expect (<see cref="NonRegularFiles"/>): each must answer at once, naming the file. The
/// Panther log reader's case is in Reseal.Sysprep.Tests.
/// </summary>
public sealed class NonRegularFileTests
{
    public static TheoryData<string> Kinds => [.. NonRegularFiles.Kinds];

    [Theory]
    [MemberData(nameof(Kinds))]
    public void ReadFile_NonRegularAgentConfig_ErrorAtOnce(string kind)
    {
        using var temp = new TempDirectory();
        var path = NonRegularFiles.Make(kind, temp.File("agent-config.yml"));

        var result = NonRegularFiles.Within(() => AgentConfigReader.ReadFile(path), TestContext.Current.CancellationToken);

        Assert.Null(result.Config);
        Assert.Contains(result.Diagnostics, d => d.IsError && (d.Message.Contains("not a regular file", StringComparison.Ordinal) || d.Message.Contains("larger than", StringComparison.Ordinal)));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void ParseFile_NonRegularUserData_ErrorAtOnce(string kind)
    {
        using var temp = new TempDirectory();
        var path = NonRegularFiles.Make(kind, temp.File("user-data"));

        var result = NonRegularFiles.Within(() => UserDataParser.ParseFile(path), TestContext.Current.CancellationToken);

        Assert.Empty(result.Items);
        Assert.Contains(result.Diagnostics, d => d.IsError && (d.Message.Contains("not a regular file", StringComparison.Ordinal) || d.Message.Contains("larger than", StringComparison.Ordinal)));
    }
}
