namespace Reseal.Unattend.Explain;

/// <summary>What Sysprep does after it finishes.</summary>
public enum SysprepShutdownAction
{
    /// <summary>No switch: Sysprep leaves the machine running (same as /quit when unattended).</summary>
    None,
    Reboot,
    Shutdown,
    Quit,
}

/// <summary>
/// Sysprep's command line: <c>Sysprep.exe [/oobe | /audit] [/generalize] [/mode:vm] [/reboot | /shutdown | /quit]
/// [/quiet] [/unattend:&lt;file&gt;]</c>. Parsed and validated the way sysprep.exe documents it.
/// </summary>
public sealed record SysprepSwitches
{
    public bool Oobe { get; init; }

    public bool Audit { get; init; }

    public bool Generalize { get; init; }

    public bool VmMode { get; init; }

    public bool Quiet { get; init; }

    public SysprepShutdownAction Action { get; init; }

    public string? Unattend { get; init; }

    /// <summary>The switches every launch agent uses: <c>/generalize /oobe /shutdown</c>.</summary>
    public static SysprepSwitches CloudDefault { get; } = new() { Generalize = true, Oobe = true, Action = SysprepShutdownAction.Shutdown };

    /// <summary>Parses a command line (switches in any order and case, <c>/</c> or <c>-</c>).</summary>
    /// <exception cref="FormatException">An unknown switch or an invalid combination; the message says which.</exception>
    public static SysprepSwitches Parse(string commandLine)
    {
        ArgumentNullException.ThrowIfNull(commandLine);
        var result = new SysprepSwitches();
        foreach (var token in Tokenize(commandLine))
        {
            if (token.Length < 2 || token[0] is not ('/' or '-'))
            {
                throw new FormatException($"'{token}' is not a Sysprep switch; switches start with /");
            }

            var body = token[1..];
            var colon = body.IndexOf(':', StringComparison.Ordinal);
            var name = (colon < 0 ? body : body[..colon]).ToLowerInvariant();
            var value = colon < 0 ? null : body[(colon + 1)..];
            result = name switch
            {
                "oobe" => result with { Oobe = true },
                "audit" => result with { Audit = true },
                "generalize" => result with { Generalize = true },
                "quiet" => result with { Quiet = true },
                "reboot" => WithAction(result, SysprepShutdownAction.Reboot, token),
                "shutdown" => WithAction(result, SysprepShutdownAction.Shutdown, token),
                "quit" => WithAction(result, SysprepShutdownAction.Quit, token),
                "mode" when string.Equals(value, "vm", StringComparison.OrdinalIgnoreCase) => result with { VmMode = true },
                "mode" => throw new FormatException($"'{token}': the only mode is /mode:vm"),
                "unattend" when !string.IsNullOrWhiteSpace(value) => result with { Unattend = value.Trim('"') },
                "unattend" => throw new FormatException("/unattend: needs a file, as in /unattend:C:\\unattend.xml"),
                _ => throw new FormatException($"'{token}' is not a Sysprep switch (known: /oobe /audit /generalize /mode:vm /reboot /shutdown /quit /quiet /unattend:<file>)"),
            };
        }

        if (result.Oobe && result.Audit)
        {
            throw new FormatException("/oobe and /audit cannot be used together");
        }

        if (!result.Oobe && !result.Audit)
        {
            throw new FormatException("Sysprep needs /oobe or /audit to know what the next boot starts in");
        }

        if (result.VmMode && !result.Generalize)
        {
            throw new FormatException("/mode:vm is only valid with /generalize");
        }

        return result;
    }

    /// <summary>The command line in Sysprep's documented order.</summary>
    public override string ToString()
    {
        var parts = new List<string>();
        if (Generalize)
        {
            parts.Add("/generalize");
        }

        parts.Add(Oobe ? "/oobe" : "/audit");
        if (VmMode)
        {
            parts.Add("/mode:vm");
        }

        if (Action != SysprepShutdownAction.None)
        {
            parts.Add("/" + Action.ToString().ToLowerInvariant());
        }

        if (Quiet)
        {
            parts.Add("/quiet");
        }

        if (Unattend is not null)
        {
            parts.Add($"/unattend:{(Unattend.Contains(' ', StringComparison.Ordinal) ? $"\"{Unattend}\"" : Unattend)}");
        }

        return string.Join(' ', parts);
    }

    private static SysprepSwitches WithAction(SysprepSwitches current, SysprepShutdownAction action, string token) =>
        current.Action != SysprepShutdownAction.None && current.Action != action
            ? throw new FormatException($"'{token}' conflicts with /{current.Action.ToString().ToLowerInvariant()}: choose one of /reboot, /shutdown, /quit")
            : current with { Action = action };

    private static IEnumerable<string> Tokenize(string commandLine)
    {
        var current = new System.Text.StringBuilder();
        var quoted = false;
        foreach (var c in commandLine)
        {
            if (c == '"')
            {
                quoted = !quoted;
                current.Append(c);
            }
            else if (char.IsWhiteSpace(c) && !quoted)
            {
                if (current.Length > 0)
                {
                    yield return current.ToString();
                    current.Clear();
                }
            }
            else
            {
                current.Append(c);
            }
        }

        if (current.Length > 0)
        {
            yield return current.ToString();
        }
    }
}
