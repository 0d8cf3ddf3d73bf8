using System.CommandLine;
using Reseal.Unattend.Lint;
using Reseal.Unattend.Model;
using Reseal.Unattend.Passwords;

namespace Reseal.Cli.Commands;

/// <summary><c>reseal unattend get/set/remove</c>: read and change one setting of an answer file, keeping everything else byte for byte.</summary>
internal static class UnattendEditCommands
{
    /// <summary>The arguments get, set and remove share: FILE PASS COMPONENT/PATH and --arch.</summary>
    private sealed record EditArguments(Argument<string> File, Argument<string> Pass, Argument<string> Path, Option<string?> Arch);

    private static EditArguments EditArgumentsFor(string verb)
    {
        var file = new Argument<string>("file") { Description = "The answer file." }.RejectOptionLikeTokens();
        var pass = new Argument<string>("pass") { Description = "The configuration pass: windowsPE, offlineServicing, generalize, specialize, auditSystem, auditUser or oobeSystem." };
        var path = new Argument<string>("path")
        {
            Description = $"The setting to {verb}: Component/Setting/..., list items by key, e.g. Microsoft-Windows-Shell-Setup/TimeZone, " +
                "Microsoft-Windows-Deployment/RunSynchronous/RunSynchronousCommand[1]/Path, .../LocalAccount[Name=ops]/Group.",
        };
        var arch = new Option<string?>("--arch")
        {
            Description = "The component's processorArchitecture when the pass has it for several (default: the file's only one; amd64 for a file with none).",
            HelpName = "amd64|arm64|x86|wow64",
        };
        arch.AcceptOnlyFromAmong("amd64", "arm64", "x86", "wow64");
        return new EditArguments(file, pass, path, arch);
    }

    private static (AnswerFile File, ConfigurationPass Pass, Reseal.Unattend.Editing.SettingPath Path) ReadEditTarget(ParseResult parse, EditArguments args)
    {
        var passName = parse.GetValue(args.Pass)!;
        if (!ConfigurationPasses.TryParse(passName, out var pass))
        {
            var near = ConfigurationPasses.SuggestionFor(passName);
            throw new UsageException($"'{passName}' is not a configuration pass" + (near is null ? string.Empty : $"; pass names are case-sensitive: did you mean '{near}'?"));
        }

        Reseal.Unattend.Editing.SettingPath path;
        try
        {
            path = Reseal.Unattend.Editing.SettingPath.Parse(parse.GetValue(args.Path)!);
        }
        catch (FormatException e)
        {
            throw new UsageException(e.Message);
        }

        var file = AnswerFileReader.ReadFile(parse.GetValue(args.File)!);
        if (!file.HasUnattendRoot)
        {
            throw new BadInputException($"{file.Path}: the root element is <{file.Root.Name.LocalName}>, not <unattend>; this is not an answer file");
        }

        return (file, pass, path);
    }

    internal static Command Get(CliContext context)
    {
        var args = EditArgumentsFor("print");
        var command = new Command("get", "Print one setting's value (a group's XML as written). Exit 1 when the file does not have it. Passwords are never printed.")
        {
            args.File, args.Pass, args.Path, args.Arch,
        };
        command.SetAction(parse =>
        {
            var (file, pass, path) = ReadEditTarget(parse, args);
            var editor = new Reseal.Unattend.Editing.AnswerFileEditor();
            var element = editor.Find(file, pass, path, parse.GetValue(args.Arch));
            if (element is null)
            {
                context.Message($"{path} is not in pass {pass.ToXmlName()} of {file.Path}");
                return ExitCodes.Findings;
            }

            if (IsPassword(editor, path, element))
            {
                throw new UsageException($"{path} is a password; reseal does not print passwords (decode an obfuscated value with 'reseal unattend password decode')");
            }

            context.Out.WriteLine(element.HasElements ? element.ToString() : element.Value);
            return ExitCodes.Success;
        });
        return command;
    }

