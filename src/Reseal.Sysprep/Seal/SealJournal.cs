// The undo journal of a seal apply (offline tree or running Windows), %ProgramData%\Reseal\sysprep\seal-journal.json, UTF-8 JSON:
//
//   {"format":1,"appliedAt":"2026-…Z",
//    "createdDirectories":["C:\\ProgramData\\Reseal","C:\\ProgramData\\Reseal\\sysprep"],   outermost first
//    "changes":[
//      {"step":"reset-agent-state","kind":"file","path":"C:\\ProgramData\\Reseal\\state\\state.json","before":"<base64>"},
//      {"step":"write-answer-file","kind":"file","path":"C:\\ProgramData\\Reseal\\sysprep\\unattend.xml","before":null},
//      {"step":"deny-rdp","kind":"registry","hive":"System","key":"CurrentControlSet\\Control\\Terminal Server",
//       "name":"fDenyTSConnections","keyExisted":true,"beforeType":4,"before":"AAAAAA=="}]}
//
// "before" is the previous content (base64), or null when there was none (the file or value did not exist). Each change
// is written to the journal before it is made, so a crash leaves a journal that undoes everything done; undoing a change
// that was not made yet restores what is already there.
//
// "after" (optional; journals written before it existed lack it) is what the change left, recorded once it is made: the
// lowercase hex SHA-256 of the bytes a file write left (for a move, of the moved file at "to"), or "absent" for a delete.
// Rollback refuses (unless forced) when a file's current state is not what apply left, so a later edit — a Packer step
// appending to SetupComplete.cmd — is not silently overwritten. A change without "after" is not checked.
using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Reseal.Unattend.Passwords;
using Reseal.Windows.Layout;
using Reseal.Windows.Ports;

namespace Reseal.Sysprep.Seal;

/// <summary>One recorded change and its previous value.</summary>
internal abstract record JournalChange(string Step)
{
    /// <summary>A line for people.</summary>
    public abstract string Describe();
}

/// <summary>
/// A file written or deleted; <paramref name="Before"/> is default when it did not exist. <paramref name="After"/> is what
/// apply left (<see cref="SealJournal.FileState"/>), null when not recorded.
/// </summary>
internal sealed record FileJournalChange(string Step, string Path, ImmutableArray<byte> Before, string? After = null) : JournalChange(Step)
{
    public override string Describe() => Before.IsDefault ? $"{Path} (before: absent)" : $"{Path} (before: {Before.Length} bytes)";
}

/// <summary>
/// A file moved aside. Only the two paths are journaled, never the bytes: a cached answer file can hold passwords, and
/// the journal stays in the image after a successful seal. Rollback moves the file back.
/// </summary>
internal sealed record MoveJournalChange(string Step, string From, string To, string? After = null) : JournalChange(Step)
{
    public override string Describe() => $"{From} moved to {To}";
}

/// <summary>A registry value set or deleted; <paramref name="BeforeType"/> is null when it did not exist.</summary>
internal sealed record RegistryJournalChange(string Step, RegistryHive Hive, string Key, string Name, bool KeyExisted, uint? BeforeType, ImmutableArray<byte> Before)
    : JournalChange(Step)
{
    public override string Describe() => $@"{RegistryHives.DisplayName(Hive)}\{Key}!{Name} ({(BeforeType is null ? "before: absent" : "before: type " + BeforeType.Value.ToString(CultureInfo.InvariantCulture) + ", " + Before.Length.ToString(CultureInfo.InvariantCulture) + " bytes")})";
}

/// <summary>A service's start mode changed (<c>agent migrate --apply</c> disabling the old agent's); undo sets <paramref name="Before"/> again.</summary>
internal sealed record ServiceStartJournalChange(string Step, string Name, ServiceStartMode Before) : JournalChange(Step)
{
    public override string Describe() => $"service {Name} start mode (before: {Before})";
}

/// <summary>A running service stopped; undo starts it again when <paramref name="WasRunning"/>.</summary>
internal sealed record ServiceRunJournalChange(string Step, string Name, bool WasRunning) : JournalChange(Step)
{
    public override string Describe() => $"service {Name} stopped (before: {(WasRunning ? "running" : "not running")})";
}

