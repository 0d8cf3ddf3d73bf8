using System.Text;
using Reseal.Unattend.Profiles;

namespace Reseal.Bench;

/// <summary>
/// A corpus of generated answer files: every profile with several option sets, plus copies carrying typical defects
/// (wrong pass, duplicate Order, clear-text password, bad computer name, mixed architecture, unknown components).
/// </summary>
public static class LintCorpus
{
    public static IReadOnlyList<(string Name, byte[] Bytes)> Create(int copies = 8)
    {
        var files = new List<(string, byte[])>();
        var variants = new (string Name, ProfileOptions Options)[]
        {
            ("default", ProfileOptions.Default),
            ("arm64", new ProfileOptions { Architecture = "arm64" }),
            ("keep", new ProfileOptions { AdminPassword = AdminPasswordMode.Keep }),
            ("static", new ProfileOptions { AdminPassword = AdminPasswordMode.Static, StaticPassword = "Bench!Passw0rd" }),
            ("options", new ProfileOptions { Locale = "de-DE", TimeZone = "W. Europe Standard Time", SkipRearm = true, CopyProfile = false }),
        };
        var defects = new (string Name, Func<string, string> Apply)[]
        {
            ("clean", s => s),
            ("wrong-pass", s => s.Replace("<settings pass=\"generalize\">", "<settings pass=\"specialize\">", StringComparison.Ordinal)),
            ("duplicate-order", s => s.Replace("<Order>2</Order>", "<Order>1</Order>", StringComparison.Ordinal)),
            ("plaintext", s => s.Replace("</RegisteredOwner>", "</RegisteredOwner><UserAccounts><AdministratorPassword><Value>Pl4in!Text</Value><PlainText>true</PlainText></AdministratorPassword></UserAccounts>", StringComparison.Ordinal)),
            ("computername", s => s.Replace("<TimeZone>", "<ComputerName>web server 2019 prod</ComputerName><TimeZone>", StringComparison.Ordinal)),
            ("mixed-arch", s => s.Replace("processorArchitecture=\"amd64\"", "processorArchitecture=\"x86\"", StringComparison.Ordinal).Replace("<settings pass=\"oobeSystem\">", "<settings pass=\"oobeSystem\"><component name=\"Microsoft-Windows-Deployment\" processorArchitecture=\"amd64\" publicKeyToken=\"31bf3856ad364e35\" language=\"neutral\" versionScope=\"nonSxS\"><Reseal><Mode>OOBE</Mode></Reseal></component>", StringComparison.Ordinal)),
            ("unknown", s => s.Replace("</unattend>", "<settings pass=\"specialize\"><component name=\"Contoso-Agent\" processorArchitecture=\"amd64\" publicKeyToken=\"31bf3856ad364e35\" language=\"neutral\" versionScope=\"nonSxS\"><Endpoint>https://example.invalid</Endpoint></component></settings></unattend>", StringComparison.Ordinal)),
        };

        for (var copy = 0; copy < copies; copy++)
        {
            foreach (var profile in Enum.GetValues<ProfileName>())
            {
                foreach (var (variantName, options) in variants)
                {
                    var text = AnswerFileProfiles.Create(profile, options).ToXmlString();
                    var defect = defects[(files.Count + copy) % defects.Length];
                    var name = $"{copy:D2}-{AnswerFileProfiles.CliName(profile)}-{variantName}-{defect.Name}.xml";
                    files.Add((name, Encoding.UTF8.GetBytes(defect.Apply(text))));
                }
            }
        }

        return files;
    }
}
