using System.CommandLine;
using System.Text.Json.Nodes;
using Reseal.Registry;

namespace Reseal.Cli.Commands;

/// <summary><c>reseal hive</c>: read, edit, export, import, check and recover registry hive files on any OS.</summary>
internal static class HiveCommands
{
    public static Command Create(CliContext context)
    {
        var command = new Command("hive", "Registry hive files (SYSTEM, SOFTWARE, SAM, SECURITY, DEFAULT, NTUSER.DAT): read, edit, export/import .reg, check, recover from transaction logs. Works on any OS.");
        command.Subcommands.Add(HiveReadCommands.List(context));
        command.Subcommands.Add(HiveReadCommands.Get(context));
        command.Subcommands.Add(HiveReadCommands.Export(context));
        command.Subcommands.Add(HiveEditCommands.Import(context));
        command.Subcommands.Add(HiveEditCommands.Set(context));
        command.Subcommands.Add(HiveEditCommands.Delete(context));
        command.Subcommands.Add(HiveEditCommands.New(context));
        command.Subcommands.Add(Check(context));
        command.Subcommands.Add(Recover(context));
        return command;
    }

    internal static Argument<string> HiveArgument() =>
        new Argument<string>("hive") { Description = "The hive file. Its transaction logs (.LOG, .LOG1, .LOG2) beside it are replayed in memory." }.RejectOptionLikeTokens();

    internal static Argument<string> KeyArgument(string description = "Key path inside the hive, e.g. ControlSet001\\Control or CurrentControlSet\\Services; empty for the root.") =>
        new("key") { Description = description, Arity = ArgumentArity.ZeroOrOne, DefaultValueFactory = _ => string.Empty };

    internal static Option<bool> CompactOption() =>
        new("--compact") { Description = "Rewrite the whole hive compactly (drops unreachable cells and free space) instead of editing it in place." };

    internal static Option<bool> AcceptStaleOption() =>
        new("--accept-stale")
        {
            Description = "Edit a dirty hive whose transaction logs are missing, as it is on disk. What only the logs held (changes Windows had not yet merged into the file) is lost for good.",
        };

    private static Command Check(CliContext context)
    {
        var hive = HiveArgument();
        var format = FormatOption.Create(OutputFormat.Text, OutputFormat.Json);
        var command = new Command("check", "Check a hive's structure (base block, cells, lists, hashes, security descriptors). Exit 1 when errors are found, 3 when it cannot be read at all.") { hive, format };
        command.SetAction(parse => Guard(parse.GetValue(hive)!, path =>
        {
            var opened = Open(path, context);
            var diagnostics = HiveChecker.Check(opened);
            if (parse.GetValue(format) == OutputFormat.Json)
            {
                context.Out.WriteLine(Json.Write(new JsonObject
                {
                    ["hive"] = path,
                    ["dirty"] = opened.Header.IsDirty,
                    ["logsReplayed"] = opened.LogsReplayed,
                    ["warnings"] = new JsonArray([.. opened.Warnings.Select(w => (JsonNode)JsonValue.Create(w))]),
                    ["diagnostics"] = new JsonArray([.. diagnostics.Select(d => (JsonNode)new JsonObject
                    {
                        ["severity"] = d.Severity.ToString().ToLowerInvariant(),
                        ["offset"] = d.FileOffset,
                        ["structure"] = d.Structure,
                        ["message"] = d.Message,
                    })]),
                }));
            }
            else
            {
                foreach (var diagnostic in diagnostics)
                {
                    context.Out.WriteLine($"{path}: {diagnostic}");
                }
            }

            context.Message($"{path}: {diagnostics.Count} finding(s)");
            return diagnostics.Any(d => d.Severity == HiveDiagnosticSeverity.Error) ? ExitCodes.Findings : ExitCodes.Success;
        }));
        return command;
    }

    private static Command Recover(CliContext context)
    {
        var hive = HiveArgument();
        var output = new Option<string?>("--output", "-o") { Description = "Write the recovered hive here instead of replacing the original (which is then kept as .bak).", HelpName = "file" };
        var command = new Command("recover", "Replay a dirty hive's transaction logs and write a clean hive.") { hive, output };
        command.SetAction(parse => Guard(parse.GetValue(hive)!, path =>
        {
            RequireFile(path);
            var logs = HiveFiles.FindLogs(path);
            var opened = Hive.Open(path, logs);
            if (!opened.Header.IsDirty && !opened.LogsReplayed)
            {
                context.Message($"{path}: the hive is clean; nothing to recover");
                return ExitCodes.Success;
            }

            if (!opened.LogsReplayed)
            {
                throw new BadInputException($"{path}: the hive is dirty and no usable transaction log was found beside it ({string.Join(", ", logs.DefaultIfEmpty("none"))})");
            }

            var target = parse.GetValue(output) ?? path;
            HiveFiles.WriteAtomically(target, opened.Image.ToArray(), new HiveSaveOptions { KeepBackup = target == path });
            context.Message($"recovered {path} from {logs.Count} log(s) into {target}");
            return ExitCodes.Success;
        }));
        return command;
    }

