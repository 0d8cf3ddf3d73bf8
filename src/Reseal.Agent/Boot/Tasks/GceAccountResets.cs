using System.ComponentModel;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Reseal.Cloud;
using Reseal.Cloud.Passwords;
using Reseal.Windows.Ports;

namespace Reseal.Agent.Boot.Tasks;

/// <summary>What one pass over GCE's <c>windows-keys</c> did.</summary>
/// <param name="Reset">Accounts whose password was reset (and answered on COM4).</param>
/// <param name="Skipped">Requests skipped and why (expired, already answered, unusable lines).</param>
/// <param name="Failed">Requests that failed and why (answered with <c>errorMessage</c>).</param>
public sealed record GceResetReport(IReadOnlyList<string> Reset, IReadOnlyList<string> Skipped, IReadOnlyList<string> Failed);

/// <summary>
/// GCE's password reset (protocols.md §3.5): each unexpired, not yet answered <c>windows-keys</c> request creates the
/// named local account when missing (and adds it to Administrators unless the request says not to), gives it a new
/// random password, and answers on COM4 with the password OAEP-encrypted to the request's key. Answered requests are
/// remembered by a SHA-256 of their line in <c>gce-windows-keys.txt</c> in the state folder, so a reboot does not reset
/// the password again.
/// </summary>
public static class GceAccountResets
{
    /// <summary>The file (in the state folder) listing the hashes of answered requests.</summary>
    public const string HandledFileName = "gce-windows-keys.txt";

    /// <summary>
    /// Handles the requests in <paramref name="scan"/> with COM4 opened by <paramref name="openCom4"/> for them and released
    /// afterwards, whatever happened: the boot-time pass and the service's watch both answer this way.
    /// </summary>
    public static async Task<GceResetReport> ApplyAsync(IWindowsMachine machine, GceWindowsKeyScan scan, Func<ISerialConsole> openCom4, string stateDirectory,
        TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(openCom4);
        var com4 = openCom4();
        try
        {
            return await ApplyAsync(machine, scan, com4, stateDirectory, time, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            com4.Close();
        }
    }

    /// <summary>Handles the requests in <paramref name="scan"/>.</summary>
    public static async Task<GceResetReport> ApplyAsync(IWindowsMachine machine, GceWindowsKeyScan scan, ISerialConsole com4, string stateDirectory,
        TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(machine);
        ArgumentNullException.ThrowIfNull(scan);
        ArgumentNullException.ThrowIfNull(com4);
        ArgumentNullException.ThrowIfNull(time);
        var handledPath = Path.Combine(stateDirectory, HandledFileName);
        var handled = File.Exists(handledPath) ? new HashSet<string>(await File.ReadAllLinesAsync(handledPath, cancellationToken).ConfigureAwait(false), StringComparer.Ordinal) : [];
        List<string> reset = [], skipped = [.. scan.Problems], failed = [];
        foreach (var key in scan.Keys)
        {
            var id = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key.ToJsonLine())));
            if (handled.Contains(id))
            {
                continue; // answered at an earlier boot
            }

            if (key.IsExpired(time))
            {
                skipped.Add($"{key.UserName}: the request expired at {key.ExpireOn.ToString("u", CultureInfo.InvariantCulture)}");
                continue;
            }

            // Order: the reply is made (encrypted) before anything changes, so a bad key changes no password; the request is
            // recorded as handled before the password is set, so a crash or a failed COM4 write never resets it twice
            // (the requester then times out and asks again, which is a new request).
            string reply;
            ClearTextPassword? password = null;
            try
            {
                password = PasswordGenerator.Generate(PasswordPolicy.Default, key.UserName);
                reply = key.CreateReply(password);
            }
            catch (Exception e) when (e is CloudException or System.Security.Cryptography.CryptographicException)
            {
                reply = GceWindowsKey.CreateErrorReply($"the request's key cannot be used: {e.Message}");
                failed.Add($"{key.UserName}: {e.Message}");
                password = null;
            }

            handled.Add(id);
            AtomicFile.WriteText(handledPath, string.Concat(handled.Order(StringComparer.Ordinal).Select(h => h + "\n")));
            if (password is not null)
            {
                try
                {
                    await ApplyPasswordAsync(machine, key, password, cancellationToken).ConfigureAwait(false);
                    reset.Add(key.UserName);
                }
                catch (Exception e) when (e is Win32Exception or PlatformNotSupportedException or KeyNotFoundException or InvalidOperationException
                    or IOException or UnauthorizedAccessException)
                {
                    reply = GceWindowsKey.CreateErrorReply($"could not reset the password of {key.UserName}: {e.Message}");
                    failed.Add($"{key.UserName}: {e.Message}");
                }
            }

            try
            {
                await com4.WriteLineAsync(reply, cancellationToken).ConfigureAwait(false);
            }
#pragma warning disable CA1031 // A port failure must not stop the other requests.
            catch (Exception e) when (e is not OperationCanceledException)
#pragma warning restore CA1031
            {
                failed.Add($"{key.UserName}: the answer could not be written to COM4 ({e.Message})");
            }
        }

        return new GceResetReport(reset, skipped, failed);
    }

    // The account is created with its password in one call (never a moment without one), or its password is reset;
    // only then is it added to Administrators.
    private static async Task ApplyPasswordAsync(IWindowsMachine machine, GceWindowsKey key, ClearTextPassword password, CancellationToken cancellationToken)
    {
        if (AdminAccountTask.NameProblem(key.UserName) is { } problem)
        {
            throw new InvalidOperationException($"'{key.UserName}' is not a valid user name: {problem}");
        }

        if (machine.Accounts.FindAccount(key.UserName) is null)
        {
            machine.Accounts.Create(key.UserName, password.Reveal());
        }
        else
        {
            machine.Accounts.SetPassword(key.UserName, password.Reveal());
        }

        // A failure is reported in the reply by the caller's catch. The group by its SID (S-1-5-32-544): its name is
        // "Administrateurs" on a French Windows.
        if (key.AddToAdministrators)
        {
            _ = machine.Accounts.AddToGroup(LocalGroup.Administrators, key.UserName);
        }

        if (machine.Accounts.FindAccount(key.UserName) is { Disabled: true })
        {
            machine.Accounts.SetEnabled(key.UserName, true);
        }
    }
}
