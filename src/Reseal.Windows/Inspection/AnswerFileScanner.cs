using System.Collections.Immutable;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using Reseal.Windows.Offline;
using Reseal.Windows.Ports;

namespace Reseal.Windows.Inspection;

/// <summary>
/// Finds the answer files Setup would use (answerfiles.md §1 search order) or an agent keeps for Sysprep, and tells
/// whether their passwords are in clear text, merely obfuscated (Base64 of UTF-16LE(password + element name), the
/// <c>PlainText=false</c> rule), undecodable, or scrubbed by Setup. Password values are never reported.
/// </summary>
public static class AnswerFileScanner
{
    private const string Scrubbed = "*SENSITIVE*DATA*DELETED*";

    private static readonly (string Path, string Role)[] Locations =
    [
        (@"C:\Windows\Panther\Unattend\Unattend.xml", "Panther\\Unattend (searched first after the registry)"),
        (@"C:\Windows\Panther\Unattend\Autounattend.xml", "Panther\\Unattend (searched first after the registry)"),
        (@"C:\Windows\Panther\Unattend.xml", "Panther cache (beats the Sysprep folder)"),
        (@"C:\Windows\Panther\Autounattend.xml", "Panther cache (beats the Sysprep folder)"),
        (@"C:\Windows\System32\Sysprep\Unattend.xml", "Sysprep folder"),
        (@"C:\Unattend.xml", "system drive root"),
        (@"C:\Autounattend.xml", "system drive root"),
        (@"C:\ProgramData\Amazon\EC2Launch\sysprep\unattend.xml", "EC2Launch v2 sysprep"),
        (@"C:\ProgramData\Amazon\EC2-Windows\Launch\Sysprep\Unattend.xml", "EC2Launch v1 sysprep"),
        (@"C:\Program Files\Amazon\Ec2ConfigService\sysprep2008.xml", "EC2Config sysprep"),
        (@"C:\Program Files\Cloudbase Solutions\Cloudbase-Init\conf\Unattend.xml", "Cloudbase-Init sysprep"),
        (@"C:\ProgramData\Reseal\sysprep\unattend.xml", "Reseal sysprep"),
    ];

    /// <summary>Scans the tree; findings go to <paramref name="findings"/>.</summary>
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
            if (host is not null && seen.Add(host))
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

        foreach (var (path, role) in Locations)
        {
            AnswerFileFacts facts;
            try
            {
                if (!windows.Files.FileExists(path) || !seen.Add(windows is OfflineWindows offline ? offline.Files.ToHostPath(path) : windows.Files.Expand(path)))
                {
                    continue;
                }

                facts = Read(windows, path, role, findings);
            }
            catch (IOException e) when (e is not FileNotFoundException)
            {
                Unreadable(findings, path, e);
                continue;
            }

            found.Add(facts);
            if (role.StartsWith("Panther", StringComparison.Ordinal))
            {
                findings.Add(new Finding("cached-answer-file", FindingSeverity.Warning,
                    $"{path} is cached from an earlier Setup: Setup reads it before System32\\Sysprep\\Unattend.xml",
                    "delete it before sealing, or pass /unattend: explicitly (reseal seal does)", path));
            }
        }

        return [.. found];
    }

    private static void Unreadable(List<Finding> findings, string path, IOException e) =>
        findings.Add(new Finding("answer-file-unreadable", FindingSeverity.Warning, $"{path} was not read: {e.Message}",
            "an answer file must be a regular file inside the image; check what this path is", path));

    private static AnswerFileFacts Read(IWindowsMachine windows, string path, string role, List<Finding> findings)
    {
        var bytes = windows.Files.ReadAllBytes(path, OfflineFiles.MaxTextFileBytes);
        ImmutableArray<AnswerFilePassword> passwords;
        try
        {
            passwords = [.. FindPasswords(bytes)];
        }
        catch (XmlException e)
        {
            findings.Add(new Finding("answer-file-invalid", FindingSeverity.Warning, $"{path} is not well-formed XML: {e.Message}",
                "Setup stops with 'The answer file is invalid'; fix or delete it", path));
            return new AnswerFileFacts(path, role, bytes.Length, [], e.Message);
        }

        foreach (var password in passwords)
        {
            var (severity, text, fix) = password.Storage switch
            {
                PasswordStorage.ClearText => (FindingSeverity.Error, "holds a clear-text password", "remove it: let the agent set a random password at first boot, and scrub cached copies"),
                PasswordStorage.Obfuscated => (FindingSeverity.Warning, "holds an obfuscated password (PlainText=false is Base64, not encryption)", "anyone with the image can decode it; prefer a password set at first boot"),
                PasswordStorage.Undecodable => (FindingSeverity.Error, "holds a PlainText=false password that does not decode with the element-name suffix", "Setup fails with 0x8007000d: re-encode it as Base64(UTF-16LE(password + element name))"),
                _ => (FindingSeverity.Info, password.Storage == PasswordStorage.Scrubbed ? "had its password scrubbed by Setup" : "has an empty password", (string?)null),
            };
            findings.Add(new Finding("answer-file-password", severity, $"{path} ({password.Pass}/{password.Element}) {text}", fix, path));
        }

        return new AnswerFileFacts(path, role, bytes.Length, passwords, null);
    }

    /// <summary>The password settings of an answer file: elements named Password, AdministratorPassword or OfflineAdministratorPassword.</summary>
    public static IReadOnlyList<AnswerFilePassword> FindPasswords(byte[] xml)
    {
        ArgumentNullException.ThrowIfNull(xml);
        var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null };
        using var reader = XmlReader.Create(new MemoryStream(xml), settings);
        var document = XDocument.Load(reader);
        var result = new List<AnswerFilePassword>();
        foreach (var element in document.Descendants())
        {
            var name = element.Name.LocalName;
            if (name is not ("Password" or "AdministratorPassword" or "OfflineAdministratorPassword"))
            {
                continue;
            }

            var pass = element.Ancestors().FirstOrDefault(a => a.Name.LocalName == "settings")?.Attribute("pass")?.Value ?? "?";
            var valueElement = element.Elements().FirstOrDefault(e => e.Name.LocalName == "Value");
            var plainText = element.Elements().FirstOrDefault(e => e.Name.LocalName == "PlainText")?.Value.Trim();
            var value = valueElement?.Value ?? (element.HasElements ? "" : element.Value);
            result.Add(new AnswerFilePassword(name, pass, Classify(value, name, plainText)));
        }

        return result;
    }

    /// <summary>Classifies one password value by the PlainText flag and the obfuscation rule.</summary>
    public static PasswordStorage Classify(string value, string elementName, string? plainText)
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(elementName);
        var trimmed = value.Trim();
        if (trimmed.Length == 0)
        {
            return PasswordStorage.Empty;
        }

        if (trimmed.Contains(Scrubbed, StringComparison.Ordinal))
        {
            return PasswordStorage.Scrubbed;
        }

        if (!string.Equals(plainText, "false", StringComparison.OrdinalIgnoreCase))
        {
            return PasswordStorage.ClearText;
        }

        try
        {
            var decoded = Convert.FromBase64String(trimmed);
            if (decoded.Length % 2 == 0 && Encoding.Unicode.GetString(decoded).EndsWith(elementName, StringComparison.Ordinal))
            {
                return PasswordStorage.Obfuscated;
            }
        }
        catch (FormatException)
        {
            // Not Base64 at all.
        }

        return PasswordStorage.Undecodable;
    }
}