    /// <summary>
    /// Opens a hive for a change and saves it: in place, or rewritten compactly when asked (--compact) or when the
    /// hive's cells cannot be walked, saying so. A dirty hive without its logs is refused unless --accept-stale.
    /// </summary>
    internal static bool Edit(CliContext context, string path, bool compact, bool acceptStale, Func<HiveEditor, bool> inPlace, Func<HiveDocument, bool> rewrite)
    {
        RequireFile(path);
        var editor = HiveEditor.Open(path, HiveFiles.FindLogs(path), new HiveEditOptions { AllowStale = true, Time = context.Time });
        if (editor.Hive.IsStale && !acceptStale)
        {
            var header = editor.Hive.Header;
            throw new BadInputException(
                $"{path}: the hive is dirty ({(header.ChecksumValid ? $"sequence numbers {header.PrimarySequence} and {header.SecondarySequence} differ" : "its base block checksum is wrong")}) " +
                "and no transaction logs (.LOG1, .LOG2, .LOG) are beside it: changes Windows had not yet merged into the file are only in those logs, " +
                "and writing the hive now would lose them for good. Copy the logs beside the hive, or pass --accept-stale to edit it as it is.");
        }

        foreach (var warning in editor.Hive.Warnings)
        {
            context.Message($"{path}: warning: {warning}");
        }

        var reason = compact ? "--compact" : editor.InPlaceUnavailableReason;
        if (reason is null)
        {
            if (!inPlace(editor))
            {
                return false;
            }

            editor.Save(path);
            return true;
        }

        var document = HiveDocument.FromHive(editor.Hive, context.Time, allowStale: true);
        if (!rewrite(document))
        {
            return false;
        }

        document.Save(path);
        context.Message($"{path}: rewritten compactly, not edited in place ({reason})");
        return true;
    }

    internal static bool Edit(CliContext context, string path, bool compact, bool acceptStale, Action<HiveEditor> inPlace, Action<HiveDocument> rewrite) =>
        Edit(context, path, compact, acceptStale, editor =>
        {
            inPlace(editor);
            return true;
        }, document =>
        {
            rewrite(document);
            return true;
        });

    internal static Hive Open(string path, CliContext context)
    {
        RequireFile(path);
        var hive = Hive.Open(path, HiveFiles.FindLogs(path));
        ReportWarnings(hive, path, context);
        return hive;
    }

    /// <summary>Opens a hive for lookups that read only the cells they need (dispose it).</summary>
    internal static Hive OpenForLookup(string path, CliContext context)
    {
        RequireFile(path);
        var hive = Hive.OpenLazy(path, HiveFiles.FindLogs(path));
        ReportWarnings(hive, path, context);
        return hive;
    }

    private static void ReportWarnings(Hive hive, string path, CliContext context)
    {
        foreach (var warning in hive.Warnings)
        {
            context.Message($"{path}: warning: {warning}");
        }
    }

    private static void RequireFile(string path)
    {
        if (!File.Exists(path))
        {
            throw new BadInputException($"{path}: file not found");
        }
    }

    internal static RegistryKey FindKey(Hive hive, string keyPath, string file)
    {
        if (keyPath.Length == 0)
        {
            return hive.Root;
        }

        CheckKeyPath(keyPath);
        return hive.OpenKey(keyPath) ?? throw new BadInputException($"{file}: no key '{keyPath}'");
    }

    /// <summary>Windows' limits (RegistryLimits) checked where a key path comes in from the command line.</summary>
    internal static void CheckKeyPath(string keyPath)
    {
        if (RegistryLimits.CheckKeyPath(keyPath) is { } problem)
        {
            throw new UsageException($"key '{Shorten(keyPath)}': {problem}");
        }
    }

    internal static void CheckValueName(string name)
    {
        if (RegistryLimits.CheckValueName(name) is { } problem)
        {
            throw new UsageException($"value '{Shorten(name)}': {problem}");
        }
    }

    private static string Shorten(string text) => text.Length <= 80 ? text : string.Concat(text.AsSpan(0, 77), "...");

    internal static JsonObject ValueJson(RegistryValue value)
    {
        var decoded = RegistryValueCodec.Decode(value);
        return new()
        {
            ["name"] = value.Name,
            ["type"] = RegistryValueCodec.TypeName(value.RawType),
            ["size"] = value.DataLength,
            ["data"] = decoded.Strings is { } strings ? new JsonArray([.. strings.Select(s => (JsonNode)JsonValue.Create(s))])
                : decoded.Number is { } number ? JsonValue.Create(number)
                : JsonValue.Create(decoded.Text),
        };
    }

    /// <summary>
    /// Runs a hive command and turns what a hive or a .reg file can be wrong with into a bad-input error naming the
    /// file: every read of a damaged hive is inside, so no HiveFormatException escapes as a crash.
    /// </summary>
    internal static int Guard(string file, Func<string, int> command)
    {
        try
        {
            return command(file);
        }
        catch (HiveFormatException e)
        {
            throw new BadInputException(e.Message.Contains(file, StringComparison.Ordinal) ? e.Message : $"{file}: {e.Message}");
        }
    }

    internal static T GuardReg<T>(Func<T> call, string file)
    {
        try
        {
            return call();
        }
        catch (RegFileFormatException e)
        {
            throw new BadInputException($"{file}: {e.Message}");
        }
    }
}
