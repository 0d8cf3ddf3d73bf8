using System.Globalization;

namespace Reseal.Images;

/// <summary>A milestone line found on the console, with the time the line itself carries (when it has one).</summary>
/// <param name="Line">1-based line number in the console text read.</param>
/// <param name="Stamp">The <c>YYYY/MM/DD HH:MM:SSZ: </c> prefix as a time, when present.</param>
public readonly record struct ConsoleMark(int Line, DateTimeOffset? Stamp);

/// <summary>
/// What a Windows clone's console says about its first boot (protocols.md §1 and §6): the lines every EC2 agent and
/// Reseal's own print, in the order they come. Reads any text; the caller bounds its size.
/// </summary>
public sealed record ConsoleReport
{
    /// <summary>Lines kept for the report's tail.</summary>
    public const int TailLines = 20;

    /// <summary>The <c>Windows sysprep configuration complete.</c> line (specialize and oobeSystem are done).</summary>
    public ConsoleMark? SysprepComplete { get; init; }

    /// <summary>The last <c>Windows is being configured. SysprepState=…</c> value.</summary>
    public string? SysprepState { get; init; }

    /// <summary>A <c>Password: &lt;Password&gt;</c> block.</summary>
    public ConsoleMark? PasswordBlock { get; init; }

    /// <summary>The <c>Message: Windows is Ready to use</c> line.</summary>
    public ConsoleMark? WindowsReady { get; init; }

    /// <summary>The agent said it could not publish the password (no key pair at launch).</summary>
    public string? PasswordNotSent { get; init; }

    /// <summary>The agent rejected the configured password or user name.</summary>
    public string? InvalidAdministrator { get; init; }

    /// <summary>The agent never reached the metadata service.</summary>
    public string? MetadataTrouble { get; init; }

    /// <summary>The launch agent's name and version (<c>Launch: …</c>, <c>EC2 Agent: …</c>).</summary>
    public string? Agent { get; init; }

    /// <summary>Tasks Reseal's agent reported failed in its <c>{"type":"ResealAgentRun",…}</c> line: "task: message".</summary>
    public IReadOnlyList<string> FailedTasks { get; init; } = [];

    /// <summary>The last lines (without empty ones).</summary>
    public IReadOnlyList<string> Tail { get; init; } = [];

    /// <summary>True when the console had no text at all.</summary>
    public bool Empty { get; init; } = true;

    /// <summary>Reads console text.</summary>
    public static ConsoleReport Analyze(string? console)
    {
        if (string.IsNullOrWhiteSpace(console))
        {
            return new ConsoleReport();
        }

        ConsoleMark? sysprep = null, password = null, ready = null;
        string? state = null, notSent = null, invalid = null, metadata = null, agent = null;
        IReadOnlyList<string> failed = [];
        var tail = new Queue<string>(TailLines);
        var number = 0;
        foreach (var raw in console.Split('\n'))
        {
            number++;
            var line = raw.TrimEnd('\r', ' ', '\t');
            if (line.Length == 0)
            {
                continue;
            }

            if (tail.Count == TailLines)
            {
                tail.Dequeue();
            }

            tail.Enqueue(line.Length > 400 ? line[..400] + "…" : line);
            var (stamp, text) = SplitStamp(line);
            var mark = new ConsoleMark(number, stamp);
            if (text.StartsWith("Windows sysprep configuration complete.", StringComparison.Ordinal))
            {
                sysprep = mark;
            }
            else if (text.StartsWith("Windows is being configured. SysprepState=", StringComparison.Ordinal))
            {
                state = text["Windows is being configured. SysprepState=".Length..].Trim();
            }
            else if (text.Contains("<Password>", StringComparison.Ordinal))
            {
                password = mark;
            }
            else if (text.StartsWith("Message: Windows is Ready to use", StringComparison.Ordinal))
            {
                ready = mark;
            }
            else if (text.StartsWith("Unable to send the password to console", StringComparison.Ordinal))
            {
                notSent = text;
            }
            else if (text.StartsWith("Message: Invalid administrator", StringComparison.Ordinal))
            {
                invalid = text;
            }
            else if (text.Contains("Timed out waiting for access to metadata", StringComparison.Ordinal) ||
                     text.Contains("Metadata is not available for this instance", StringComparison.Ordinal))
            {
                metadata = text;
            }
            else if (text.StartsWith("Launch: ", StringComparison.Ordinal) || text.StartsWith("EC2 Agent: ", StringComparison.Ordinal))
            {
                agent = text;
            }
            else if (text.StartsWith("{\"type\":\"ResealAgentRun\"", StringComparison.Ordinal))
            {
                failed = FailedTasksOf(text);
            }
        }

        return new ConsoleReport
        {
            SysprepComplete = sysprep,
            SysprepState = state,
            PasswordBlock = password,
            WindowsReady = ready,
            PasswordNotSent = notSent,
            InvalidAdministrator = invalid,
            MetadataTrouble = metadata,
            Agent = agent,
            FailedTasks = failed,
            Tail = [.. tail],
            Empty = false,
        };
    }

