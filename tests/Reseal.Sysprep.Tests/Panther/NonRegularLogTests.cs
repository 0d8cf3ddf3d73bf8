using Reseal.Sysprep.Panther;
using Reseal.TestSupport;

namespace Reseal.Sysprep.Tests.Panther;

/// <summary>
/// Issue 16: a FIFO named setupact.log made <c>reseal diagnose</c> wait forever (open(2) of a FIFO blocks until a writer
/// comes). The diagnoser is tried on a FIFO and on a never-ending device named setupact.log (<see cref="NonRegularFiles"/>):
/// it must answer at once, naming the file, never block or read without end.
/// </summary>
public sealed class NonRegularLogTests
{
    public static TheoryData<string> Kinds => [.. NonRegularFiles.Kinds];

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Diagnose_NonRegularSetupactLog_ProblemNamedAtOnce(string kind)
    {
        using var temp = new TempDirectory();
        var path = NonRegularFiles.Make(kind, temp.File("setupact.log"));

        var diagnosis = NonRegularFiles.Within(() => new PantherDiagnoser().Diagnose(temp.Path, TestContext.Current.CancellationToken), TestContext.Current.CancellationToken);

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
}
