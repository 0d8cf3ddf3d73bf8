using System.CommandLine;
using System.ComponentModel;
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
        var user = new Option<string>("--user", "-u") { Description = "The local account whose password to scramble.", Required = true };
        var length = new Option<int>("--length") { Description = "Length of the random password.", DefaultValueFactory = _ => 32 };
        var scramble = new Command("scramble-password", "Set a local account's password to a random one that is never printed or stored, so a clone never boots with a known or blank password before the agent sets the real one. Windows only; exit 4 elsewhere.")
        {
            user, length,
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

            var name = parse.GetValue(user)!;
            var machine = LiveMachine.Create();
            var password = PasswordGenerator.Generate(policy, name);
            try
            {
                machine.Accounts.SetPassword(name, password.Reveal());
            }
            catch (Win32Exception e)
            {
                // Setup shows a failed RunSynchronous command; the message names the account, never the password.
                throw new EnvironmentException($"could not set the password of '{name}': {e.Message} (error {e.NativeErrorCode})");
            }

            context.Message($"scrambled the password of {name}");
            return ExitCodes.Success;
        });
        command.Subcommands.Add(scramble);
        return command;
    }
}