/// <summary>A service installed where there was none; undo removes it.</summary>
internal sealed record ServiceInstalledJournalChange(string Step, string Name) : JournalChange(Step)
{
    public override string Describe() => $"service {Name} installed (before: absent)";
}

/// <summary>A scheduled task disabled (schtasks /Change /DISABLE); undo enables it again when <paramref name="WasEnabled"/>.</summary>
internal sealed record ScheduledTaskJournalChange(string Step, string Name, bool WasEnabled) : JournalChange(Step)
{
    public override string Describe() => $"scheduled task '{Name}' disabled (before: {(WasEnabled ? "enabled" : "disabled")})";
}

/// <summary>The journal: directories created and changes made, in order.</summary>
internal sealed partial record SealJournal(DateTimeOffset AppliedAt, ImmutableArray<string> CreatedDirectories, ImmutableArray<JournalChange> Changes)
{
    public const int Format = 1;

    private static readonly JsonWriterOptions Indented = new() { Indented = true };

    /// <summary>The "after" value of a file that does not exist.</summary>
    public const string Absent = "absent";

    public SealJournal Add(JournalChange change) => this with { Changes = Changes.Add(change) };

    /// <summary>The change at <paramref name="index"/> with what it left recorded (<see cref="FileState"/>); file and move changes only.</summary>
    public SealJournal WithAfter(int index, string after)
    {
        JournalChange change = Changes[index] switch
        {
            FileJournalChange f => f with { After = after },
            MoveJournalChange m => m with { After = after },
            var other => throw new InvalidOperationException($"'{other.Describe()}' has no recorded file state"),
        };
        return this with { Changes = Changes.SetItem(index, change) };
    }

