using Reseal.SysprepEmulator;

namespace Reseal.Wine.Tests.Emulator;

/// <summary>The table of seeds/004 ("Displaying RunSynchronous Actions in an Answer File").</summary>
public sealed class WillRebootRulesTests
{
    [Theory]
    [InlineData(WillReboot.Always, 0, CommandOutcome.RebootThenNext, true)]
    [InlineData(WillReboot.Always, 5, CommandOutcome.RebootThenNext, false)]
    [InlineData(WillReboot.Never, 0, CommandOutcome.Continue, true)]
    [InlineData(WillReboot.Never, 1, CommandOutcome.Continue, false)]
    [InlineData(WillReboot.Never, 3010, CommandOutcome.Continue, false)]
    [InlineData(WillReboot.OnRequest, 0, CommandOutcome.Continue, true)]
    [InlineData(WillReboot.OnRequest, 1, CommandOutcome.RebootThenNext, true)]
    [InlineData(WillReboot.OnRequest, 2, CommandOutcome.RebootThenRerun, true)]
    [InlineData(WillReboot.OnRequest, 3, CommandOutcome.Fatal, false)]
    [InlineData(WillReboot.OnRequest, -1, CommandOutcome.Fatal, false)]
    public void Decide_ExitCode_AsDocumented(WillReboot willReboot, int exitCode, CommandOutcome outcome, bool success)
    {
        Assert.Equal(outcome, WillRebootRules.Decide(willReboot, exitCode));
        Assert.Equal(success, WillRebootRules.Succeeded(willReboot, exitCode));
    }
}
