using Reseal.TestSupport;
using Reseal.Unattend.Lint;
using Reseal.Unattend.Model;
using Reseal.Unattend.Passwords;
using Reseal.Unattend.Profiles;

namespace Reseal.Unattend.Tests.Profiles;

public class ProfileTests
{
    public static TheoryData<ProfileName> AllProfiles() => new(Enum.GetValues<ProfileName>());

    public static TheoryData<ProfileName, string> ProfilesWithOptions()
    {
        var data = new TheoryData<ProfileName, string>();
        foreach (var profile in Enum.GetValues<ProfileName>())
        {
            foreach (var variant in new[] { "default", "arm64", "static", "keep", "options", "no-rdp" })
            {
                data.Add(profile, variant);
            }
        }

        return data;
    }

    private static ProfileOptions Variant(string name) => name switch
    {
        "arm64" => new ProfileOptions { Architecture = "arm64" },
        "static" => new ProfileOptions { AdminPassword = AdminPasswordMode.Static, StaticPassword = "Sw0rdfish!Long" },
        "keep" => new ProfileOptions { AdminPassword = AdminPasswordMode.Keep },
        "options" => new ProfileOptions
        {
            Locale = "de-DE", TimeZone = "W. Europe Standard Time", RegisteredOwner = "Ops", RegisteredOrganization = "Contoso",
            CopyProfile = false, SkipRearm = true,
        },
        "no-rdp" => new ProfileOptions { RdpReenable = false },
        _ => ProfileOptions.Default,
    };

    [Theory]
    [MemberData(nameof(ProfilesWithOptions))]
    public void Create_EveryProfileAndOption_LintsClean(ProfileName profile, string variant)
    {
        var file = AnswerFileProfiles.Create(profile, Variant(variant));

        var report = new AnswerFileLinter().Lint(file);

        Assert.True(report.Findings.Count == 0, string.Join("; ", report.Findings));
    }

    [Theory]
    [MemberData(nameof(AllProfiles))]
    public void Create_EveryProfile_IsWellFormedForXmllintAndRoundTrips(ProfileName profile)
    {
        var xmllint = ExternalTool.Require("xmllint", "libxml2-utils");
        using var temp = new TempDirectory();
        var path = Path.Combine(temp.Path, "unattend.xml");
        AnswerFileProfiles.Create(profile).Save(path);

        var check = ExternalTool.Run(xmllint, ["--noout", path]);
        var reread = AnswerFileReader.ReadFile(path);

        Assert.Equal(0, check.ExitCode);
        Assert.Empty(check.StandardError);
        Assert.Equal(File.ReadAllBytes(path), reread.ToBytes());
    }

