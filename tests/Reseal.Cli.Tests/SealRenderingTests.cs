using System.Text.Json.Nodes;
using Reseal.Cli.Rendering;
using Reseal.Sysprep.Seal;

namespace Reseal.Cli.Tests;

/// <summary>The seal results the library returns, as the CLI prints them (text and JSON) and the exit codes they give.</summary>
public sealed class SealRenderingTests
{
    private static readonly SealRunResult FailedNotUndone = new()
    {
        Outcome = SealRunOutcome.Failed,
        Message = "failed, and NOT everything was undone: deny-rdp failed: access denied",
        FailedStep = SealStepIds.DenyRdp,
        Changes = ["deny-rdp: set fDenyTSConnections = 1"],
        Undone = true,
        UndoProblems = ["deny-rdp: fDenyTSConnections: access denied"],
        JournalPath = @"C:\ProgramData\Reseal\sysprep\seal-journal.json",
        WatchStop = SysprepWatchStopReason.Stalled,
        NextSteps = "undo what is listed as NOT UNDONE by hand",
    };

    [Fact]
    public void Text_FailedRunNotUndone_SaysWhatIsLeftAndWhatToDo()
    {
        var text = SealRendering.Text(FailedNotUndone);

        Assert.StartsWith("seal: failed, and NOT everything was undone", text, StringComparison.Ordinal);
        Assert.Contains("  failed step: deny-rdp\n", text, StringComparison.Ordinal);
        Assert.Contains("  changes (undone):\n    - deny-rdp: set fDenyTSConnections = 1\n", text, StringComparison.Ordinal);
        Assert.Contains("  NOT UNDONE: deny-rdp: fDenyTSConnections: access denied\n", text, StringComparison.Ordinal);
        Assert.EndsWith("\nNext: undo what is listed as NOT UNDONE by hand\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Json_FailedRun_ExitCode1AndTheModelsFields()
    {
        var json = JsonNode.Parse(ReportJson.Text(SealRendering.Json(FailedNotUndone)))!.AsObject();

        Assert.Equal("Failed", (string?)json["outcome"]);
        Assert.Equal(1, (int)json["exitCode"]!);
        Assert.Equal("deny-rdp", (string?)json["failedStep"]);
        Assert.Single(json["undoProblems"]!.AsArray());
        Assert.Null(json["preflight"]);
    }

    [Theory]
    [InlineData(SealRunOutcome.Sealed, 0)]
    [InlineData(SealRunOutcome.Failed, 1)]
    [InlineData(SealRunOutcome.GeneralizedWithErrors, 1)]
    [InlineData(SealRunOutcome.Refused, 1)]
    public void ExitCodesFor_RunOutcome_DocumentedCode(SealRunOutcome outcome, int expected) =>
        Assert.Equal(expected, ExitCodes.For(new SealRunResult { Outcome = outcome, Message = "x" }));

    [Theory]
    [InlineData(SealChangeStatus.Done, 0)]
    [InlineData(SealChangeStatus.NothingToDo, 0)]
    [InlineData(SealChangeStatus.Refused, 1)]
    [InlineData(SealChangeStatus.FailedAndUndone, 1)]
    [InlineData(SealChangeStatus.Incomplete, 1)]
    [InlineData(SealChangeStatus.NotWindows, 3)]
    public void ExitCodesFor_ChangeStatus_DocumentedCode(SealChangeStatus status, int expected) =>
        Assert.Equal(expected, ExitCodes.For(status));

    [Fact]
    public void TextAndJson_Rollback_ChangesJournalAndExitCode()
    {
        var result = new SealChangeResult("rollback", SealChangeStatus.Done, "undid 1 change(s)", ["deny-rdp: restored fDenyTSConnections"], @"C:\j.json");

        Assert.Equal("rollback: undid 1 change(s)\n  - deny-rdp: restored fDenyTSConnections\n  journal: C:\\j.json\n", SealRendering.Text(result));
        var json = SealRendering.Json(result);
        Assert.True((bool)json["succeeded"]!);
        Assert.Equal(0, (int)json["exitCode"]!);
    }
}
