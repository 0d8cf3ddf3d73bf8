namespace Reseal.Windows.Layout;

/// <summary>
/// The on-disk contract between sealing (Reseal.Sysprep) and first boot (Reseal.Agent's Boot): where Reseal's files lie on
/// a Windows machine (Windows paths; DESIGN.md "Windows state on a machine"), the first-boot hook line the seal adds to
/// SetupComplete.cmd and the agent looks for, the agent state files a seal resets (<see cref="AgentStateFiles"/>), the
/// console lines both write (<see cref="FirstBootConsole"/>) and how the seal has the agent's configuration checked
/// (<see cref="IAgentConfigValidator"/>). Both sides read these names from here, so neither depends on the other.
/// </summary>
public static class SealPaths
{
    /// <summary>Reseal's executable.</summary>
    public const string ResealExe = @"%ProgramFiles%\Reseal\reseal.exe";

    /// <summary>The agent configuration.</summary>
    public const string AgentConfig = @"%ProgramData%\Reseal\config\agent-config.yml";

    /// <summary>The agent state folder (its files: <see cref="AgentStateFiles"/>).</summary>
    public const string StateDirectory = @"%ProgramData%\Reseal\state";

    /// <summary>The agent log folder (deleted with <c>--clean</c>).</summary>
    public const string LogDirectory = @"%ProgramData%\Reseal\log";

    /// <summary>Sealing's own folder.</summary>
    public const string SysprepDirectory = @"%ProgramData%\Reseal\sysprep";

    /// <summary>The answer file Sysprep is given with <c>/unattend:</c>.</summary>
    public const string AnswerFile = SysprepDirectory + @"\unattend.xml";

    /// <summary>The user's own hook, run before Sysprep when present.</summary>
    public const string BeforeSysprepHook = SysprepDirectory + @"\BeforeSysprep.cmd";

    /// <summary>
    /// The undo journal of an apply. A failed seal undoes and deletes it; after a successful seal it stays in the image
    /// and the agent deletes it at the clone's first boot.
    /// </summary>
    public const string Journal = SysprepDirectory + @"\seal-journal.json";

    /// <summary>The script Windows runs as SYSTEM after Setup, before the logon screen.</summary>
    public const string SetupComplete = @"%WINDIR%\Setup\Scripts\SetupComplete.cmd";

    /// <summary>Sysprep.</summary>
    public const string SysprepExe = @"%WINDIR%\System32\Sysprep\sysprep.exe";

    /// <summary>The key of <see cref="RdpValueName"/> in HKLM\SYSTEM.</summary>
    public const string TerminalServerKey = @"CurrentControlSet\Control\Terminal Server";

    /// <summary>The folder Sysprep logs its own runs to (setupact.log, setuperr.log).</summary>
    public const string SysprepPantherDirectory = @"%WINDIR%\System32\Sysprep\Panther";

    /// <summary>The file Sysprep writes when it succeeds.</summary>
    public const string SysprepSucceededTag = @"%WINDIR%\System32\Sysprep\Sysprep_succeeded.tag";

    /// <summary>cmd.exe, which runs the BeforeSysprep hook.</summary>
    public const string CmdExe = @"%WINDIR%\System32\cmd.exe";

    /// <summary>1 = Remote Desktop connections denied.</summary>
    public const string RdpValueName = "fDenyTSConnections";

    /// <summary>The locale the answer file takes when the machine does not say.</summary>
    public const string LocaleKey = @"Control Panel\International";

    /// <summary>
    /// The line added to SetupComplete.cmd (DESIGN.md lifecycle step 4): hands the boot over to the Reseal service, which
    /// runs the agent once Setup has finished (the agent's SetupHandOver). It returns in seconds and never
    /// restarts the machine: SetupComplete.cmd runs before the logon screen and must not reboot (docs/windows-behaviour.md).
    /// </summary>
    public const string FirstBootHookLine = $"\"{ResealExe}\" agent setup-complete";

    /// <summary>The line earlier versions added, which ran the whole agent inside SetupComplete.cmd; a seal replaces it.</summary>
    public const string LegacyFirstBootHookLine = $"\"{ResealExe}\" agent run";

    /// <summary>True for a line of SetupComplete.cmd that is the first-boot hook, this version's or an earlier one's.</summary>
    public static bool IsFirstBootHook(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        return IsCurrentFirstBootHook(line) || line.Trim().Equals(LegacyFirstBootHookLine, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>True for this version's first-boot hook line.</summary>
    public static bool IsCurrentFirstBootHook(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        return line.Trim().Equals(FirstBootHookLine, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The suffix a moved-aside cached answer file gets.</summary>
    public const string MovedAsideSuffix = ".reseal-moved";

    /// <summary>
    /// The name of the <paramref name="copy"/>th copy a seal moved aside from <paramref name="path"/>: <c>.reseal-moved</c>
    /// for the first, then <c>.reseal-moved-2</c>, <c>-3</c>... (one per seal run; the seal numbers them without gaps).
    /// </summary>
    public static string MovedAside(string path, int copy)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentOutOfRangeException.ThrowIfLessThan(copy, 1);
        return copy == 1 ? path + MovedAsideSuffix : path + MovedAsideSuffix + "-" + copy.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}