    internal static Command Set(CliContext context)
    {
        var args = EditArgumentsFor("set");
        var value = new Argument<string>("value") { Description = "The new value; - reads it from standard input (hidden on a terminal). Passwords are taken only so, and written obfuscated where Windows allows it." };
        var force = new Option<bool>("--force") { Description = "Write even when the result has lint findings (errors or warnings) the original did not have." };
        var command = new Command("set", "Change one setting, creating its pass, component, groups or list item when missing, and leave every other byte of the file as it was. The result is linted and written atomically; a result that lints worse than the original is refused (exit 1) unless --force.")
        {
            args.File, args.Pass, args.Path, value, args.Arch, force,
        };
        command.SetAction(parse =>
        {
            var (file, pass, path) = ReadEditTarget(parse, args);
            var editor = new Reseal.Unattend.Editing.AnswerFileEditor();
            var arch = parse.GetValue(args.Arch);
            var given = parse.GetValue(value)!;
            var definition = editor.Definition(path);
            var passwordGroup = definition is not null && Reseal.Unattend.Editing.PasswordTargets.IsObfuscatableGroup(definition);
            var password = passwordGroup || (definition is not null && Reseal.Unattend.Editing.PasswordTargets.IsPassword(definition)) || path.Steps[^1].Name.EndsWith("Password", StringComparison.Ordinal);
            if (password && given != "-")
            {
                throw new UsageException($"{path} is a password: give - and type it (or pipe it); passwords on the command line end up in shell history and process lists");
            }

            var text = given == "-" ? (password ? context.ReadSecret("Password: ") : context.ReadInput(AnswerFileReadOptions.Default.MaxBytes, "value").TrimEnd('\r', '\n')) : given;
            var outcome = passwordGroup
                ? editor.SetPassword(file, pass, path, text, arch)
                : editor.Set(file, pass, path, text, arch);
            return WriteEdit(context, file, outcome, parse.GetValue(force));
        });
        return command;
    }

    internal static Command Remove(CliContext context)
    {
        var args = EditArgumentsFor("remove");
        var force = new Option<bool>("--force") { Description = "Write even when the result has lint findings the original did not have." };
        var command = new Command("remove", "Remove one setting (with what it holds) and leave every other byte as it was. Exit 1 when the file does not have it or the result lints worse (unless --force).")
        {
            args.File, args.Pass, args.Path, args.Arch, force,
        };
        command.SetAction(parse =>
        {
            var (file, pass, path) = ReadEditTarget(parse, args);
            var editor = new Reseal.Unattend.Editing.AnswerFileEditor();
            if (editor.Find(file, pass, path, parse.GetValue(args.Arch)) is null)
            {
                context.Message($"{path} is not in pass {pass.ToXmlName()} of {file.Path}; nothing was changed");
                return ExitCodes.Findings;
            }

            var outcome = editor.Remove(file, pass, path, parse.GetValue(args.Arch));
            return WriteEdit(context, file, outcome, parse.GetValue(force));
        });
        return command;
    }

    private static bool IsPassword(Reseal.Unattend.Editing.AnswerFileEditor editor, Reseal.Unattend.Editing.SettingPath path, System.Xml.Linq.XElement element) =>
        editor.Definition(path) is { } definition
            ? Reseal.Unattend.Editing.PasswordTargets.IsPassword(definition) || Reseal.Unattend.Editing.PasswordTargets.IsObfuscatableGroup(definition)
                || (definition.Name == "Value" && editor.Definition(path with { Steps = path.Steps.Take(path.Steps.Count - 1).ToList() }) is { } parent
                    && Reseal.Unattend.Editing.PasswordTargets.IsObfuscatableGroup(parent))
            : element.Name.LocalName.EndsWith("Password", StringComparison.Ordinal);

    /// <summary>
    /// Lints the original and the result; refuses a result with errors or warnings the original did not have (unless
    /// forced), else writes it atomically beside a .bak of the original (none when the original holds a readable password).
    /// </summary>
    private static int WriteEdit(CliContext context, AnswerFile original, Reseal.Unattend.Editing.EditOutcome outcome, bool force)
    {
        var linter = new AnswerFileLinter();
        var before = linter.Lint(original).Findings;
        var after = linter.Lint(outcome.File).Findings;
        var added = Reseal.Unattend.Editing.LintDelta.Added(before, after).Where(f => f.Severity >= Severity.Warning).ToList();
        foreach (var finding in added)
        {
            context.Message((force ? "new finding: " : "would add: ") + finding);
        }

        if (added.Count > 0 && !force)
        {
            context.Message($"{outcome.Summary}: not written, because the result lints worse than {original.Path} ({added.Count} new finding{(added.Count == 1 ? string.Empty : "s")}); --force writes it anyway");
            return ExitCodes.Findings;
        }

        // A .bak of a file holding a readable password would be one more copy of that secret on disk, left behind after
        // the user replaces or removes it: such a file is replaced without one (the write is atomic either way).
        var secret = AnswerFilePasswords.Find(original).FirstOrDefault(p => p.Storage is PasswordStorage.ClearText or PasswordStorage.Obfuscated);
        outcome.File.SaveEdited(original.Path!, outcome.Bytes, keepBackup: secret is null);
        context.Message(secret is null
            ? $"{outcome.Summary} in {original.Path} (previous version kept as {System.IO.Path.GetFileName(original.Path)}.bak)"
            : $"{outcome.Summary} in {original.Path} (no .bak kept: the previous version holds a readable password at {secret.Location})");
        return ExitCodes.Success;
    }
}
