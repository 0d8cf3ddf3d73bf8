using System.ComponentModel;
using System.Globalization;
using System.Text;
using Reseal.Windows.Ports;

namespace Reseal.Agent.Boot.Tasks;

/// <summary>What installing a user's SSH keys did, or why it could not.</summary>
/// <param name="Note">What was done, for the task's message.</param>
/// <param name="Failure">Why the keys could not be installed, or null.</param>
internal readonly record struct SshKeysOutcome(string Note, string? Failure);

/// <summary>
/// Installs a user's OpenSSH public keys where OpenSSH for Windows reads them, with the access lists it insists on
/// (docs/windows-behaviour.md, "OpenSSH keys (item 8)"):
/// <list type="bullet">
/// <item>a member of Administrators: <c>%ProgramData%\ssh\administrators_authorized_keys</c> (sshd_config's default
/// <c>Match Group administrators</c>), owner Administrators, only SYSTEM and Administrators on its access list — sshd
/// ignores the file otherwise, and with a looser list any user could add a key that logs on as an administrator;</item>
/// <item>any other user: <c>.ssh\authorized_keys</c> in the user's profile folder, created first when the user has no
/// profile (so the keys are where Windows will load the profile from, not in a <c>C:\Users\NAME</c> that makes Windows
/// put the real profile in <c>NAME.COMPUTER</c>), with only the user, SYSTEM and Administrators on its list.</item>
/// </list>
/// Existing lines are kept; keys already present are not added again; the file is rewritten atomically with its access
/// list each time, so a file left with a wrong list is put right. New lines end in LF alone: OpenSSH reads a CR before
/// the LF as part of the key's comment (ssh-keygen -l shows it), which is harmless for logging on but not what was given.
/// </summary>
internal static class SshAuthorizedKeys
{
    /// <summary>Where OpenSSH for Windows reads administrators' keys.</summary>
    public const string AdministratorsKeysPath = @"%ProgramData%\ssh\administrators_authorized_keys";

    /// <summary>Largest existing keys file read (a real one is a few kilobytes).</summary>
    public const int MaxFileBytes = 1 << 20;

    private const string SshFolder = @"%ProgramData%\ssh";

    /// <summary>Installs <paramref name="keys"/> for <paramref name="userName"/>.</summary>
    public static SshKeysOutcome Install(IWindowsMachine machine, string userName, IReadOnlyList<string> keys, bool administrator)
    {
        var notes = new List<string>();
        var wanted = new List<string>();
        for (var i = 0; i < keys.Count; i++)
        {
            var key = keys[i].Trim();
            if (key.Length == 0)
            {
                continue;
            }

            // One key is one line: a key spanning lines would add lines nobody asked for (an options prefix on the next).
            if (key.AsSpan().IndexOfAny('\r', '\n', '\0') >= 0)
            {
                notes.Add($"SSH key {(i + 1).ToString(CultureInfo.InvariantCulture)} skipped: it spans more than one line");
                continue;
            }

            if (!wanted.Contains(key, StringComparer.Ordinal))
            {
                wanted.Add(key);
            }
        }

        if (wanted.Count == 0)
        {
            return new SshKeysOutcome(string.Join("; ", [.. notes, "no SSH key to install"]), null);
        }

        string path;
        WindowsSid? user = null;
        try
        {
            if (administrator)
            {
                path = AdministratorsKeysPath;
                if (!machine.Files.DirectoryExists(SshFolder))
                {
                    // Made before sshd's first start makes it: SYSTEM's and Administrators' only, so no user can plant an
                    // sshd_config or host key in it first (ProgramData lets Users create files).
                    _ = machine.Files.RestrictToAdministrators(SshFolder);
                }
            }
            else
            {
                var profile = machine.Accounts.EnsureProfile(userName);
                if (profile.Created)
                {
                    notes.Add($"profile created at {profile.Path}");
                }

                path = profile.Path.TrimEnd('\\') + @"\.ssh\authorized_keys";
                user = profile.Sid;
            }

            byte[] existing = [];
            if (machine.Files.FileExists(path))
            {
                if (machine.Files.IsProtectedFile(path, user))
                {
                    existing = machine.Files.ReadAllBytes(path, MaxFileBytes);
                }
                else
                {
                    // Not as this task leaves it (another owner, or someone else may change it): possibly planted by a user
                    // before sshd existed, and sshd ignores such a file. Keeping its lines under the protected access list
                    // would bless a stranger's key, so the file is replaced whole.
                    notes.Add($"{machine.Files.Expand(path)} was not protected (owner or access list not SYSTEM/Administrators"
                        + (user is null ? "" : "/the user") + " only): its lines were not kept");
                }
            }

            var text = Encoding.UTF8.GetString(existing);
            var present = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);
            var added = wanted.Where(k => !present.Contains(k)).ToList();
            var contents = added.Count == 0
                ? existing
                : Encoding.UTF8.GetBytes(text + (text.Length == 0 || text.EndsWith('\n') ? "" : "\n") + string.Join('\n', added) + "\n");
            machine.Files.WriteProtectedFile(path, contents, user);
            notes.Add($"{added.Count.ToString(CultureInfo.InvariantCulture)} SSH key(s) added to {machine.Files.Expand(path)} " +
                (user is null ? "(SYSTEM and Administrators only)" : "(the user, SYSTEM and Administrators only)"));
            return new SshKeysOutcome(string.Join("; ", notes), null);
        }
        catch (Exception e) when (e is Win32Exception or PlatformNotSupportedException or InvalidOperationException or KeyNotFoundException
                                      or IOException or UnauthorizedAccessException)
        {
            return new SshKeysOutcome(string.Join("; ", notes), $"could not install the SSH keys of {userName}: {e.Message}");
        }
    }
}
