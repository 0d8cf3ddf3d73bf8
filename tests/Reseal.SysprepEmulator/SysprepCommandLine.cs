namespace Reseal.SysprepEmulator;

/// <summary>What Sysprep does when it has finished.</summary>
public enum PowerAction
{
    /// <summary>No switch: Sysprep quits and leaves the machine running.</summary>
    None,
    Reboot,
    Shutdown,
    Quit,
}

/// <summary>What the emulator was asked to do.</summary>
public enum EmulatorMode
{
    /// <summary>Play sysprep.exe: validate, generalize/cleanup, then record the shutdown or reboot.</summary>
    Sysprep,

    /// <summary>Test-only: play one boot of the machine (specialize, oobeSystem, SetupComplete.cmd as due).</summary>
    Boot,
}

/// <summary>A command line that sysprep.exe refuses, with the reason it gives.</summary>
public sealed class SysprepUsageException(string message) : Exception(message);

/// <summary>
/// Sysprep's command line (answerfiles.md §6, CP:manufacture/desktop/sysprep-command-line-options.md):
/// <c>sysprep.exe [/oobe | /audit] [/generalize] [/mode:vm] [/reboot | /shutdown | /quit] [/quiet] [/unattend:&lt;file&gt;]</c>.
/// </summary>
/// <remarks>
/// <para>Switches are case-insensitive and may start with <c>/</c> or <c>-</c>; a repeated switch counts once. Rules:
/// <c>/oobe</c> and <c>/audit</c> exclude each other and one of them is needed (without either, real Sysprep opens its
/// window); at most one of <c>/reboot</c>, <c>/shutdown</c>, <c>/quit</c>; <c>/mode:vm</c> needs <c>/generalize</c> and
/// cannot go with <c>/audit</c>; <c>/unattend:</c> needs a file, which may also be the next argument (EC2Config runs
/// <c>sysprep.exe /unattend: "C:\...\sysprep2008.xml" /oobe /generalize /shutdown</c>, seeds/000). No argument at all
/// would open Sysprep's window, which the emulator refuses.</para>
/// <para><c>/emulator-boot</c> is the emulator's own test-only switch (never Sysprep's) and stands alone.</para>
/// </remarks>
public sealed record SysprepCommandLine
{
    public const string BootSwitch = "/emulator-boot";

    public EmulatorMode Mode { get; init; } = EmulatorMode.Sysprep;

    public bool Oobe { get; init; }

    public bool Audit { get; init; }

    public bool Generalize { get; init; }

    public bool VmMode { get; init; }

    public bool Quiet { get; init; }

    public PowerAction Action { get; init; }

    public string? Unattend { get; init; }

    /// <summary>The options in the upper-case form Sysprep logs (<c>ParseCommands:Found supported command line option 'GENERALIZE'</c>).</summary>
    public IReadOnlyList<string> LoggedOptions { get; init; } = [];

