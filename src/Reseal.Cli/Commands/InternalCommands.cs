using System.CommandLine;
using Reseal.Agent.Boot.Tasks;
using Reseal.Cloud.Passwords;
using Reseal.Windows.Live;

namespace Reseal.Cli.Commands;

/// <summary>
/// <c>reseal internal</c>: commands the answer file runs during Setup, not meant for people. Hidden from help.
/// </summary>
internal static class InternalCommands
{
    public static Command Create(CliContext context)
    {
        var command = new Command("internal", "Commands Setup runs from the answer file (specialize pass); not for interactive use.") { Hidden = true };
        var user = new Option<string?>("--user", "-u")
        {
            Description = "The local account whose password to scramble (default: the built-in administrator, found by its SID, RID 500, whatever its name).",
        };
        var length = new Option<int>("--length") { Description = "Length of the random password.", DefaultValueFactory = _ => 32 };
        var enable = new Option<bool>("--enable") { Description = "Enable the account once its password is scrambled." };
        var scramble = new Command("scramble-password", "Set a local account's password (by default the built-in administrator's, found by SID) to a random one that is never printed or stored, so a clone never boots with a known or blank password before the agent sets the real one. Windows only; exit 4 elsewhere.")
        {
            user, length, enable,
        };
        scramble.SetAction(parse =>
        {
            PasswordPolicy policy;
            try
            {
                policy = PasswordPolicy.Create(parse.GetValue(length));
            }
            catch (ArgumentException e)
            {
                throw new UsageException(e.Message);
            }

            var name = parse.GetValue(user);
            if (name is not null && string.IsNullOrWhiteSpace(name))
            {
                throw new UsageException("--user needs an account name");
            }

            return Report(context, AdministratorScramble.Scramble(LiveMachine.Create(), name, policy, parse.GetValue(enable)));
        });
        var enableAdministrator = new Command("enable-administrator", "Enable the built-in administrator (found by its SID, RID 500, whatever its name), leaving its password as it is. Windows only; exit 4 elsewhere.");
        enableAdministrator.SetAction(_ => Report(context, AdministratorScramble.Enable(LiveMachine.Create())));
        command.Subcommands.Add(scramble);
        command.Subcommands.Add(enableAdministrator);
        return command;
    }

    // Setup shows a failed RunSynchronous command (and logs its exit code); the message names the account, never the password.
    private static int Report(CliContext context, ScrambleResult result)
    {
        if (!result.Succeeded)
        {
            throw new EnvironmentException(result.Message);
        }

        context.Message(result.Message);
        return ExitCodes.Success;
    }
}
