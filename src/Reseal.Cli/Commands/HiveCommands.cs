using System.CommandLine;
using System.Globalization;
using System.Text;
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
        command.SetAction(parse =>
        {
            var opened = Open(parse.GetValue(hive)!, context);
            var found = FindKey(opened, parse.GetValue(key)!, parse.GetValue(hive)!);
            if (parse.GetValue(format) == OutputFormat.Json)
            {
                context.Out.WriteLine(Json.Write(new JsonObject
                {
                    ["key"] = found.Path,
                    ["lastWritten"] = found.LastWritten?.ToString("O", CultureInfo.InvariantCulture),
                    ["subkeys"] = new JsonArray([.. found.GetSubkeys().Select(k => (JsonNode)JsonValue.Create(k.Name))]),
                    ["values"] = new JsonArray([.. found.GetValues().Select(v => (JsonNode)ValueJson(v))]),
                }));
                return ExitCodes.Success;
            }

            foreach (var subkey in found.GetSubkeys())
            {
                context.Out.WriteLine($"{subkey.Name}\\");
            }

            foreach (var value in found.GetValues())
            {
                context.Out.WriteLine($"{(value.Name.Length == 0 ? "(default)" : value.Name)}  {TypeName(value.RawType)}  {Describe(value)}");
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Get(CliContext context)
    {
        var hive = HiveArgument();
        var key = new Argument<string>("key") { Description = "Key path inside the hive." };
        var value = new Argument<string>("value") { Description = "Value name; \"\" for the key's default value." };
        var format = FormatOption.Create(OutputFormat.Text, OutputFormat.Json);
        var command = new Command("get", "Print one value. Strings print as text, numbers in decimal, binary as hex; exit 1 when the value is absent.") { hive, key, value, format };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(hive)!;
            var found = FindKey(Open(path, context), parse.GetValue(key)!, path);
            var name = parse.GetValue(value)!;
            if (found.GetValue(name) is not { } data)
            {
                context.Message($"{path}: {found.Path} has no value '{name}'");
                return ExitCodes.Findings;
            }

            context.Out.WriteLine(parse.GetValue(format) == OutputFormat.Json ? Json.Write(ValueJson(data)) : Describe(data));
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Export(CliContext context)
    {
        var hive = HiveArgument();
        var key = KeyArgument("Export only this key and below (default: the whole hive).");
        var prefix = new Option<string?>("--prefix") { Description = "Text put before every key path, e.g. HKEY_LOCAL_MACHINE\\SYSTEM.", HelpName = "text" };
        var output = new Option<string?>("--output", "-o") { Description = "Write to this file (atomically) instead of standard output.", HelpName = "file" };
        var command = new Command("export", "Export to .reg text in hivexregedit --export's exact format.") { hive, key, prefix, output };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(hive)!;
            var opened = Open(path, context);
            var start = FindKey(opened, parse.GetValue(key)!, path);
            var options = new RegExportOptions { Prefix = parse.GetValue(prefix) };

            // A damaged hive fails part-way, and nothing half-written may reach the target or the pipe: a file target
            // is written through the one atomic writer; standard output gets a temporary file's copy once complete.
            if (parse.GetValue(output) is { } target)
            {
                AtomicFile.Write(target, file => Guard(() => RegExporter.Export(start, file, options), path));
                context.Message($"exported {start.Path} to {target}");
                return ExitCodes.Success;
            }

            var temp = Path.Combine(Path.GetTempPath(), $".reseal-export.{Guid.NewGuid():N}.tmp");
            try
            {
                using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose))
                {
                    Guard(() => RegExporter.Export(start, file, options), path);
                    file.Position = 0;
                    context.WriteRaw(file);
                }
            }
            finally
            {
                File.Delete(temp);
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Import(CliContext context)
    {
        var hive = HiveArgument();
        var regFile = new Argument<string>("reg-file") { Description = ".reg file (REGEDIT4 or Windows Registry Editor Version 5.00, UTF-16 or UTF-8)." }.RejectOptionLikeTokens();
        var prefix = new Option<string?>("--prefix") { Description = "Key prefix to strip, e.g. HKEY_LOCAL_MACHINE\\SOFTWARE; every key in the file must start with it.", HelpName = "text" };
        var command = new Command("import", "Merge a .reg file into a hive (atomic write, verified, backup kept as .bak).") { hive, regFile, prefix };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(hive)!;
            var regPath = parse.GetValue(regFile)!;
            var document = Guard(() => HiveDocument.Open(path, HiveFiles.FindLogs(path)), path);
            var text = GuardReg(() => RegImporter.ReadRegFile(regPath), regPath);
            var result = GuardReg(() => RegImporter.Import(document, text, new RegImportOptions { Prefix = parse.GetValue(prefix) }), regPath);
            Guard(() => document.Save(path), path);
            context.Message($"{path}: {result.KeysCreatedOrOpened} keys created or opened, {result.KeysDeleted} deleted, {result.ValuesSet} values set, {result.ValuesDeleted} deleted");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Set(CliContext context)
    {
        var hive = HiveArgument();
        var key = new Argument<string>("key") { Description = "Key path (created if missing)." };
        var name = new Argument<string>("name") { Description = "Value name; \"\" for the default value." };
        var data = new Argument<string[]>("data")
        {
            Description = "The data: text for sz/expand_sz, one argument per string for multi_sz, a number for dword/qword (0x for hex), hex bytes for binary.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var type = new Option<string>("--type", "-t")
        {
            Description = "Value type: sz, expand_sz, multi_sz, dword, qword, binary.",
            DefaultValueFactory = _ => "sz",
        };
        type.AcceptOnlyFromAmong("sz", "expand_sz", "multi_sz", "dword", "qword", "binary");
        var command = new Command("set", "Set a value (atomic write, verified, backup kept as .bak).") { hive, key, name, data, type };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(hive)!;
            var (rawType, bytes) = Encode(parse.GetValue(type)!, parse.GetValue(data) ?? []);
            var document = Guard(() => HiveDocument.Open(path, HiveFiles.FindLogs(path)), path);
            var keyPath = parse.GetValue(key)!;
            Guard(() =>
            {
                document.CreateKey(keyPath);
                document.SetValue(keyPath, parse.GetValue(name)!, rawType, bytes);
                document.Save(path);
            }, path);
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Delete(CliContext context)
    {
        var hive = HiveArgument();
        var key = new Argument<string>("key") { Description = "Key path." };
        var name = new Argument<string?>("name") { Description = "Value name to delete; without it the whole key and its subkeys are deleted.", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("delete", "Delete a value, or a key with everything below it (atomic write, verified, backup kept as .bak). Exit 1 when there was nothing to delete.") { hive, key, name };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(hive)!;
            var document = Guard(() => HiveDocument.Open(path, HiveFiles.FindLogs(path)), path);
            var keyPath = parse.GetValue(key)!;
            var deleted = parse.GetValue(name) is { } value ? document.DeleteValue(keyPath, value) : document.DeleteKey(keyPath);
            if (!deleted)
            {
                context.Message($"{path}: nothing to delete at {keyPath}{(parse.GetValue(name) is { } n ? $" value '{n}'" : string.Empty)}");
                return ExitCodes.Findings;
            }

            Guard(() => document.Save(path), path);
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command New(CliContext context)
    {
        var output = new Argument<string>("hive") { Description = "The hive file to create." }.RejectOptionLikeTokens();
        var from = new Option<string?>("--from") { Description = "A .reg file whose keys and values the new hive gets.", HelpName = "reg-file" };
        var prefix = new Option<string?>("--prefix") { Description = "Key prefix to strip from the .reg file's keys.", HelpName = "text" };
        var root = new Option<string>("--root-name") { Description = "Name of the root key.", DefaultValueFactory = _ => "ROOT" };
        var force = new Option<bool>("--force") { Description = "Overwrite the file if it exists." };
        var command = new Command("new", "Create a hive file, empty or from a .reg file (for example a SOFTWARE hive for an offline image).") { output, from, prefix, root, force };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(output)!;
            if (File.Exists(path) && !parse.GetValue(force))
            {
                throw new UsageException($"{path} exists; use --force to overwrite it");
            }

            var document = HiveDocument.Create(parse.GetValue(root)!);
            if (parse.GetValue(from) is { } regPath)
            {
                var text = GuardReg(() => RegImporter.ReadRegFile(regPath), regPath);
                GuardReg(() => RegImporter.Import(document, text, new RegImportOptions { Prefix = parse.GetValue(prefix) }), regPath);
            }

            Guard(() => document.Save(path, new HiveSaveOptions { KeepBackup = false }), path);
            context.Message($"created {path}");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Check(CliContext context)
    {
        var hive = HiveArgument();
        var format = FormatOption.Create(OutputFormat.Text, OutputFormat.Json);
        var command = new Command("check", "Check a hive's structure (base block, cells, lists, hashes, security descriptors). Exit 1 when errors are found, 3 when it cannot be read at all.") { hive, format };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(hive)!;
            var opened = Open(path, context);
            var diagnostics = Guard(() => HiveChecker.Check(opened), path);
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
        });
        return command;
    }

    private static Command Recover(CliContext context)
    {
        var hive = HiveArgument();
        var output = new Option<string?>("--output", "-o") { Description = "Write the recovered hive here instead of replacing the original (which is then kept as .bak).", HelpName = "file" };
        var command = new Command("recover", "Replay a dirty hive's transaction logs and write a clean hive.") { hive, output };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(hive)!;
            var logs = HiveFiles.FindLogs(path);
            var opened = Guard(() => Hive.Open(path, logs), path);
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
            Guard(() => HiveFiles.WriteAtomically(target, opened.Image.ToArray(), new HiveSaveOptions { KeepBackup = target == path }), target);
            context.Message($"recovered {path} from {logs.Count} log(s) into {target}");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Hive Open(string path, CliContext context)
    {
        if (!File.Exists(path))
        {
            throw new BadInputException($"{path}: file not found");
        }

        var hive = Guard(() => Hive.Open(path, HiveFiles.FindLogs(path)), path);
        foreach (var warning in hive.Warnings)
        {
            context.Message($"{path}: warning: {warning}");
        }

        return hive;
    }

    private static RegistryKey FindKey(Hive hive, string keyPath, string file) =>
        keyPath.Length == 0 ? hive.Root : Guard(() => hive.OpenKey(keyPath), file) ?? throw new BadInputException($"{file}: no key '{keyPath}'");

    private static JsonObject ValueJson(RegistryValue value) => new()
    {
        ["name"] = value.Name,
        ["type"] = TypeName(value.RawType),
        ["size"] = value.DataLength,
        ["data"] = value.Type switch
        {
            RegistryValueType.Sz or RegistryValueType.ExpandSz or RegistryValueType.Link => JsonValue.Create(value.GetString()),
            RegistryValueType.MultiSz => new JsonArray([.. value.GetMultiString().Select(s => (JsonNode)JsonValue.Create(s))]),
            RegistryValueType.DWord or RegistryValueType.DWordBigEndian when value.GetDWord() is { } d => JsonValue.Create(d),
            RegistryValueType.QWord when value.GetQWord() is { } q => JsonValue.Create(q),
            _ => JsonValue.Create(Convert.ToHexStringLower(value.GetData())),
        },
    };

    private static string Describe(RegistryValue value) => value.Type switch
    {
        RegistryValueType.Sz or RegistryValueType.ExpandSz or RegistryValueType.Link => value.GetString(),
        RegistryValueType.MultiSz => string.Join("\n", value.GetMultiString()),
        RegistryValueType.DWord or RegistryValueType.DWordBigEndian when value.GetDWord() is { } d => d.ToString(CultureInfo.InvariantCulture),
        RegistryValueType.QWord when value.GetQWord() is { } q => q.ToString(CultureInfo.InvariantCulture),
        _ => Convert.ToHexStringLower(value.GetData()),
    };

    private static string TypeName(uint type) => type switch
    {
        0 => "none",
        1 => "sz",
        2 => "expand_sz",
        3 => "binary",
        4 => "dword",
        5 => "dword_be",
        6 => "link",
        7 => "multi_sz",
        8 => "resource_list",
        9 => "full_resource_descriptor",
        10 => "resource_requirements_list",
        11 => "qword",
        _ => $"0x{type:x}",
    };

    private static (uint Type, byte[] Data) Encode(string type, string[] data)
    {
        string Single() => data.Length == 1 ? data[0] : throw new UsageException($"a {type} value takes exactly one data argument; got {data.Length}");
        switch (type)
        {
            case "sz":
            case "expand_sz":
                return (type == "sz" ? 1u : 2u, Encoding.Unicode.GetBytes(Single() + "\0"));
            case "multi_sz":
                return (7u, Encoding.Unicode.GetBytes(string.Concat(data.Select(s => s + "\0")) + "\0"));
            case "dword":
                return (4u, BitConverter.GetBytes(checked((uint)ParseNumber(Single(), uint.MaxValue))));
            case "qword":
                return (11u, BitConverter.GetBytes(ParseNumber(Single(), ulong.MaxValue)));
            default:
                var hex = string.Concat(data).Replace(",", string.Empty, StringComparison.Ordinal).Replace(" ", string.Empty, StringComparison.Ordinal);
                try
                {
                    return (3u, Convert.FromHexString(hex));
                }
                catch (FormatException)
                {
                    throw new UsageException($"binary data '{string.Join(' ', data)}' is not hex bytes");
                }
        }
    }

    private static ulong ParseNumber(string text, ulong max)
    {
        var ok = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? ulong.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value)
            : ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
        return ok && value <= max ? value : throw new UsageException($"'{text}' is not a number from 0 to {max}");
    }

    /// <summary>Runs a hive operation and turns a malformed hive into a bad-input error naming the file.</summary>
    private static T Guard<T>(Func<T> call, string file)
    {
        try
        {
            return call();
        }
        catch (HiveFormatException e)
        {
            throw new BadInputException(e.Message.Contains(file, StringComparison.Ordinal) ? e.Message : $"{file}: {e.Message}");
        }
    }

    private static void Guard(Action call, string file) => Guard<bool>(() =>
    {
        call();
        return true;
    }, file);

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