    /// <summary>A file's state as the journal records it: lowercase hex SHA-256 of its bytes, or <see cref="Absent"/>.</summary>
    public static string FileState(byte[]? bytes) =>
        bytes is null ? Absent : Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));

    public byte[] Serialize()
    {
        var json = new JsonObject
        {
            ["format"] = Format,
            ["appliedAt"] = AppliedAt.ToString("yyyy-MM-dd'T'HH:mm:ss.fffK", CultureInfo.InvariantCulture),
            ["createdDirectories"] = new JsonArray([.. CreatedDirectories.Select(d => (JsonNode?)JsonValue.Create(d))]),
            ["changes"] = new JsonArray([.. Changes.Select(ToJson)]),
        };
        // Written through Utf8JsonWriter, not JsonSerializer: a DOM needs no serializer metadata (trimming, Native AOT).
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, Indented))
        {
            json.WriteTo(writer);
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static JsonNode ToJson(JournalChange change) => change switch
    {
        FileJournalChange f => new JsonObject
        {
            ["step"] = f.Step,
            ["kind"] = "file",
            ["path"] = f.Path,
            ["before"] = f.Before.IsDefault ? null : Convert.ToBase64String(f.Before.AsSpan()),
            ["after"] = f.After,
        },
        MoveJournalChange m => new JsonObject
        {
            ["step"] = m.Step,
            ["kind"] = "move",
            ["from"] = m.From,
            ["to"] = m.To,
            ["after"] = m.After,
        },
        RegistryJournalChange r => new JsonObject
        {
            ["step"] = r.Step,
            ["kind"] = "registry",
            ["hive"] = r.Hive.ToString(),
            ["key"] = r.Key,
            ["name"] = r.Name,
            ["keyExisted"] = r.KeyExisted,
            ["beforeType"] = r.BeforeType,
            ["before"] = r.BeforeType is null ? null : Convert.ToBase64String(r.Before.AsSpan()),
        },
        ServiceStartJournalChange start => new JsonObject { ["step"] = start.Step, ["kind"] = "service-start", ["name"] = start.Name, ["startMode"] = (int)start.Before },
        ServiceRunJournalChange run => new JsonObject { ["step"] = run.Step, ["kind"] = "service-run", ["name"] = run.Name, ["wasRunning"] = run.WasRunning },
        ServiceInstalledJournalChange installed => new JsonObject { ["step"] = installed.Step, ["kind"] = "service-installed", ["name"] = installed.Name },
        ScheduledTaskJournalChange task => new JsonObject { ["step"] = task.Step, ["kind"] = "scheduled-task", ["name"] = task.Name, ["wasEnabled"] = task.WasEnabled },
        _ => throw new InvalidOperationException("unknown journal change " + change.GetType().Name),
    };

    /// <summary>Parses a journal; null with <paramref name="problem"/> set when it is not one.</summary>
    public static SealJournal? Parse(byte[] bytes, string source, out string? problem) => Parse(bytes, source, CheckAllowed, "seal", out problem);

    /// <summary>
    /// Parses a journal whose changes <paramref name="checkAllowed"/> accepts (it throws <see cref="FormatException"/>
    /// for one its command never makes); <paramref name="what"/> names the command in messages.
    /// </summary>
    public static SealJournal? Parse(byte[] bytes, string source, Action<JournalChange> checkAllowed, string what, out string? problem)
    {
        problem = null;
        try
        {
            var root = JsonNode.Parse(bytes) as JsonObject ?? throw new FormatException("not a JSON object");
            if (root["format"]?.GetValue<int>() != Format)
            {
                throw new FormatException($"unsupported format {root["format"]?.ToJsonString() ?? "(missing)"}");
            }

            var appliedAt = DateTimeOffset.Parse(Text(root, "appliedAt"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
            var directories = (root["createdDirectories"] as JsonArray ?? []).Select(d => d?.GetValue<string>() ?? throw new FormatException("null directory")).ToImmutableArray();
            var changes = ImmutableArray.CreateBuilder<JournalChange>();
            foreach (var node in root["changes"] as JsonArray ?? throw new FormatException("no changes array"))
            {
                var item = node as JsonObject ?? throw new FormatException("a change is not an object");
                var step = Text(item, "step");
                var before = item["before"]?.GetValue<string>();
                ImmutableArray<byte> bytesBefore = before is null ? default : [.. Convert.FromBase64String(before)];
                changes.Add(Text(item, "kind") switch
                {
                    "file" => new FileJournalChange(step, Text(item, "path"), bytesBefore, After(item)),
                    "move" => new MoveJournalChange(step, Text(item, "from"), Text(item, "to"), After(item)),
                    "service-start" => new ServiceStartJournalChange(step, Text(item, "name"), (ServiceStartMode)(item["startMode"]?.GetValue<int>() is { } mode and >= 0 and <= 4
                        ? mode : throw new FormatException("'startMode' is not a service start mode"))),
                    "service-run" => new ServiceRunJournalChange(step, Text(item, "name"), item["wasRunning"]?.GetValue<bool>() ?? throw new FormatException("missing 'wasRunning'")),
                    "service-installed" => new ServiceInstalledJournalChange(step, Text(item, "name")),
                    "scheduled-task" => new ScheduledTaskJournalChange(step, Text(item, "name"), item["wasEnabled"]?.GetValue<bool>() ?? throw new FormatException("missing 'wasEnabled'")),
                    "registry" => new RegistryJournalChange(step, Enum.Parse<RegistryHive>(Text(item, "hive")), Text(item, "key"), Text(item, "name"),
                        item["keyExisted"]?.GetValue<bool>() ?? true, item["beforeType"]?.GetValue<uint>(), bytesBefore.IsDefault ? [] : bytesBefore),
                    var kind => throw new FormatException($"unknown change kind '{kind}'"),
                });
            }

            foreach (var directory in directories)
            {
                if (!AllowedDirectory().IsMatch(directory))
                {
                    throw new FormatException($"created directory '{directory}' is not one seal creates");
                }
            }

            foreach (var change in changes)
            {
                checkAllowed(change);
            }

            return new SealJournal(appliedAt, directories, changes.ToImmutable());
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or ArgumentException)
        {
            problem = $"{source}: not a valid {what} journal: {e.Message}";
            return null;
        }
    }

    /// <summary>
    /// A journal is input to rollback, and rollback writes what it says: only the changes seal itself makes are accepted,
    /// so a planted or edited journal cannot make rollback write other files or registry values.
    /// </summary>
    private static void CheckAllowed(JournalChange change)
    {
        var allowed = change switch
        {
            FileJournalChange file => AllowedFile().IsMatch(file.Path) || AllowedAgentFile().IsMatch(file.Path),
            MoveJournalChange move => AllowedMoveSource().IsMatch(move.From)
                && string.Equals(move.To, move.From + SealPaths.MovedAsideSuffix, StringComparison.Ordinal),
            RegistryJournalChange value => value.Hive == RegistryHive.System
                && ((string.Equals(value.Key, SealPaths.TerminalServerKey, StringComparison.OrdinalIgnoreCase)
                        && string.Equals(value.Name, SealPaths.RdpValueName, StringComparison.OrdinalIgnoreCase))
                    || (string.Equals(value.Key, AnswerFileLocations.RegistryKey, StringComparison.OrdinalIgnoreCase)
                        && string.Equals(value.Name, AnswerFileLocations.RegistryValueName, StringComparison.OrdinalIgnoreCase))
                    || (string.Equals(value.Key, @"CurrentControlSet\Services\" + SealAgents.CloudbaseInitService, StringComparison.OrdinalIgnoreCase)
                        && string.Equals(value.Name, "Start", StringComparison.OrdinalIgnoreCase)))
                || (value.Hive == RegistryHive.Software && AllowedAgentKey().IsMatch(value.Key)),
            ServiceStartJournalChange start => string.Equals(start.Name, SealAgents.CloudbaseInitService, StringComparison.OrdinalIgnoreCase),
            _ => false,
        };
        if (!allowed)
        {
            throw new FormatException($"'{change.Describe()}' is not a change seal makes");
        }
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^[A-Za-z]:\\(ProgramData\\Reseal\\(state|log|sysprep)\\[^\\]+|ProgramData\\Reseal\\config\\agent-config\.yml|Windows\\Setup\\Scripts\\SetupComplete\.cmd)$", System.Text.RegularExpressions.RegexOptions.IgnoreCase | System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex AllowedFile();

    // The kept agents' state (SealAgents.StateChanges): EC2Launch v2's state files, EC2Config's settings.
    [System.Text.RegularExpressions.GeneratedRegex(@"^[A-Za-z]:\\(ProgramData\\Amazon\\EC2Launch\\state\\(\.run-once|state\.json|previous-state\.json)|Program Files\\Amazon\\Ec2ConfigService\\Settings\\config\.xml)$", System.Text.RegularExpressions.RegexOptions.IgnoreCase | System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex AllowedAgentFile();

    // Cloudbase-Init's plugin status of one instance.
    [System.Text.RegularExpressions.GeneratedRegex(@"^Cloudbase Solutions\\Cloudbase-Init\\[^\\]+\\Plugins$", System.Text.RegularExpressions.RegexOptions.IgnoreCase | System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex AllowedAgentKey();

    [System.Text.RegularExpressions.GeneratedRegex(@"^[A-Za-z]:\\Windows\\Panther(\\Unattend)?\\[^\\]+\.xml$", System.Text.RegularExpressions.RegexOptions.IgnoreCase | System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex AllowedMoveSource();

    [System.Text.RegularExpressions.GeneratedRegex(@"^[A-Za-z]:\\(ProgramData(\\Reseal(\\(state|log|sysprep|config))?)?|Windows\\Setup(\\Scripts)?)$", System.Text.RegularExpressions.RegexOptions.IgnoreCase | System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex AllowedDirectory();

    /// <summary>The optional "after": <see cref="Absent"/>, 64 lowercase hex digits, or missing/null.</summary>
    private static string? After(JsonObject item)
    {
        var after = item["after"]?.GetValue<string>();
        return after is null || after == Absent || (after.Length == 64 && after.All(char.IsAsciiHexDigitLower))
            ? after
            : throw new FormatException($"'after' is '{after}', not \"{Absent}\" or a lowercase hex SHA-256");
    }

    private static string Text(JsonObject item, string name) => item[name]?.GetValue<string>() ?? throw new FormatException($"missing '{name}'");
}
