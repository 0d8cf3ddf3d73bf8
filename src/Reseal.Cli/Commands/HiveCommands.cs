using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Reseal.Registry;

namespace Reseal.Cli.Commands;

/// <summary><c>reseal hive</c>: read, edit, export, import, check and recover registry hive files on any OS.</summary>
internal static class HiveCommands
{
    public static Command Create(CliContext context)
    {
        var command = new Command("hive", "Registry hive files (SYSTEM, SOFTWARE, SAM, SECURITY, DEFAULT, NTUSER.DAT): read, edit, export/import .reg, check, recover from transaction logs. Works on any OS.");
        command.Subcommands.Add(List(context));
        command.Subcommands.Add(Get(context));
        command.Subcommands.Add(Export(context));
        command.Subcommands.Add(Import(context));
        command.Subcommands.Add(Set(context));
        command.Subcommands.Add(Delete(context));
        command.Subcommands.Add(New(context));
        command.Subcommands.Add(Check(context));
        command.Subcommands.Add(Recover(context));
        return command;
    }

    private static Argument<string> HiveArgument() =>
        new Argument<string>("hive") { Description = "The hive file. Its transaction logs (.LOG, .LOG1, .LOG2) beside it are replayed in memory." }.RejectOptionLikeTokens();

    private static Argument<string> KeyArgument(string description = "Key path inside the hive, e.g. ControlSet001\\Control or CurrentControlSet\\Services; empty for the root.") =>
        new("key") { Description = description, Arity = ArgumentArity.ZeroOrOne, DefaultValueFactory = _ => string.Empty };