    /// <summary>Parses the arguments as the C runtime split them.</summary>
    /// <exception cref="SysprepUsageException">An unknown switch or a combination Sysprep refuses.</exception>
    public static SysprepCommandLine Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Count == 1 && args[0].Equals(BootSwitch, StringComparison.OrdinalIgnoreCase))
        {
            return new SysprepCommandLine { Mode = EmulatorMode.Boot };
        }

        if (args.Count == 0)
        {
            throw new SysprepUsageException("no switches: real Sysprep would open its window; give /oobe or /audit and the other switches");
        }

        var result = new SysprepCommandLine();
        var logged = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            var token = args[i].Trim();
            if (token.Length < 2 || token[0] is not ('/' or '-'))
            {
                throw new SysprepUsageException($"'{args[i]}' is not a Sysprep switch; switches start with /");
            }

            var body = token[1..];
            var colon = body.IndexOf(':', StringComparison.Ordinal);
            var name = (colon < 0 ? body : body[..colon]).ToLowerInvariant();
            var value = colon < 0 ? null : body[(colon + 1)..];
            if (name == "emulator-boot")
            {
                throw new SysprepUsageException($"{BootSwitch} (the emulator's boot) cannot be combined with other switches");
            }

            if (value is not null && name is not ("mode" or "unattend"))
            {
                throw new SysprepUsageException($"'{args[i]}': /{name} takes no value");
            }

            switch (name)
            {
                case "oobe":
                    result = result with { Oobe = true };
                    break;
                case "audit":
                    result = result with { Audit = true };
                    break;
                case "generalize":
                    result = result with { Generalize = true };
                    break;
                case "quiet":
                    result = result with { Quiet = true };
                    break;
                case "reboot":
                    result = WithAction(result, PowerAction.Reboot, args[i]);
                    break;
                case "shutdown":
                    result = WithAction(result, PowerAction.Shutdown, args[i]);
                    break;
                case "quit":
                    result = WithAction(result, PowerAction.Quit, args[i]);
                    break;
                case "mode":
                    if (!string.Equals(value, "vm", StringComparison.OrdinalIgnoreCase))
                    {
                        throw new SysprepUsageException($"'{args[i]}': the only mode is /mode:vm");
                    }

                    result = result with { VmMode = true };
                    break;
                case "unattend":
                    var file = value?.Trim().Trim('"');
                    if (string.IsNullOrEmpty(file) && i + 1 < args.Count && args[i + 1].Length > 0 && args[i + 1][0] is not ('/' or '-'))
                    {
                        file = args[++i].Trim().Trim('"');
                    }

                    if (string.IsNullOrEmpty(file))
                    {
                        throw new SysprepUsageException("/unattend: needs an answer file, as in /unattend:C:\\unattend.xml");
                    }

                    if (result.Unattend is not null && !result.Unattend.Equals(file, StringComparison.OrdinalIgnoreCase))
                    {
                        throw new SysprepUsageException("/unattend: given twice with different files");
                    }

                    result = result with { Unattend = file };
                    break;
                default:
                    throw new SysprepUsageException(
                        $"'{args[i]}' is not a Sysprep switch (known: /oobe /audit /generalize /mode:vm /reboot /shutdown /quit /quiet /unattend:<file>)");
            }

            var option = name.ToUpperInvariant();
            if (!logged.Contains(option))
            {
                logged.Add(option);
            }
        }

        if (result.Oobe && result.Audit)
        {
            throw new SysprepUsageException("/oobe and /audit cannot be used together");
        }

        if (!result.Oobe && !result.Audit)
        {
            throw new SysprepUsageException("give /oobe or /audit (without either, real Sysprep opens its window to ask)");
        }

        if (result.VmMode && !result.Generalize)
        {
            throw new SysprepUsageException("/mode:vm is only valid with /generalize");
        }

        if (result.VmMode && result.Audit)
        {
            throw new SysprepUsageException("/mode:vm cannot be used with /audit");
        }

        return result with { LoggedOptions = logged };
    }

    /// <summary>The ImageState the run leaves behind when it succeeds (answerfiles.md §6).</summary>
    public string TargetImageState => (Generalize, Audit) switch
    {
        (true, false) => ImageStates.GeneralizeResealToOobe,
        (true, true) => ImageStates.GeneralizeResealToAudit,
        (false, false) => ImageStates.SpecializeResealToOobe,
        (false, true) => ImageStates.SpecializeResealToAudit,
    };

    private static SysprepCommandLine WithAction(SysprepCommandLine current, PowerAction action, string token) =>
        current.Action != PowerAction.None && current.Action != action
            ? throw new SysprepUsageException($"'{token}' conflicts with /{current.Action.ToString().ToLowerInvariant()}: choose one of /reboot, /shutdown, /quit")
            : current with { Action = action };
}

/// <summary>The documented ImageState values.</summary>
public static class ImageStates
{
    public const string Complete = "IMAGE_STATE_COMPLETE";
    public const string Undeployable = "IMAGE_STATE_UNDEPLOYABLE";
    public const string GeneralizeResealToOobe = "IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE";
    public const string GeneralizeResealToAudit = "IMAGE_STATE_GENERALIZE_RESEAL_TO_AUDIT";
    public const string SpecializeResealToOobe = "IMAGE_STATE_SPECIALIZE_RESEAL_TO_OOBE";
    public const string SpecializeResealToAudit = "IMAGE_STATE_SPECIALIZE_RESEAL_TO_AUDIT";
}
