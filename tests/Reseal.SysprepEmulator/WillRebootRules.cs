namespace Reseal.SysprepEmulator;

/// <summary>What Setup does after a RunSynchronous command returned.</summary>
public enum CommandOutcome
{
    /// <summary>Go on with the next command in this boot.</summary>
    Continue,

    /// <summary>Reboot now; after the reboot go on with the next command.</summary>
    RebootThenNext,

    /// <summary>Reboot now; after the reboot run the same command again ("still in process").</summary>
    RebootThenRerun,

    /// <summary>A fatal error: Setup stops with a blocking dialog (or ErrorHandler.cmd runs).</summary>
    Fatal,
}

/// <summary>
/// The WillReboot rules of seeds/004 ("How Sysprep Works", Displaying RunSynchronous Actions):
/// <list type="bullet">
/// <item>Always: a reboot follows whatever the command returned; nonzero is a failure (red X) but not fatal.</item>
/// <item>Never (the default): no reboot; nonzero is a failure but not fatal.</item>
/// <item>OnRequest: 0 = success; 1 = success, reboot, then the next command; 2 = reboot, then the same command again;
/// any other value = fatal error.</item>
/// </list>
/// </summary>
public static class WillRebootRules
{
    public static CommandOutcome Decide(WillReboot willReboot, int exitCode) => willReboot switch
    {
        WillReboot.Always => CommandOutcome.RebootThenNext,
        WillReboot.Never => CommandOutcome.Continue,
        _ => exitCode switch
        {
            0 => CommandOutcome.Continue,
            1 => CommandOutcome.RebootThenNext,
            2 => CommandOutcome.RebootThenRerun,
            _ => CommandOutcome.Fatal,
        },
    };

    /// <summary>Success (green check) or failure (red X) as the AuditUI shows it.</summary>
    public static bool Succeeded(WillReboot willReboot, int exitCode) =>
        exitCode == 0 || (willReboot == WillReboot.OnRequest && exitCode is 1 or 2);
}