    private static Command List(CliContext context)
    {
        var hive = HiveArgument();
        var key = KeyArgument();
        var format = FormatOption.Create(OutputFormat.Text, OutputFormat.Json);
        var command = new Command("ls", "List a key's subkeys and values.") { hive, key, format };
        command.SetAction(parse => Guard(parse.GetValue(hive)!, path =>
        {
            using var opened = OpenForLookup(path, context);
            var found = FindKey(opened, parse.GetValue(key)!, path);
            var subkeys = found.GetSubkeys().Select(k => k.Name).ToList();
            var values = found.GetValues();
            if (parse.GetValue(format) == OutputFormat.Json)
            {
                context.Out.WriteLine(Json.Write(new JsonObject
                {
                    ["key"] = found.Path,
                    ["lastWritten"] = found.LastWritten?.ToString("O", CultureInfo.InvariantCulture),
                    ["subkeys"] = new JsonArray([.. subkeys.Select(k => (JsonNode)JsonValue.Create(k))]),
                    ["values"] = new JsonArray([.. values.Select(v => (JsonNode)ValueJson(v))]),
                }));
                return ExitCodes.Success;
            }

            foreach (var subkey in subkeys)
            {
                context.Out.WriteLine($"{subkey}\\");
            }

            foreach (var value in values)
            {
                context.Out.WriteLine($"{(value.Name.Length == 0 ? "(default)" : value.Name)}  {RegistryValueCodec.TypeName(value.RawType)}  {RegistryValueCodec.Decode(value).Text}");
            }

            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command Get(CliContext context)
    {
        var hive = HiveArgument();
        var key = new Argument<string>("key") { Description = "Key path inside the hive." };
        var value = new Argument<string>("value") { Description = "Value name; \"\" for the key's default value." };
        var format = FormatOption.Create(OutputFormat.Text, OutputFormat.Json);
        var command = new Command("get", "Print one value. Strings print as text, numbers in decimal, binary as hex; exit 1 when the value is absent.") { hive, key, value, format };
        command.SetAction(parse => Guard(parse.GetValue(hive)!, path =>
        {
            var name = parse.GetValue(value)!;
            CheckValueName(name);
            using var opened = OpenForLookup(path, context);
            var found = FindKey(opened, parse.GetValue(key)!, path);
            if (found.GetValue(name) is not { } data)
            {
                context.Message($"{path}: {found.Path} has no value '{name}'");
                return ExitCodes.Findings;
            }

            context.Out.WriteLine(parse.GetValue(format) == OutputFormat.Json ? Json.Write(ValueJson(data)) : RegistryValueCodec.Decode(data).Text);
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command Export(CliContext context)
    {
        var hive = HiveArgument();
        var key = KeyArgument("Export only this key and below (default: the whole hive).");
        var prefix = new Option<string?>("--prefix") { Description = "Text put before every key path, e.g. HKEY_LOCAL_MACHINE\\SYSTEM.", HelpName = "text" };
        var output = new Option<string?>("--output", "-o") { Description = "Write to this file (atomically) instead of standard output.", HelpName = "file" };
        var command = new Command("export", "Export to .reg text in hivexregedit --export's exact format.") { hive, key, prefix, output };
        command.SetAction(parse => Guard(parse.GetValue(hive)!, path =>
        {
            var opened = Open(path, context);
            var start = FindKey(opened, parse.GetValue(key)!, path);
            var options = new RegExportOptions { Prefix = parse.GetValue(prefix) };

            // A damaged hive fails part-way, and nothing half-written may reach the target or the pipe: a file target
            // is written through the one atomic writer; standard output gets a temporary file's copy once complete.
            if (parse.GetValue(output) is { } target)
            {
                AtomicFile.Write(target, file => RegExporter.Export(start, file, options));
                context.Message($"exported {start.Path} to {target}");
                return ExitCodes.Success;
            }

            var temp = Path.Combine(Path.GetTempPath(), $".reseal-export.{Guid.NewGuid():N}.tmp");
            using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose))
            {
                RegExporter.Export(start, file, options);
                file.Position = 0;
                context.WriteRaw(file);
            }

            return ExitCodes.Success;
        }));
        return command;
    }

    private static Option<bool> CompactOption() =>
        new("--compact") { Description = "Rewrite the whole hive compactly (drops unreachable cells and free space) instead of editing it in place." };

    private static Option<bool> AcceptStaleOption() =>
        new("--accept-stale")
        {
            Description = "Edit a dirty hive whose transaction logs are missing, as it is on disk. What only the logs held (changes Windows had not yet merged into the file) is lost for good.",
        };

    private static Command Import(CliContext context)
    {
        var hive = HiveArgument();
        var regFile = new Argument<string>("reg-file") { Description = ".reg file (REGEDIT4 or Windows Registry Editor Version 5.00, UTF-16 or UTF-8; up to 1 GiB, read as a stream)." }.RejectOptionLikeTokens();
        var prefix = new Option<string?>("--prefix") { Description = "Key prefix to strip, e.g. HKEY_LOCAL_MACHINE\\SOFTWARE; every key in the file must start with it.", HelpName = "text" };
        var compact = CompactOption();
        var stale = AcceptStaleOption();
        var command = new Command("import", "Merge a .reg file into a hive, in place (atomic write, verified, backup kept as .bak).") { hive, regFile, prefix, compact, stale };
        command.SetAction(parse => Guard(parse.GetValue(hive)!, path =>
        {
            var regPath = parse.GetValue(regFile)!;
            if (!File.Exists(regPath))
            {
                throw new BadInputException($"{regPath}: file not found");
            }

            var options = new RegImportOptions { Prefix = parse.GetValue(prefix) };
            RegImportResult? result = null;
            Edit(context, path, parse.GetValue(compact), parse.GetValue(stale),
                editor => result = GuardReg(() => RegImporter.ImportFile(editor, regPath, options), regPath),
                document => result = GuardReg(() => RegImporter.ImportFile(document, regPath, options), regPath));
            context.Message($"{path}: {result!.KeysCreatedOrOpened} keys created or opened, {result.KeysDeleted} deleted, {result.ValuesSet} values set, {result.ValuesDeleted} deleted");
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command Set(CliContext context)
    {
        var hive = HiveArgument();
        var key = new Argument<string>("key") { Description = "Key path (created if missing)." };
        var name = new Argument<string>("name") { Description = "Value name; \"\" for the default value." };
        var data = new Argument<string[]>("data")
        {
            Description = "The data: text for sz/expand_sz/link, one argument per string for multi_sz, a number for dword/dword_be/qword (0x for hex), hex bytes for the other types.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var type = new Option<string>("--type", "-t")
        {
            Description = $"Value type: {string.Join(", ", RegistryValueCodec.TypeNames)}, or 0xN for any other type number (hex bytes).",
            DefaultValueFactory = _ => "sz",
        };
        var compact = CompactOption();
        var stale = AcceptStaleOption();
        var command = new Command("set", "Set a value, in place (atomic write, verified, backup kept as .bak).") { hive, key, name, data, type, compact, stale };
        command.SetAction(parse => Guard(parse.GetValue(hive)!, path =>
        {
            var keyPath = parse.GetValue(key)!;
            var valueName = parse.GetValue(name)!;
            CheckKeyPath(keyPath);
            CheckValueName(valueName);
            if (!RegistryValueCodec.TryParseType(parse.GetValue(type)!, out var rawType))
            {
                throw new UsageException($"unknown value type '{parse.GetValue(type)}'; use one of {string.Join(", ", RegistryValueCodec.TypeNames)} or 0xN");
            }

            byte[] bytes;
            try
            {
                bytes = RegistryValueCodec.Encode(rawType, parse.GetValue(data) ?? []);
            }
            catch (FormatException e)
            {
                throw new UsageException(e.Message);
            }

            Edit(context, path, parse.GetValue(compact), parse.GetValue(stale),
                editor => editor.SetValue(keyPath, valueName, rawType, bytes),
                document => document.SetValue(keyPath, valueName, rawType, bytes));
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command Delete(CliContext context)
    {
        var hive = HiveArgument();
        var key = new Argument<string>("key") { Description = "Key path." };
        var name = new Argument<string?>("name") { Description = "Value name to delete; without it the whole key and its subkeys are deleted.", Arity = ArgumentArity.ZeroOrOne };
        var compact = CompactOption();
        var stale = AcceptStaleOption();
        var command = new Command("delete", "Delete a value, or a key with everything below it, in place (atomic write, verified, backup kept as .bak). Exit 1 when there was nothing to delete.") { hive, key, name, compact, stale };
        command.SetAction(parse => Guard(parse.GetValue(hive)!, path =>
        {
            var keyPath = parse.GetValue(key)!;
            var valueName = parse.GetValue(name);
            CheckKeyPath(keyPath);
            if (valueName is not null)
            {
                CheckValueName(valueName);
            }

            var deleted = Edit(context, path, parse.GetValue(compact), parse.GetValue(stale),
                editor => valueName is null ? editor.DeleteKey(keyPath) : editor.DeleteValue(keyPath, valueName),
                document => valueName is null ? document.DeleteKey(keyPath) : document.DeleteValue(keyPath, valueName));
            if (!deleted)
            {
                context.Message($"{path}: nothing to delete at {keyPath}{(valueName is null ? string.Empty : $" value '{valueName}'")}");
                return ExitCodes.Findings;
            }

            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command New(CliContext context)
    {
        var output = new Argument<string>("hive") { Description = "The hive file to create." }.RejectOptionLikeTokens();
        var from = new Option<string?>("--from") { Description = "A .reg file whose keys and values the new hive gets (read as a stream; up to 1 GiB).", HelpName = "reg-file" };
        var prefix = new Option<string?>("--prefix") { Description = "Key prefix to strip from the .reg file's keys.", HelpName = "text" };
        var root = new Option<string>("--root-name") { Description = "Name of the root key.", DefaultValueFactory = _ => "ROOT" };
        var force = new Option<bool>("--force") { Description = "Overwrite the file if it exists." };
        var command = new Command("new", "Create a hive file, empty or from a .reg file (for example a SOFTWARE hive for an offline image).") { output, from, prefix, root, force };
        command.SetAction(parse => Guard(parse.GetValue(output)!, path =>
        {
            if (File.Exists(path) && !parse.GetValue(force))
            {
                throw new UsageException($"{path} exists; use --force to overwrite it");
            }

            var rootName = parse.GetValue(root)!;
            if (rootName.Length is 0 or > RegistryLimits.MaxKeyNameLength || rootName.Contains('\\', StringComparison.Ordinal))
            {
                throw new UsageException($"--root-name must be 1 to {RegistryLimits.MaxKeyNameLength} characters without a backslash");
            }

            // An empty hive, then the .reg file imported into it in place: memory follows the hive, not the text.
            var editor = HiveEditor.FromHive(Hive.Load(HiveDocument.Create(rootName, context.Time).ToBytes()), new HiveEditOptions { Time = context.Time });
            if (parse.GetValue(from) is { } regPath)
            {
                if (!File.Exists(regPath))
                {
                    throw new BadInputException($"{regPath}: file not found");
                }

                GuardReg(() => RegImporter.ImportFile(editor, regPath, new RegImportOptions { Prefix = parse.GetValue(prefix) }), regPath);
            }

            editor.Save(path, new HiveSaveOptions { KeepBackup = false });
            context.Message($"created {path}");
            return ExitCodes.Success;
        }));
        return command;
    }

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
    private static bool Edit(CliContext context, string path, bool compact, bool acceptStale, Func<HiveEditor, bool> inPlace, Func<HiveDocument, bool> rewrite)
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

    private static bool Edit(CliContext context, string path, bool compact, bool acceptStale, Action<HiveEditor> inPlace, Action<HiveDocument> rewrite) =>
        Edit(context, path, compact, acceptStale, editor =>
        {
            inPlace(editor);
            return true;
        }, document =>
        {
            rewrite(document);
            return true;
        });

    private static Hive Open(string path, CliContext context)
    {
        RequireFile(path);
        var hive = Hive.Open(path, HiveFiles.FindLogs(path));
        ReportWarnings(hive, path, context);
        return hive;
    }

    /// <summary>Opens a hive for lookups that read only the cells they need (dispose it).</summary>
    private static Hive OpenForLookup(string path, CliContext context)
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

    private static RegistryKey FindKey(Hive hive, string keyPath, string file)
    {
        if (keyPath.Length == 0)
        {
            return hive.Root;
        }

        CheckKeyPath(keyPath);
        return hive.OpenKey(keyPath) ?? throw new BadInputException($"{file}: no key '{keyPath}'");
    }

    /// <summary>Windows' limits (RegistryLimits) checked where a key path comes in from the command line.</summary>
    private static void CheckKeyPath(string keyPath)
    {
        if (RegistryLimits.CheckKeyPath(keyPath) is { } problem)
        {
            throw new UsageException($"key '{Shorten(keyPath)}': {problem}");
        }
    }

    private static void CheckValueName(string name)
    {
        if (RegistryLimits.CheckValueName(name) is { } problem)
        {
            throw new UsageException($"value '{Shorten(name)}': {problem}");
        }
    }

    private static string Shorten(string text) => text.Length <= 80 ? text : string.Concat(text.AsSpan(0, 77), "...");

    private static JsonObject ValueJson(RegistryValue value)
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
    private static int Guard(string file, Func<string, int> command)
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

    private static T GuardReg<T>(Func<T> call, string file)
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
