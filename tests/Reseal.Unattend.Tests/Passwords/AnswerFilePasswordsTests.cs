using System.Text;
using Reseal.Unattend.Model;
using Reseal.Unattend.Passwords;

namespace Reseal.Unattend.Tests.Passwords;

/// <summary>The one classifier of answer-file secrets and the one table of answer-file places.</summary>
public sealed class AnswerFilePasswordsTests
{
    private const string Secret = "Hunter2!Secret";

    private static AnswerFile File(string pass, string component, string body) => AnswerFileReader.ReadText(
        $"""<unattend xmlns="urn:schemas-microsoft-com:unattend"><settings pass="{pass}"><component name="{component}" processorArchitecture="amd64" publicKeyToken="31bf3856ad364e35" language="neutral" versionScope="nonSxS">{body}</component></settings></unattend>""");

    [Theory]
    [InlineData("specialize", "Microsoft-Windows-UnattendedJoin", $"<Identification><Credentials><Domain>corp</Domain><Password>{Secret}</Password><Username>joiner</Username></Credentials></Identification>",
        "Microsoft-Windows-UnattendedJoin/Identification/Credentials/Password")]
    [InlineData("specialize", "Microsoft-Windows-UnattendedJoin", $"<Identification><MachinePassword>{Secret}</MachinePassword><UnsecureJoin>true</UnsecureJoin></Identification>",
        "Microsoft-Windows-UnattendedJoin/Identification/MachinePassword")]
    [InlineData("specialize", "Microsoft-Windows-UnattendedJoin", $"<Identification><Provisioning><AccountData>{Secret}</AccountData></Provisioning></Identification>",
        "Microsoft-Windows-UnattendedJoin/Identification/Provisioning/AccountData")]
    [InlineData("oobeSystem", "Microsoft-Windows-Shell-Setup", $"<AutoLogon><Password><Value>{Secret}</Value><PlainText>true</PlainText></Password><Enabled>true</Enabled><LogonCount>1</LogonCount><Username>u</Username></AutoLogon>",
        "Microsoft-Windows-Shell-Setup/AutoLogon/Password")]
    [InlineData("oobeSystem", "Microsoft-Windows-Shell-Setup", $"<UserAccounts><LocalAccounts><LocalAccount><Password><Value>{Secret}</Value></Password><Name>u</Name></LocalAccount></LocalAccounts></UserAccounts>",
        "Microsoft-Windows-Shell-Setup/UserAccounts/LocalAccounts/LocalAccount/Password")]
    [InlineData("specialize", "Microsoft-Windows-Deployment", $"<RunSynchronous><RunSynchronousCommand><Credentials><Password>{Secret}</Password></Credentials><Order>1</Order><Path>x</Path></RunSynchronousCommand></RunSynchronous>",
        "Microsoft-Windows-Deployment/RunSynchronous/RunSynchronousCommand/Credentials/Password")]
    [InlineData("oobeSystem", "Contoso-Fax", $"<Receipts><FaxUserPassword>{Secret}</FaxUserPassword></Receipts>", "Contoso-Fax/Receipts/FaxUserPassword")]
    public void Find_EverySecretKind_IsClearText(string pass, string component, string body, string location)
    {
        var secret = Assert.Single(AnswerFilePasswords.Find(File(pass, component, body)));

        Assert.Equal(location, secret.Location);
        Assert.Equal(pass, secret.Pass);
        Assert.Equal(PasswordStorage.ClearText, secret.Storage);
        Assert.Equal(Secret, secret.ValueElement.Value);
    }

    [Fact]
    public void Find_DomainJoinPassword_CannotBeObfuscated_EvenWithPlainTextFalse()
    {
        // "You can hide only local account passwords in an answer file. Domain passwords … may still be available as clear text."
        var file = File("specialize", "Microsoft-Windows-UnattendedJoin",
            "<Identification><Credentials><Password><Value>SABlAGwAbABvAFAAYQBzAHMAdwBvAHIAZAA=</Value><PlainText>false</PlainText></Password></Credentials></Identification>");

        var secret = Assert.Single(AnswerFilePasswords.Find(file));

        Assert.False(secret.Kind.CanBeObfuscated);
        Assert.True(secret.Kind.IsDomainSecret);
        Assert.Equal(PasswordStorage.ClearText, secret.Storage);
    }

