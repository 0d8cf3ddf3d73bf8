using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Reseal.Registry;

namespace Reseal.Cli.Commands;

/// <summary><c>reseal hive list/get/export</c>: read a hive without changing it.</summary>
internal static class HiveReadCommands
{
    internal static Command List(CliContext context)
    {
        var hive = HiveCommands.HiveArgument();
        var key = HiveCommands.KeyArgument();
        var format = FormatOption.Create(OutputFormat.Text, OutputFormat.Json);
        var command = new Command("ls", "List a key's subkeys and values.") { hive, key, format };
        command.SetAction(parse => HiveCommands.Guard(parse.GetValue(hive)!, path =>
        {
            using var opened = HiveCommands.OpenForLookup(path, context);
            var found = HiveCommands.FindKey(opened, parse.GetValue(key)!, path);
            var subkeys = found.GetSubkeys().Select(k => k.Name).ToList();
            var values = found.GetValues();
            if (parse.GetValue(format) == OutputFormat.Json)
            {
                context.Out.WriteLine(Json.Write(new JsonObject
                {
                    ["key"] = found.Path,
                    ["lastWritten"] = found.LastWritten?.ToString("O", CultureInfo.InvariantCulture),
                    ["subkeys"] = new JsonArray([.. subkeys.Select(k => (JsonNode)JsonValue.Create(k))]),
                    ["values"] = new JsonArray([.. values.Select(v => (JsonNode)HiveCommands.ValueJson(v))]),
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

    internal static Command Get(CliContext context)
    {
        var hive = HiveCommands.HiveArgument();
        var key = new Argument<string>("key") { Description = "Key path inside the hive." };
        var value = new Argument<string>("value") { Description = "Value name; \"\" for the key's default value." };
        var format = FormatOption.Create(OutputFormat.Text, OutputFormat.Json);
        var command = new Command("get", "Print one value. Strings print as text, numbers in decimal, binary as hex; exit 1 when the value is absent.") { hive, key, value, format };
        command.SetAction(parse => HiveCommands.Guard(parse.GetValue(hive)!, path =>
        {
            var name = parse.GetValue(value)!;
            HiveCommands.CheckValueName(name);
            using var opened = HiveCommands.OpenForLookup(path, context);
            var found = HiveCommands.FindKey(opened, parse.GetValue(key)!, path);
            if (found.GetValue(name) is not { } data)
            {
                context.Message($"{path}: {found.Path} has no value '{name}'");
                return ExitCodes.Findings;
            }

            context.Out.WriteLine(parse.GetValue(format) == OutputFormat.Json ? Json.Write(HiveCommands.ValueJson(data)) : RegistryValueCodec.Decode(data).Text);
            return ExitCodes.Success;
        }));
        return command;
    }

    internal static Command Export(CliContext context)
    {
        var hive = HiveCommands.HiveArgument();
        var key = HiveCommands.KeyArgument("Export only this key and below (default: the whole hive).");
        var prefix = new Option<string?>("--prefix") { Description = "Text put before every key path, e.g. HKEY_LOCAL_MACHINE\\SYSTEM.", HelpName = "text" };
        var output = new Option<string?>("--output", "-o") { Description = "Write to this file (atomically) instead of standard output.", HelpName = "file" };
        var command = new Command("export", "Export to .reg text in hivexregedit --export's exact format.") { hive, key, prefix, output };
        command.SetAction(parse => HiveCommands.Guard(parse.GetValue(hive)!, path =>
        {
            var opened = HiveCommands.Open(path, context);
            var start = HiveCommands.FindKey(opened, parse.GetValue(key)!, path);
            var options = new RegExportOptions { Prefix = parse.GetValue(prefix) };

            // A damaged hive fails part-way, and nothing half-written may reach the target or the pipe: a file target
            // is written through the one atomic writer. For standard output the whole walk is made once without
            // writing (CheckFirst: it fails exactly where the export would), then the export streams straight out:
            // the hive was read whole into memory, so the second walk reads the same bytes, with the buffers the first
            // one grew. (A temporary file copied to the pipe afterwards cost more than the export itself:
            // docs/benchmarks.md.)
            if (parse.GetValue(output) is { } target)
            {
                AtomicFile.Write(target, file => RegExporter.Export(start, file, options));
                context.Message($"exported {start.Path} to {target}");
                return ExitCodes.Success;
            }

            context.WriteRaw(stream => RegExporter.Export(start, stream, options with { CheckFirst = true }));
            return ExitCodes.Success;
        }));
        return command;
    }
}
