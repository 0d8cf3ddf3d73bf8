using System.ComponentModel;
using Reseal.Cloud.Passwords;
using Reseal.Windows.Ports;

namespace Reseal.Agent.Boot.Tasks;

/// <summary>What <see cref="AdministratorScramble"/> did: the account's name as this Windows spells it, or why it failed.</summary>
/// <param name="Succeeded">True when the password was set (and the account enabled, when asked).</param>
/// <param name="AccountName">The account changed, when one was found.</param>
/// <param name="Message">What happened, for Setup's log; never the password.</param>
public sealed record ScrambleResult(bool Succeeded, string? AccountName, string Message);

/// <summary>
/// What the specialize pass of every answer file seal writes runs (<c>reseal internal scramble-password</c>,
/// <c>reseal internal enable-administrator</c>): the built-in administrator, found by its SID (the account domain's SID
/// plus RID 500) and never by the name "Administrator" — which is "Administrateur" on a French Windows and anything at
/// all once renamed — gets a random password that is never printed or stored, and is enabled. A scramble that failed
/// would leave every clone with the template's known password while specialize re-enables RDP, so every failure is
/// reported, never hidden; on a domain controller the account port refuses (<see cref="DomainControllerGuard"/>).
/// </summary>
public static class AdministratorScramble
{
    /// <summary>
    /// Sets a random password on <paramref name="userName"/>, or on the built-in administrator (RID 500) when it is null,
    /// and with <paramref name="enable"/> enables the account afterwards (never before: an enabled account with the
    /// template's password is what this prevents).
    /// </summary>
    public static ScrambleResult Scramble(IWindowsMachine machine, string? userName, PasswordPolicy policy, bool enable)
    {
        ArgumentNullException.ThrowIfNull(machine);
        ArgumentNullException.ThrowIfNull(policy);
        try
        {
            var account = Resolve(machine, userName);
            if (account is null)
            {
                return new ScrambleResult(false, null, userName is null
                    ? "this machine has no built-in administrator account (RID 500 of its account domain)"
                    : $"there is no local account named '{userName}'");
            }

            var password = PasswordGenerator.Generate(policy, account.Name);
            machine.Accounts.SetPassword(account.Name, password.Reveal());
            if (enable && account.Disabled)
            {
                machine.Accounts.SetEnabled(account.Name, true);
            }

            return new ScrambleResult(true, account.Name,
                $"scrambled the password of {Describe(account)}{(enable ? (account.Disabled ? " and enabled it" : " (already enabled)") : "")}");
        }
        catch (Exception e) when (e is Win32Exception or InvalidOperationException or KeyNotFoundException or PlatformNotSupportedException
            or IOException or UnauthorizedAccessException)
        {
            // The message names the account, never the password; Setup logs the command's failure.
            return new ScrambleResult(false, userName, $"could not scramble the password of {userName ?? "the built-in administrator (RID 500)"}: {e.Message}");
        }
    }

    /// <summary>Enables the built-in administrator (RID 500), whatever its name; its password is left as it is.</summary>
    public static ScrambleResult Enable(IWindowsMachine machine)
    {
        ArgumentNullException.ThrowIfNull(machine);
        try
        {
            var account = machine.Accounts.FindByRid(WellKnownRids.Administrator);
            if (account is null)
            {
                return new ScrambleResult(false, null, "this machine has no built-in administrator account (RID 500 of its account domain)");
            }

            if (account.Disabled)
            {
                machine.Accounts.SetEnabled(account.Name, true);
            }

            return new ScrambleResult(true, account.Name, $"{Describe(account)} is enabled{(account.Disabled ? "" : " (it already was)")}");
        }
        catch (Exception e) when (e is Win32Exception or InvalidOperationException or KeyNotFoundException or PlatformNotSupportedException
            or IOException or UnauthorizedAccessException)
        {
            return new ScrambleResult(false, null, $"could not enable the built-in administrator (RID 500): {e.Message}");
        }
    }

    private static LocalAccount? Resolve(IWindowsMachine machine, string? userName) =>
        userName is null ? machine.Accounts.FindByRid(WellKnownRids.Administrator) : machine.Accounts.FindAccount(userName);

    private static string Describe(LocalAccount account) =>
        account.Rid == WellKnownRids.Administrator ? $"the built-in administrator '{account.Name}' (RID 500)" : $"'{account.Name}'";
}
