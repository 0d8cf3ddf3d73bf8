using Xunit;

namespace Reseal.TestSupport;

/// <summary>
/// Files that are not regular files, under the name a reader expects (issue 16: a FIFO named setupact.log made
/// <c>reseal diagnose</c> wait forever): a FIFO, or a link to the never-ending <c>/dev/zero</c>. Each reader must answer
/// at once, naming the file, never block or read without end.
/// </summary>
public static class NonRegularFiles
{
    /// <summary>How long a reader may take on one before it counts as blocked.</summary>
    public static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    /// <summary>The kinds <see cref="Make"/> knows (a test's theory data).</summary>
    public static IReadOnlyList<string> Kinds { get; } = ["fifo", "zero"];

    /// <summary>A FIFO (<c>fifo</c>) or a link to <c>/dev/zero</c> (<c>zero</c>) at <paramref name="path"/>; skips where there is none.</summary>
    public static string Make(string kind, string path) => kind == "fifo" ? MakeFifo(path) : LinkToZero(path);

    /// <summary>Runs <paramref name="read"/> and fails when it does not return within <see cref="Limit"/>.</summary>
    public static T Within<T>(Func<T> read, CancellationToken cancellationToken)
    {
        var task = Task.Run(read, cancellationToken);
        Assert.True(task.Wait(Limit, cancellationToken), "the reader blocked on a file that is not a regular file");
        return task.Result;
    }

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
}
