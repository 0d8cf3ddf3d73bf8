using System.Collections.Immutable;
using Reseal.Unattend.Model;
using Reseal.Unattend.Passwords;
using Reseal.Windows.Layout;
using Reseal.Windows.Offline;
using Reseal.Windows.Ports;

namespace Reseal.Sysprep.Inspection;

/// <summary>
/// Finds the answer files Setup would use (the registry's UnattendFile, then the places of the one answer-file location
/// table, <see cref="AnswerFileLocations"/>, in Setup's search order) or an agent keeps for Sysprep, and reports their
/// passwords as the one classifier (<see cref="AnswerFilePasswords"/>, which lint, the seal and the agent use too) sees
/// them: clear text, obfuscated, undecodable or scrubbed. Password values are never reported.
/// </summary>
internal static class AnswerFileScanner
{
    /// <summary>Scans the machine; findings go to <paramref name="findings"/>.</summary>
    internal static ImmutableArray<AnswerFileFacts> Scan(IWindowsMachine windows, string? unattendFileValue, List<Finding> findings)
    {
        var found = new List<AnswerFileFacts>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        if (!string.IsNullOrWhiteSpace(unattendFileValue))
        {
            string? host = null;
            try
            {
                host = windows.Files.FileExists(unattendFileValue) ? windows.Files.Expand(unattendFileValue) : null;
            }
            catch (ArgumentException)
            {
                // Another drive: reported below as not in the tree.
            }
            catch (IOException e)
            {
                // A link out of the tree, a FIFO, a device: reported, never followed.
                Unreadable(findings, unattendFileValue, e);
            }

            findings.Add(new Finding("unattendfile-registry", FindingSeverity.Warning,
                $"HKLM\\SYSTEM\\Setup!UnattendFile points Setup at {unattendFileValue}{(host is null ? ", which is not in the tree" : "")}; it beats every other answer file",
                "delete the value unless that file is the one clones must use", @"HKLM\SYSTEM\Setup!UnattendFile"));
            if (host is not null && seen.Add(HostKey(windows, host)))
            {
                try
                {
                    found.Add(Read(windows, host, "registry UnattendFile", findings));
                }
                catch (IOException e) when (e is not FileNotFoundException)
                {
                    Unreadable(findings, host, e);
                }
            }
        }

        foreach (var place in AnswerFileLocations.All)
        {
            AnswerFileFacts facts;
            string path;
            try
            {
                path = windows.Files.Expand(place.WindowsPath);
                found.AddRange(MovedAside(windows, path, place.Role, seen, findings));
                if (!windows.Files.FileExists(path) || !seen.Add(HostKey(windows, path)))
                {
                    continue;
                }

                facts = Read(windows, path, place.Role, findings);
            }
            catch (ArgumentException)
            {
                continue; // a variable this machine cannot expand: nothing there to read
            }
            catch (IOException e) when (e is not FileNotFoundException)
            {
                Unreadable(findings, place.WindowsPath, e);
                continue;
            }

            found.Add(facts with { WinsOverSysprepFolder = place.WinsOverSysprepFolder, IsAgentFile = place.Kind == AnswerFilePlaceKind.Agent });
            if (place.WinsOverSysprepFolder)
            {
                findings.Add(new Finding("cached-answer-file", FindingSeverity.Warning,
                    $"{path} is cached from an earlier Setup: Setup reads it before System32\\Sysprep\\Unattend.xml",
                    "delete it before sealing, or pass /unattend: explicitly (reseal seal does)", path));
            }
        }

        return [.. found];
    }

    /// <summary>
    /// The copies a seal moved aside from <paramref name="path"/> (<c>.reseal-moved</c>, then <c>-2</c>, <c>-3</c>...,
    /// kept for its rollback). Setup never reads them, but they are in the image: one a seal from before the scrub left
    /// holds the password in clear text, so they are read and reported like the answer files themselves.
    /// </summary>
    private static List<AnswerFileFacts> MovedAside(IWindowsMachine windows, string path, string role, HashSet<string> seen, List<Finding> findings)
    {
        var copies = new List<AnswerFileFacts>();
        for (var n = 1; n <= MaxMovedAsideCopies; n++)
        {
            var copy = SealPaths.MovedAside(path, n);
            try
            {
                if (!windows.Files.FileExists(copy))
                {
                    break; // the seal numbers its copies without gaps
                }

                if (seen.Add(HostKey(windows, copy)))
                {
                    copies.Add(Read(windows, copy, role + ", moved aside by a seal (kept for its rollback)", findings));
                }
            }
            catch (IOException e) when (e is not FileNotFoundException)
            {
                Unreadable(findings, copy, e);
            }
        }

        return copies;
    }

    /// <summary>A bound on the numbered copies probed beside one place (a seal makes one per run).</summary>
    private const int MaxMovedAsideCopies = 64;

    private static string HostKey(IWindowsMachine windows, string path) =>
        windows.OfflineTree?.ToHostPath(path) ?? windows.Files.Expand(path);

    private static void Unreadable(List<Finding> findings, string path, IOException e) =>
        findings.Add(new Finding("answer-file-unreadable", FindingSeverity.Warning, $"{path} was not read: {e.Message}",
            "an answer file must be a regular file inside the image; check what this path is", path));

    private static AnswerFileFacts Read(IWindowsMachine windows, string path, string role, List<Finding> findings)
    {
        var bytes = windows.Files.ReadAllBytes(path, OfflineFiles.MaxTextFileBytes);
        AnswerFile file;
        try
        {
            file = AnswerFileReader.Read(bytes, path);
        }
        catch (AnswerFileFormatException e)
        {
            findings.Add(new Finding("answer-file-invalid", FindingSeverity.Warning, $"{path} is not a readable answer file: {e.Message}",
                "Setup stops with 'The answer file is invalid'; fix or delete it (it may still hold secrets)", path));
            return new AnswerFileFacts(path, role, bytes.Length, [], e.Message);
        }

        ImmutableArray<AnswerFilePassword> passwords = [.. AnswerFilePasswords.Find(file).Select(p =>
            new AnswerFilePassword(p.Location, p.Pass, p.Storage, p.Kind.CanBeObfuscated))];
        foreach (var password in passwords)
        {
            var (severity, text, fix) = password.Storage switch
            {
                PasswordStorage.ClearText when !password.CanBeObfuscated => (FindingSeverity.Error, "holds a clear-text secret Windows accepts only in clear text",
                    "remove it from the image (join the domain, or set the credential, at first boot instead); scrub cached copies"),
                PasswordStorage.ClearText => (FindingSeverity.Error, "holds a clear-text password", "remove it: let the agent set a random password at first boot, and scrub cached copies"),
                PasswordStorage.Obfuscated => (FindingSeverity.Warning, "holds an obfuscated password (PlainText=false is Base64, not encryption)", "anyone with the image can decode it; prefer a password set at first boot"),
                PasswordStorage.Undecodable => (FindingSeverity.Error, "holds a PlainText=false password that does not decode with the element-name suffix", "Setup fails with 0x8007000d: re-encode it as Base64(UTF-16LE(password + element name))"),
                _ => (FindingSeverity.Info, password.Storage == PasswordStorage.Scrubbed ? "had its password scrubbed by Setup" : "has an empty password", (string?)null),
            };
            findings.Add(new Finding("answer-file-password", severity, $"{path} ({password.Pass}/{password.Element}) {text}", fix, path));
        }

        return new AnswerFileFacts(path, role, bytes.Length, passwords, null);
    }
}
