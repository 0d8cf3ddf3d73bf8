using System.CommandLine;
using Reseal.Registry;

namespace Reseal.Cli.Commands;

/// <summary><c>reseal hive import/set/delete/new</c>: change a hive, in place or rewritten.</summary>
internal static class HiveEditCommands
{
    internal static Command Import(CliContext context)
    {
        var hive = HiveCommands.HiveArgument();
        var regFile = new Argument<string>("reg-file") { Description = ".reg file (REGEDIT4 or Windows Registry Editor Version 5.00, UTF-16 or UTF-8; up to 1 GiB, read as a stream)." }.RejectOptionLikeTokens();
        var prefix = new Option<string?>("--prefix") { Description = "Key prefix to strip, e.g. HKEY_LOCAL_MACHINE\\SOFTWARE; every key in the file must start with it.", HelpName = "text" };
        var compact = HiveCommands.CompactOption();
        var stale = HiveCommands.AcceptStaleOption();
        var command = new Command("import", "Merge a .reg file into a hive, in place (atomic write, verified, backup kept as .bak).") { hive, regFile, prefix, compact, stale };
        command.SetAction(parse => HiveCommands.Guard(parse.GetValue(hive)!, path =>
        {
            var regPath = parse.GetValue(regFile)!;
            if (!File.Exists(regPath))
            {
                throw new BadInputException($"{regPath}: file not found");
            }

            var options = new RegImportOptions { Prefix = parse.GetValue(prefix) };
            RegImportResult? result = null;
            HiveCommands.Edit(context, path, parse.GetValue(compact), parse.GetValue(stale),
                editor => result = HiveCommands.GuardReg(() => RegImporter.ImportFile(editor, regPath, options), regPath),
                document => result = HiveCommands.GuardReg(() => RegImporter.ImportFile(document, regPath, options), regPath));
            context.Message($"{path}: {result!.KeysCreatedOrOpened} keys created or opened, {result.KeysDeleted} deleted, {result.ValuesSet} values set, {result.ValuesDeleted} deleted");
            return ExitCodes.Success;
        }));
        return command;
    }

    internal static Command Set(CliContext context)
    {
        var hive = HiveCommands.HiveArgument();
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
        var compact = HiveCommands.CompactOption();
        var stale = HiveCommands.AcceptStaleOption();
        var command = new Command("set", "Set a value, in place (atomic write, verified, backup kept as .bak).") { hive, key, name, data, type, compact, stale };
        command.SetAction(parse => HiveCommands.Guard(parse.GetValue(hive)!, path =>
        {
            var keyPath = parse.GetValue(key)!;
            var valueName = parse.GetValue(name)!;
            HiveCommands.CheckKeyPath(keyPath);
            HiveCommands.CheckValueName(valueName);
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

            HiveCommands.Edit(context, path, parse.GetValue(compact), parse.GetValue(stale),
                editor => editor.SetValue(keyPath, valueName, rawType, bytes),
                document => document.SetValue(keyPath, valueName, rawType, bytes));
            return ExitCodes.Success;
        }));
        return command;
    }

    internal static Command Delete(CliContext context)
    {
        var hive = HiveCommands.HiveArgument();
        var key = new Argument<string>("key") { Description = "Key path." };
        var name = new Argument<string?>("name") { Description = "Value name to delete; without it the whole key and its subkeys are deleted.", Arity = ArgumentArity.ZeroOrOne };
        var compact = HiveCommands.CompactOption();
        var stale = HiveCommands.AcceptStaleOption();
        var command = new Command("delete", "Delete a value, or a key with everything below it, in place (atomic write, verified, backup kept as .bak). Exit 1 when there was nothing to delete.") { hive, key, name, compact, stale };
        command.SetAction(parse => HiveCommands.Guard(parse.GetValue(hive)!, path =>
        {
            var keyPath = parse.GetValue(key)!;
            var valueName = parse.GetValue(name);
            HiveCommands.CheckKeyPath(keyPath);
            if (valueName is not null)
            {
                HiveCommands.CheckValueName(valueName);
            }

            var deleted = HiveCommands.Edit(context, path, parse.GetValue(compact), parse.GetValue(stale),
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

    internal static Command New(CliContext context)
    {
        var output = new Argument<string>("hive") { Description = "The hive file to create." }.RejectOptionLikeTokens();
        var from = new Option<string?>("--from") { Description = "A .reg file whose keys and values the new hive gets (read as a stream; up to 1 GiB).", HelpName = "reg-file" };
        var prefix = new Option<string?>("--prefix") { Description = "Key prefix to strip from the .reg file's keys.", HelpName = "text" };
        var root = new Option<string>("--root-name") { Description = "Name of the root key.", DefaultValueFactory = _ => "ROOT" };
        var force = new Option<bool>("--force") { Description = "Overwrite the file if it exists." };
        var command = new Command("new", "Create a hive file, empty or from a .reg file (for example a SOFTWARE hive for an offline image).") { output, from, prefix, root, force };
        command.SetAction(parse => HiveCommands.Guard(parse.GetValue(output)!, path =>
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

                HiveCommands.GuardReg(() => RegImporter.ImportFile(editor, regPath, new RegImportOptions { Prefix = parse.GetValue(prefix) }), regPath);
            }

            editor.Save(path, new HiveSaveOptions { KeepBackup = false });
            context.Message($"created {path}");
            return ExitCodes.Success;
        }));
        return command;
    }
}