    [Fact]
    public void Find_ProductKeyAndDomainAccounts_AreNotPasswords()
    {
        var file = File("oobeSystem", "Microsoft-Windows-Shell-Setup",
            "<ProductKey>XXXXX-XXXXX-XXXXX-XXXXX-XXXXX</ProductKey><UserAccounts><DomainAccounts><DomainAccountList><Domain>corp</Domain>" +
            "<DomainAccount><Name>admins</Name><Group>Administrators</Group></DomainAccount></DomainAccountList></DomainAccounts></UserAccounts>");

        Assert.Empty(AnswerFilePasswords.Find(file));
    }

    [Theory]
    [InlineData("UABhAHMAcwB3AG8AcgBkADEAMgAzADQANgBQAGEAcwBzAHcAbwByAGQA", "false", PasswordStorage.Obfuscated)] // Microsoft's example
    [InlineData("cGFzc3dvcmQxMjM=", "false", PasswordStorage.Undecodable)] // Base64 of UTF-8
    [InlineData("*SENSITIVE*DATA*DELETED*", "true", PasswordStorage.Scrubbed)]
    [InlineData("secret", null, PasswordStorage.ClearText)]
    [InlineData("  ", null, PasswordStorage.Empty)]
    public void Classify_LocalAccountPassword(string value, string? plainText, PasswordStorage expected)
    {
        var kind = AnswerFilePasswords.Known.Single(k => k.Path == "UserAccounts/LocalAccounts/LocalAccount/Password");

        Assert.Equal(expected, AnswerFilePasswords.Classify(value, kind, plainText));
    }

    [Fact]
    public void Classify_OfflineAdministratorPassword_UsesItsOwnSuffix()
    {
        var kind = AnswerFilePasswords.Known.Single(k => k.Path == "OfflineUserAccounts/OfflineAdministratorPassword");
        var good = Convert.ToBase64String(Encoding.Unicode.GetBytes("Pw0rd!OfflineAdministratorPassword"));
        var wrong = Convert.ToBase64String(Encoding.Unicode.GetBytes("Pw0rd!Password"));

        Assert.Equal(PasswordStorage.Obfuscated, AnswerFilePasswords.Classify(good, kind, "false"));
        Assert.Equal(PasswordStorage.Undecodable, AnswerFilePasswords.Classify(wrong, kind, "false"));
    }

    [Fact]
    public void Scrub_MachinePasswordAndJoinCredentials_ReplacedKeepingTheRest()
    {
        var file = File("specialize", "Microsoft-Windows-UnattendedJoin",
            $"<Identification><Credentials><Domain>corp</Domain><Password>{Secret}</Password><Username>joiner</Username></Credentials><MachinePassword>{Secret}2</MachinePassword></Identification>");

        var scrubbed = AnswerFileScrubber.Scrub(file.ToBytes());
        var text = Encoding.UTF8.GetString(scrubbed.Bytes);

        Assert.Equal(2, scrubbed.Scrubbed);
        Assert.DoesNotContain(Secret, text, StringComparison.Ordinal);
        Assert.Contains("<Username>joiner</Username>", text, StringComparison.Ordinal);
        Assert.All(AnswerFilePasswords.Find(AnswerFileReader.Read(scrubbed.Bytes)), s => Assert.Equal(PasswordStorage.Scrubbed, s.Storage));
    }

    [Fact]
    public void Locations_FollowMicrosoftsSearchOrder_AndMarkWhatBeatsTheSysprepFolder()
    {
        var places = AnswerFileLocations.All;
        var orders = places.Where(p => p.SearchOrder is not null).Select(p => p.SearchOrder!.Value).ToList();

        Assert.Equal(orders.Order(), orders);
        Assert.Contains(places, p => p.WindowsPath == @"%WINDIR%\Panther\Unattend.xml" && p.Kind == AnswerFilePlaceKind.SetupCache && p.WinsOverSysprepFolder);
        Assert.Contains(places, p => p.WindowsPath == @"%WINDIR%\Panther\Unattend\Unattend.xml" && p.WinsOverSysprepFolder);
        Assert.Contains(places, p => p.WindowsPath == @"%WINDIR%\System32\Sysprep\Unattend.xml" && !p.WinsOverSysprepFolder);
        Assert.Contains(places, p => p.WindowsPath.Contains("$Windows.~BT", StringComparison.Ordinal));
        Assert.Contains(places, p => p.WindowsPath == @"%SystemDrive%\Unattend.xml");
        Assert.Equal(places.Count, places.Select(p => p.WindowsPath.ToUpperInvariant()).Distinct().Count());
    }
}