    [Theory]
    [InlineData(ProfileName.Ec2Config, "ScramblePassword.exe")]
    [InlineData(ProfileName.Ec2Launch, "Randomize-LocalAdminPassword.ps1")]
    [InlineData(ProfileName.Ec2LaunchV2, "EC2Launch.exe\" internal randomize-password")]
    public void Create_RandomPassword_EnablesAdminScramblesThenEnablesRdpInOrder(ProfileName profile, string scrambler)
    {
        var file = AnswerFileProfiles.Create(profile);

        var commands = Commands(file, ConfigurationPass.Specialize);

        Assert.Equal([1, 2, 3], commands.Select(c => c.Order));
        Assert.StartsWith("net user Administrator /ACTIVE:YES", commands[0].Path, StringComparison.Ordinal);
        Assert.Contains(scrambler, commands[1].Path, StringComparison.Ordinal);
        Assert.Contains("Remote Desktop", commands[2].Description, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(AdminPasswordMode.Random, "internal scramble-password --enable")]
    [InlineData(AdminPasswordMode.Keep, "internal enable-administrator")]
    public void Create_GenericOrSealed_NamesNoAccount_ResealFindsRid500(AdminPasswordMode mode, string command)
    {
        // "Administrator" is "Administrateur" on a French Windows: a command naming it would fail there and leave the
        // template's password on an account whose RDP is re-enabled right after.
        foreach (var file in new[]
        {
            AnswerFileProfiles.Create(ProfileName.Generic, new ProfileOptions { AdminPassword = mode }),
            AnswerFileProfiles.Create(ProfileName.Ec2LaunchV2, new ProfileOptions { AdminPassword = mode, ResealScrambler = true }),
        })
        {
            var commands = Commands(file, ConfigurationPass.Specialize);

            Assert.Equal([1, 2], commands.Select(c => c.Order));
            Assert.EndsWith("reseal.exe\" " + command, commands[0].Path, StringComparison.Ordinal);
            Assert.Contains("Remote Desktop", commands[1].Description, StringComparison.Ordinal);
            Assert.DoesNotContain(commands, c => c.Path.Contains("Administrator", StringComparison.Ordinal) || c.Path.Contains("--user", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Create_CloudbaseInit_RunsCloudbaseInitOnRequestInSpecialize()
    {
        var command = Assert.Single(Commands(AnswerFileProfiles.Create(ProfileName.CloudbaseInit), ConfigurationPass.Specialize));

        Assert.Contains("cloudbase-init.exe", command.Path, StringComparison.Ordinal);
        Assert.EndsWith("&& exit 1 || exit 2\"", command.Path, StringComparison.Ordinal);
        Assert.Equal("OnRequest", command.WillReboot);
    }

    [Fact]
    public void Create_StaticPassword_IsObfuscatedAndDecodesBack()
    {
        var file = AnswerFileProfiles.Create(ProfileName.Generic, new ProfileOptions { AdminPassword = AdminPasswordMode.Static, StaticPassword = "Sw0rdfish!Long" });
        var text = file.ToXmlString();

        var shell = file.Passes.Single(p => p.Pass == ConfigurationPass.OobeSystem).Components.Single(c => c.Name == "Microsoft-Windows-Shell-Setup");
        var value = shell.Find("UserAccounts/AdministratorPassword/Value")!.Value;

        Assert.DoesNotContain("Sw0rdfish", text, StringComparison.Ordinal);
        Assert.Equal("false", shell.Find("UserAccounts/AdministratorPassword/PlainText")!.Value);
        Assert.Equal("Sw0rdfish!Long", UnattendPassword.Decode(value, PasswordField.AdministratorPassword).Password);
        Assert.DoesNotContain(Commands(file, ConfigurationPass.Specialize), c => c.Path.Contains("scramble", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void Create_Options_AreWrittenWhereEachBelongs()
    {
        var file = AnswerFileProfiles.Create(ProfileName.Ec2LaunchV2, new ProfileOptions
        {
            Architecture = "arm64", Locale = "fr-FR", TimeZone = "Romance Standard Time", CopyProfile = false, SkipRearm = true,
        });

        Assert.All(file.Passes.SelectMany(p => p.Components), c => Assert.Equal("arm64", c.ProcessorArchitecture));
        var international = file.Passes.Single(p => p.Pass == ConfigurationPass.OobeSystem).Components.Single(c => c.Name == "Microsoft-Windows-International-Core");
        Assert.Equal("fr-FR", international.Find("UserLocale")!.Value);
        var specializeShell = file.Passes.Single(p => p.Pass == ConfigurationPass.Specialize).Components.Single(c => c.Name == "Microsoft-Windows-Shell-Setup");
        Assert.Equal("false", specializeShell.Find("CopyProfile")!.Value);
        Assert.Equal("Romance Standard Time", specializeShell.Find("TimeZone")!.Value);
        var spp = file.Passes.Single(p => p.Pass == ConfigurationPass.Generalize).Components.Single(c => c.Name == "Microsoft-Windows-Security-SPP");
        Assert.Equal("1", spp.Find("SkipRearm")!.Value);
    }

    [Theory]
    [InlineData("ia64")]
    [InlineData("AMD64")]
    public void Create_UnknownArchitecture_Throws(string arch)
    {
        Assert.Throws<ArgumentException>(() => AnswerFileProfiles.Create(ProfileName.Generic, new ProfileOptions { Architecture = arch }));
    }

    [Fact]
    public void Create_StaticWithoutPassword_Throws()
    {
        Assert.Throws<ArgumentException>(() => AnswerFileProfiles.Create(ProfileName.Generic, new ProfileOptions { AdminPassword = AdminPasswordMode.Static }));
    }

    private sealed record Cmd(int Order, string Path, string Description, string? WillReboot);

    private static List<Cmd> Commands(AnswerFile file, ConfigurationPass pass) =>
        file.Passes.Where(p => p.Pass == pass).SelectMany(p => p.Components)
            .Where(c => c.Name == "Microsoft-Windows-Deployment")
            .SelectMany(c => c.Element.Descendants().Where(e => e.Name.LocalName == "RunSynchronousCommand"))
            .Select(e => new Cmd(
                int.Parse(e.Elements().Single(x => x.Name.LocalName == "Order").Value, System.Globalization.CultureInfo.InvariantCulture),
                e.Elements().Single(x => x.Name.LocalName == "Path").Value,
                e.Elements().Single(x => x.Name.LocalName == "Description").Value,
                e.Elements().SingleOrDefault(x => x.Name.LocalName == "WillReboot")?.Value))
            .OrderBy(c => c.Order)
            .ToList();
}
