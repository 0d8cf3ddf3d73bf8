using Reseal.Agent.Boot.Tasks;
using Reseal.Cloud.Passwords;
using Reseal.TestSupport;
using Reseal.Windows.Ports;

namespace Reseal.Agent.Tests.Boot.Tasks;

/// <summary>
/// What specialize runs (reseal internal scramble-password / enable-administrator) on machines whose built-in
/// administrator is not called "Administrator": the account is found by RID 500, never by name.
/// </summary>
public sealed class AdministratorScrambleTests
{
    [Theory]
    [InlineData("Administrateur", "Administrateurs")] // French
    [InlineData("Administrador", "Administradores")] // Spanish
    [InlineData("Администратор", "Администраторы")] // Russian
    [InlineData("LocalBoss", "Administrators")] // renamed
    public void Scramble_LocalizedOrRenamedAdministrator_ScramblesRid500AndEnablesIt(string adminName, string groupName)
    {
        var machine = new FakeWindows(adminName, groupName);
        machine.Accounts.SetEnabled(adminName, false);
        var disabledWhenSet = (bool?)null;
        machine.Accounts.BeforeSetPassword = (name, _) => disabledWhenSet = machine.Accounts.FindAccount(name)!.Disabled;

        var result = AdministratorScramble.Scramble(machine, null, PasswordPolicy.Create(32), enable: true);

        Assert.True(result.Succeeded, result.Message);
        Assert.Equal(adminName, result.AccountName);
        Assert.Equal(32, machine.Accounts.PasswordOf(500)!.Length);
        Assert.True(disabledWhenSet); // the password was changed before the account was enabled
        Assert.False(machine.Accounts.FindByRid(500)!.Disabled);
        Assert.DoesNotContain(machine.Accounts.PasswordOf(500)!, result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Scramble_ByTheEnglishName_OnAFrenchWindows_FailsLoudly()
    {
        // What the answer files did before: "--user Administrator". It must fail, never pretend.
        var machine = new FakeWindows("Administrateur", "Administrateurs");

        var result = AdministratorScramble.Scramble(machine, "Administrator", PasswordPolicy.Create(32), enable: false);

        Assert.False(result.Succeeded);
        Assert.Contains("no local account named 'Administrator'", result.Message, StringComparison.Ordinal);
        Assert.Null(machine.Accounts.PasswordOf(500));
    }

    [Fact]
    public void Scramble_DomainController_RefusedAndNothingChanged()
    {
        var machine = new FakeWindows();
        machine.Accounts.SetEnabled("Administrator", false);
        machine.System.Version = machine.System.Version with { ProductType = 2 };

        var scrambled = AdministratorScramble.Scramble(machine, null, PasswordPolicy.Create(32), enable: true);
        var enabled = AdministratorScramble.Enable(machine);

        Assert.False(scrambled.Succeeded);
        Assert.Contains("domain controller", scrambled.Message, StringComparison.Ordinal);
        Assert.Contains("Active Directory", scrambled.Message, StringComparison.Ordinal);
        Assert.Null(machine.Accounts.PasswordOf(500));
        Assert.Equal(0, machine.Accounts.PasswordSets);
        Assert.False(enabled.Succeeded);
        Assert.True(machine.Accounts.FindByRid(500)!.Disabled);
    }

    [Fact]
    public void Enable_RenamedAdministrator_EnabledByRid_PasswordUntouched()
    {
        var machine = new FakeWindows("Admin-Gold", "Administrators");
        machine.Accounts.SetEnabled("Admin-Gold", false);

        var result = AdministratorScramble.Enable(machine);

        Assert.True(result.Succeeded, result.Message);
        Assert.False(machine.Accounts.FindByRid(500)!.Disabled);
        Assert.Equal(0, machine.Accounts.PasswordSets);
    }

    [Fact]
    public void Scramble_NoRid500Account_FailsAndSaysSo()
    {
        var machine = new FakeWindows();
        var accounts = new FakeAccounts();
        accounts.Add(new LocalAccount { Name = "Guest", Rid = 501, Flags = 0x11 });
        var bare = new FakeMachineWithAccounts(machine, accounts);

        var result = AdministratorScramble.Scramble(bare, null, PasswordPolicy.Create(32), enable: true);

        Assert.False(result.Succeeded);
        Assert.Contains("RID 500", result.Message, StringComparison.Ordinal);
        Assert.Equal(0, accounts.PasswordSets);
    }

    private sealed class FakeMachineWithAccounts(FakeWindows machine, ILocalAccounts accounts) : IWindowsMachine
    {
        public string Description => machine.Description;

        public IRegistry Registry => machine.Registry;

        public IWindowsFiles Files => machine.Files;

        public IProcessRunner Processes => machine.Processes;

        public ILocalAccounts Accounts => accounts;

        public IServices Services => machine.Services;

        public IVolumes Volumes => machine.Volumes;

        public ISerialConsole SerialConsole => machine.SerialConsole;

        public IPower Power => machine.Power;

        public ISystemInfo System => machine.System;

        public IOfflineTree? OfflineTree => machine.OfflineTree;

        public IMachineCertificates Certificates => machine.Certificates;
        public IDesktop Desktop => machine.Desktop;
    }

    [Fact]
    public void LocalGroupParse_EnglishBuiltInNames_BecomeTheirSids()
    {
        Assert.Equal("S-1-5-32-544", LocalGroup.Parse("administrators").ToString());
        Assert.Equal("S-1-5-32-544", LocalGroup.Parse(@"BUILTIN\Administrators").ToString());
        Assert.Equal("S-1-5-32-555", LocalGroup.Parse("Remote Desktop Users").ToString());
        Assert.Equal("S-1-5-32-580", LocalGroup.Parse("S-1-5-32-580").ToString());
        Assert.Equal("docker-users", LocalGroup.Parse("docker-users").ToString());
        Assert.True(LocalGroup.Parse("Administrators").IsAdministrators);
    }
}
