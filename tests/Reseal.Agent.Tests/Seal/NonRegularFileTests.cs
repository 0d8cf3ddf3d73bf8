using Reseal.Agent.Boot.Config;
using Reseal.Agent.Boot.UserData;
using Reseal.Agent.Seal;
using Reseal.TestSupport;

namespace Reseal.Agent.Tests.Seal;

/// <summary>
/// Issue 16: a FIFO named setupact.log made `reseal diagnose` wait forever (open(2) of a FIFO blocks until a writer
/// comes). Every reader that opens a file by path is tried on a FIFO and on a never-ending device under the name it
/// expects: each must answer at once, naming the file, never block or read without end.
/// </summary>
public sealed class NonRegularFileTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    private static string MakeFifo(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Skip("FIFOs in the file system exist only on Linux and macOS");
        }

        var mkfifo = ExternalTool.Require("mkfifo", "coreutils");
        var result = ExternalTool.Run(mkfifo, [path], timeout: TimeSpan.FromSeconds(30));
        Assert.Equal(0, result.ExitCode);
        return path;
    }

    private static string LinkToZero(string path)
    {
        if (!File.Exists("/dev/zero"))
        {
            Assert.Skip("no /dev/zero here");
        }

        File.CreateSymbolicLink(path, "/dev/zero");
        return path;
    }

    private static T Within<T>(Func<T> read)
    {
        var task = Task.Run(read, TestContext.Current.CancellationToken);
        Assert.True(task.Wait(Limit, TestContext.Current.CancellationToken), "the reader blocked on a file that is not a regular file");
        return task.Result;
    }

    public static TheoryData<string> Kinds => ["fifo", "zero"];

    private static string Make(string kind, string path) => kind == "fifo" ? MakeFifo(path) : LinkToZero(path);

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Diagnose_NonRegularSetupactLog_ProblemNamedAtOnce(string kind)
    {
        using var temp = new TempDirectory();
        var path = Make(kind, temp.File("setupact.log"));

        var diagnosis = Within(() => new PantherDiagnoser().Diagnose(temp.Path, TestContext.Current.CancellationToken));

        if (kind == "fifo")
        {
            Assert.Contains(diagnosis.Problems, p => p.ToString().Contains("not a regular file", StringComparison.Ordinal) && p.ToString().Contains(path, StringComparison.Ordinal));
        }
        else
        {
            // A device that claims length 0 reads as an empty log: nothing read, nothing waited for.
            Assert.Empty(diagnosis.Runs);
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void ReadFile_NonRegularAgentConfig_ErrorAtOnce(string kind)
    {
        using var temp = new TempDirectory();
        var path = Make(kind, temp.File("agent-config.yml"));

        var result = Within(() => AgentConfigReader.ReadFile(path));

        Assert.Null(result.Config);
        Assert.Contains(result.Diagnostics, d => d.IsError && (d.Message.Contains("not a regular file", StringComparison.Ordinal) || d.Message.Contains("larger than", StringComparison.Ordinal)));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void ParseFile_NonRegularUserData_ErrorAtOnce(string kind)
    {
        using var temp = new TempDirectory();
        var path = Make(kind, temp.File("user-data"));

        var result = Within(() => UserDataParser.ParseFile(path));

        Assert.Empty(result.Items);
        Assert.Contains(result.Diagnostics, d => d.IsError && (d.Message.Contains("not a regular file", StringComparison.Ordinal) || d.Message.Contains("larger than", StringComparison.Ordinal)));
    }
}