    /// <summary>
    /// What the console shows and what it means, for a clone that did not become ready (or had no password).
    /// </summary>
    /// <param name="passwordData">Whether the cloud's password API returned anything.</param>
    /// <param name="cloud">Which cloud (the password comes from a different place on each).</param>
    public string Explain(bool passwordData, CloudKind cloud)
    {
        var passwordSource = cloud == CloudKind.Ec2 ? "GetPasswordData" : "the server password API (os-server-password)";
        if (Empty)
        {
            return "the console is empty: the clone has not written to its serial port yet (Windows did not boot, or " +
                (cloud == CloudKind.Ec2 ? "EC2 has not published the console yet: it can lag several minutes)" : "the console log is not available yet)");
        }

        if (SysprepComplete is null)
        {
            return SysprepState is { } s
                ? $"the console shows 'Windows is being configured. SysprepState={s}' but never 'Windows sysprep configuration complete.': " +
                  "Windows Setup did not finish the specialize/oobeSystem passes (a failing RunSynchronous command or a broken answer file); " +
                  "look at C:\\Windows\\Panther\\setupact.log on the clone (reseal diagnose reads it)"
                : "no 'Windows sysprep configuration complete.' line: specialize failed or the image was not sealed (captured before Sysprep " +
                  "shut it down, or without reseal seal); the clone's first boot did not reach the launch agent";
        }

        if (InvalidAdministrator is { } invalid)
        {
            return $"the agent printed '{invalid}': the configured administrator name or static password was refused; no password is published";
        }

        if (PasswordNotSent is { } notSent)
        {
            return $"the agent printed '{notSent}': the clone got no launch key (the key pair is missing from the launch, or the " +
                "metadata service did not give it), so no password was encrypted";
        }

        if (WindowsReady is null)
        {
            return MetadataTrouble is { } m
                ? $"the agent printed '{m}': it could not reach the metadata service, so it has no instance data or key"
                : "'Windows sysprep configuration complete.' but no 'Windows is Ready to use' yet: the launch agent is still running its " +
                  "tasks or is stuck (its last line is the console's last line)";
        }

        if (PasswordBlock is null)
        {
            return FailedTasks.FirstOrDefault(t => t.StartsWith("setAdminAccount:", StringComparison.Ordinal)) is { } task
                ? $"'Windows is Ready to use' but no password block: the agent's {task} (it reports this in its ResealAgentRun line)"
                : "'Windows is Ready to use' but no password block on the console: the key pair is missing or setAdminAccount is not " +
                  "'random' (a static or kept password is never published)";
        }

        return passwordData
            ? "ready, with a password"
            : $"ready, and the console has the password block, but {passwordSource} is still empty: the cloud has not picked the " +
              "password up yet (EC2 lifts it from the console, which lags; Nova gets it from the agent's post to the metadata service)";
    }

    /// <summary>The failed tasks of Reseal's run summary line; none when the line is cut or not JSON.</summary>
    private static List<string> FailedTasksOf(string line)
    {
        try
        {
            using var json = System.Text.Json.JsonDocument.Parse(line, new System.Text.Json.JsonDocumentOptions { MaxDepth = 8 });
            return [.. Http.Json.Objects(Http.Json.Array(json.RootElement, "tasks"))
                .Where(t => Http.Json.String(t, "outcome") == "failed")
                .Select(t => $"{Http.Json.String(t, "task") ?? "?"}: {Http.Json.String(t, "message") ?? "failed"}")];
        }
        catch (System.Text.Json.JsonException)
        {
            return [];
        }
    }

    private static (DateTimeOffset? Stamp, string Text) SplitStamp(string line)
    {
        const string Shape = "0000/00/00 00:00:00Z: ";
        if (line.Length >= Shape.Length &&
            DateTimeOffset.TryParseExact(line.AsSpan(0, Shape.Length - 2), "yyyy'/'MM'/'dd HH':'mm':'ss'Z'",
                CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var stamp) &&
            line[Shape.Length - 2] == ':')
        {
            return (stamp, line[Shape.Length..]);
        }

        return (null, line);
    }
}
