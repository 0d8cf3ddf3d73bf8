using System.CommandLine;
using Reseal.Unattend.Catalog;
using Reseal.Unattend.Passwords;

namespace Reseal.Cli.Commands;

/// <summary><c>reseal unattend</c>: write, lint and explain Windows answer files, and encode their passwords.</summary>
internal static class UnattendCommands
{
    public static Command Create(CliContext context)
    {
        var command = new Command("unattend", "Windows answer files (unattend.xml): write, lint, explain, and encode passwords. Works on any OS.");
        command.Subcommands.Add(UnattendLintCommand.Lint(context));
        command.Subcommands.Add(UnattendExplainCommand.Explain(context));
        command.Subcommands.Add(UnattendNewCommand.New(context));
        command.Subcommands.Add(UnattendEditCommands.Get(context));
        command.Subcommands.Add(UnattendEditCommands.Set(context));
        command.Subcommands.Add(UnattendEditCommands.Remove(context));
        command.Subcommands.Add(Password(context));
        command.Subcommands.Add(UnattendLintCommand.Rules(context));
        return command;
    }

    private static Command Password(CliContext context)
    {
        var command = new Command("password", "Encode or decode answer-file passwords (PlainText=false): Base64 of UTF-16LE of the password plus the element name. Obfuscation, not encryption.");
        var field = new Option<string>("--field")
        {
            Description = "Which element the value is for: administrator (UserAccounts/AdministratorPassword) or password (LocalAccount/Password, AutoLogon/Password).",
            DefaultValueFactory = _ => "administrator",
            HelpName = "administrator|password",
        };
        field.AcceptOnlyFromAmong("administrator", "password");
        var encode = new Command("encode", "Read a password from standard input (first line; hidden prompt on a terminal) and print the value for <Value> with <PlainText>false</PlainText>.") { field };
        encode.SetAction(parse =>
        {
            var password = context.ReadSecret("Password: ");
            context.Out.WriteLine(UnattendPassword.Encode(password, FieldOf(parse.GetValue(field)!)));
            return ExitCodes.Success;
        });

        var decodeField = new Option<string?>("--field")
        {
            Description = "Require the suffix of this element (administrator or password); without it any known suffix is accepted.",
            HelpName = "administrator|password",
        };
        decodeField.AcceptOnlyFromAmong("administrator", "password");
        var decode = new Command("decode", "Read an obfuscated value from standard input (first line) and print the password it hides; the suffix found goes to standard error.") { decodeField };
        decode.SetAction(parse =>
        {
            var value = context.ReadSecret("Value: ").Trim();
            var fieldName = parse.GetValue(decodeField);
            var result = UnattendPassword.Decode(value, fieldName is null ? null : FieldOf(fieldName));
            if (!result.Success)
            {
                throw new BadInputException($"cannot decode the value: {result.Message}");
            }

            context.Out.WriteLine(result.Password);
            context.Message($"suffix: {result.Suffix}");
            return ExitCodes.Success;
        });
        command.Subcommands.Add(encode);
        command.Subcommands.Add(decode);
        return command;
    }

    /// <summary>--windows: one of the releases the catalog knows, by its short name.</summary>
    internal static Option<string?> WindowsOption(string what)
    {
        var option = new Option<string?>("--windows")
        {
            Description = $"{what}: {string.Join(", ", WindowsRelease.Names)}. Default: the release the file's cpi:offlineImage names, else the newest.",
            HelpName = "release",
        };
        option.AcceptOnlyFromAmong([.. WindowsRelease.Names]);
        return option;
    }

    internal static WindowsRelease? ParseWindows(string? name) =>
        name is null ? null : WindowsRelease.TryParse(name, out var release) ? release : throw new UsageException($"--windows: '{name}' is not one of {string.Join(", ", WindowsRelease.Names)}");

    private static PasswordField FieldOf(string name) => name == "password" ? PasswordField.Password : PasswordField.AdministratorPassword;

}
