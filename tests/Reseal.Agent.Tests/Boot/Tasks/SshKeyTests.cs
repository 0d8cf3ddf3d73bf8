using System.ComponentModel;
using Reseal.Agent.Boot.Runner;
using Reseal.Agent.Boot.Tasks;
using Reseal.Agent.Boot.UserData;
using Reseal.TestSupport;
using Reseal.Windows.Ports;

namespace Reseal.Agent.Tests.Boot.Tasks;

/// <summary>
/// cloud-config <c>users</c> with <c>ssh_authorized_keys</c> (issue 12 item 8): administrators' keys in a file only SYSTEM
/// and Administrators can reach; a user's keys inside the profile Windows will load, created before they are written.
/// </summary>
public sealed class SshKeyTests
{
    private const string AdminKeys = @"C:\ProgramData\ssh\administrators_authorized_keys";
    private readonly FakeWindows _machine = new();

    private BootTaskContext Context() => new() { Machine = _machine };

    private static UserItem User(string name, string[] groups, params string[] keys) => new(name, groups, keys, null, null, "cloud-config");

    private string SidOf(string name) => FakeAccounts.MachineSid.WithRid(_machine.Accounts.FindAccount(name)!.Rid).ToString();

    [Fact]
    public async Task CreateUser_Administrator_KeysFileHasAdministratorsAndSystemOnly()
    {
        var result = await SystemTasks.CreateUserAsync(User("deploy", ["Administrators"], "ssh-ed25519 AAAAC3Nza deploy@ci"), Context(), CancellationToken.None);

        Assert.Equal(ExitAction.Completed, result.Action);
        Assert.Equal("ssh-ed25519 AAAAC3Nza deploy@ci\n", _machine.Files.ReadText(AdminKeys));
        var access = _machine.Files.AccessOf(AdminKeys);
        Assert.NotNull(access); // written with its own list, never the folder's (ProgramData lets Users read)
        Assert.Equal("S-1-5-32-544", access.Owner);
        Assert.True(access.Protected);
        Assert.Equal(["S-1-5-18", "S-1-5-32-544"], access.FullControl);
        Assert.Contains("SYSTEM and Administrators only", result.Message, StringComparison.Ordinal);
    }

    private static readonly FileAccessList AdministratorsOnly = new("S-1-5-32-544", Protected: true, ["S-1-5-18", "S-1-5-32-544"]);

    [Fact]
    public async Task CreateUser_ExistingProtectedAdministratorsKeys_KeptNoDuplicates()
    {
        // Left by an image builder with the access list sshd demands, no final newline.
        _machine.Files.WriteText(AdminKeys, "# ops\nssh-rsa AAAAB3old ops@old");
        _machine.Files.SetAccess(AdminKeys, AdministratorsOnly);

        var first = await SystemTasks.CreateUserAsync(User("deploy", ["Administrators"], "ssh-rsa AAAAB3old ops@old", "ssh-ed25519 AAAAnew a@b", " ssh-ed25519 AAAAnew a@b "),
            Context(), CancellationToken.None);
        var second = await SystemTasks.CreateUserAsync(User("deploy", ["Administrators"], "ssh-ed25519 AAAAnew a@b"), Context(), CancellationToken.None);

        Assert.Equal(ExitAction.Completed, first.Action);
        Assert.Equal("# ops\nssh-rsa AAAAB3old ops@old\nssh-ed25519 AAAAnew a@b\n", _machine.Files.ReadText(AdminKeys));
        Assert.Contains("1 SSH key(s) added", first.Message, StringComparison.Ordinal);
        Assert.Contains("0 SSH key(s) added", second.Message, StringComparison.Ordinal);
        Assert.Equal(["S-1-5-18", "S-1-5-32-544"], _machine.Files.AccessOf(AdminKeys)!.FullControl);
    }

    public static TheoryData<string> UntrustedAccess => ["inherited", "user-owned", "user-can-write"];

    [Theory]
    [MemberData(nameof(UntrustedAccess))]
    public async Task CreateUser_PlantedAdministratorsKeys_LinesNotKeptFileReplacedProtected(string how)
    {
        // A user created the file before sshd existed (ProgramData lets Users create files): its key must never become an
        // administrator's key by being carried into the protected file.
        _machine.Files.WriteText(AdminKeys, "ssh-rsa AAAAB3planted mallory@desk\n");
        var mallory = "S-1-5-21-1-2-3-1009";
        switch (how)
        {
            case "user-owned":
                _machine.Files.SetAccess(AdminKeys, new FileAccessList(mallory, Protected: true, ["S-1-5-18", "S-1-5-32-544", mallory]));
                break;
            case "user-can-write":
                _machine.Files.SetAccess(AdminKeys, new FileAccessList("S-1-5-32-544", Protected: true, ["S-1-5-18", "S-1-5-32-544", mallory]));
                break;
        }

        var result = await SystemTasks.CreateUserAsync(User("deploy", ["Administrators"], "ssh-ed25519 AAAAnew a@b"), Context(), CancellationToken.None);

        Assert.Equal(ExitAction.Completed, result.Action);
        Assert.Equal("ssh-ed25519 AAAAnew a@b\n", _machine.Files.ReadText(AdminKeys));
        Assert.Contains("its lines were not kept", result.Message, StringComparison.Ordinal);
        var access = _machine.Files.AccessOf(AdminKeys)!;
        Assert.Equal("S-1-5-32-544", access.Owner);
        Assert.True(access.Protected);
        Assert.Equal(["S-1-5-18", "S-1-5-32-544"], access.FullControl);
    }

    [Fact]
    public async Task CreateUser_NoSshFolderYet_FolderMadeAdministratorsOnlyFirst()
    {
        await SystemTasks.CreateUserAsync(User("deploy", ["Administrators"], "ssh-ed25519 AAAA a@b"), Context(), CancellationToken.None);

        Assert.Equal([@"C:\ProgramData\ssh"], _machine.Files.Restricted);

        // sshd's own folder, once it exists, is left as sshd made it.
        var other = new FakeWindows();
        other.Files.CreateDirectory(@"C:\ProgramData\ssh");
        await SystemTasks.CreateUserAsync(User("deploy", ["Administrators"], "ssh-ed25519 AAAA a@b"), new BootTaskContext { Machine = other }, CancellationToken.None);
        Assert.Empty(other.Files.Restricted);
    }

    [Fact]
    public async Task CreateUser_StandardUser_ProfileCreatedBeforeKeys_FirstLogonFindsThem()
    {
        var result = await SystemTasks.CreateUserAsync(User("bob", ["Remote Desktop Users"], "ssh-ed25519 AAAAbob bob@laptop"), Context(), CancellationToken.None);

        Assert.Equal(ExitAction.Completed, result.Action);
        var profile = Assert.Single(_machine.Accounts.ListProfiles());
        Assert.Equal(SidOf("bob"), profile.Sid);
        Assert.Equal(@"C:\Users\bob", profile.ProfileImagePath);
        Assert.Contains(@"profile created at C:\Users\bob", result.Message, StringComparison.Ordinal);

        // bob logs on for the first time: Windows loads the profile it has, and the keys are in it. Keys written into a
        // guessed C:\Users\bob before the profile existed would make Windows create C:\Users\bob.WIN-FAKE0001 here instead.
        var logon = _machine.Accounts.EnsureProfile("bob");
        Assert.False(logon.Created);
        var keys = logon.Path + @"\.ssh\authorized_keys";
        Assert.Equal("ssh-ed25519 AAAAbob bob@laptop\n", _machine.Files.ReadText(keys));
        var access = _machine.Files.AccessOf(keys);
        Assert.NotNull(access);
        Assert.True(access.Protected);
        Assert.Equal(["S-1-5-18", "S-1-5-32-544", SidOf("bob")], access.FullControl);
        Assert.False(_machine.Files.FileExists(AdminKeys));
    }

    [Fact]
    public async Task CreateUser_StandardUserWithProfileElsewhere_KeysGoWhereProfileListSays()
    {
        // An existing account whose profile is not C:\Users\bob: a taken name gave bob.WIN-FAKE0001, or it was moved.
        _machine.Accounts.Create("bob", "Unused-Passw0rd!");
        _machine.Files.CreateDirectory(@"C:\Users\bob");
        _machine.Accounts.AddProfile("bob", @"D:\Profiles\bob.WIN-FAKE0001");

        var result = await SystemTasks.CreateUserAsync(User("bob", [], "ssh-ed25519 AAAAbob bob@laptop"), Context(), CancellationToken.None);

        Assert.Equal(ExitAction.Completed, result.Action);
        Assert.True(_machine.Files.FileExists(@"D:\Profiles\bob.WIN-FAKE0001\.ssh\authorized_keys"));
        Assert.False(_machine.Files.FileExists(@"C:\Users\bob\.ssh\authorized_keys"));
        Assert.Equal(0, _machine.Accounts.ProfilesCreated);
    }

    [Fact]
    public async Task CreateUser_ProfileCannotBeCreated_FailsClearlyAndWritesNoKeys()
    {
        _machine.Accounts.BeforeCreateProfile = name => throw new Win32Exception(5, $"CreateProfile({name}) failed with 0x80070005: Access is denied.");

        var result = await SystemTasks.CreateUserAsync(User("bob", [], "ssh-ed25519 AAAAbob bob@laptop"), Context(), CancellationToken.None);

        Assert.Equal(ExitAction.Failed, result.Action);
        Assert.Contains("could not install the SSH keys of bob", result.Message, StringComparison.Ordinal);
        Assert.Contains("Access is denied", result.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(_machine.Files.AllFiles, f => f.EndsWith("authorized_keys", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task CreateUser_KeySpanningLines_SkippedNothingInjected()
    {
        var result = await SystemTasks.CreateUserAsync(User("deploy", ["Administrators"], "ssh-ed25519 AAAAgood a@b", "ssh-ed25519 AAAAx a@b\ncommand=\"calc\" ssh-rsa AAAAevil"),
            Context(), CancellationToken.None);

        Assert.Equal(ExitAction.Completed, result.Action);
        Assert.Contains("SSH key 2 skipped", result.Message, StringComparison.Ordinal);
        Assert.Equal("ssh-ed25519 AAAAgood a@b\n", _machine.Files.ReadText(AdminKeys));
    }

    [Fact]
    public async Task CreateUser_OversizedExistingKeysFile_FailsClearlyFileUntouched()
    {
        var huge = new byte[SshAuthorizedKeys.MaxFileBytes + 1];
        _machine.Files.WriteAllBytes(AdminKeys, huge);
        _machine.Files.SetAccess(AdminKeys, AdministratorsOnly);

        var result = await SystemTasks.CreateUserAsync(User("deploy", ["Administrators"], "ssh-ed25519 AAAA a@b"), Context(), CancellationToken.None);

        Assert.Equal(ExitAction.Failed, result.Action);
        Assert.Contains("administrators_authorized_keys", result.Message, StringComparison.Ordinal);
        Assert.Contains("more than", result.Message, StringComparison.Ordinal);
        Assert.Equal(huge.Length, _machine.Files.GetFileLength(AdminKeys));
    }

    [Fact]
    public async Task CreateUser_OfflineTree_RefusedNotWrittenWithoutAccessList()
    {
        // A machine whose files cannot carry access lists (as an offline tree): the keys are not written at all.
        var offline = new FakeWindowsWithoutAcls(_machine);

        var result = await SystemTasks.CreateUserAsync(User("deploy", ["Administrators"], "ssh-ed25519 AAAA a@b"), new BootTaskContext { Machine = offline }, CancellationToken.None);

        Assert.Equal(ExitAction.Failed, result.Action);
        Assert.Contains("access list", result.Message, StringComparison.Ordinal);
        Assert.False(_machine.Files.FileExists(AdminKeys));
    }

    [Fact]
    public async Task CreateUser_SshKeygenKey_WrittenFileIsReadByOpenSsh()
    {
        var publicKey = File.ReadAllText(KeyFiles.SshKeygen("ed25519", 0) + ".pub").Trim();
        var tool = ExternalTool.Require("ssh-keygen", "openssh-client");

        var result = await SystemTasks.CreateUserAsync(User("bob", [], publicKey), Context(), CancellationToken.None);

        Assert.Equal(ExitAction.Completed, result.Action);
        var written = Path.Combine(Path.GetTempPath(), "reseal-authorized-keys-" + Guid.NewGuid().ToString("N"));
        try
        {
            File.WriteAllBytes(written, _machine.Files.ReadAllBytes(@"C:\Users\bob\.ssh\authorized_keys"));
            var fingerprint = ExternalTool.Run(tool, ["-l", "-f", written]);
            var expected = ExternalTool.Run(tool, ["-l", "-f", KeyFiles.SshKeygen("ed25519", 0) + ".pub"]);
            Assert.Equal(0, fingerprint.ExitCode);
            Assert.Equal(expected.StandardOutput.Trim(), fingerprint.StandardOutput.Trim());
        }
        finally
        {
            File.Delete(written);
        }
    }

    private sealed class FakeWindowsWithoutAcls(FakeWindows machine) : IWindowsMachine
    {
        private readonly NoAclFiles _files = new(machine.Files);

        public string Description => "a machine whose files carry no access lists";

        public IRegistry Registry => machine.Registry;

        public IWindowsFiles Files => _files;

        public IProcessRunner Processes => machine.Processes;

        public ILocalAccounts Accounts => ((IWindowsMachine)machine).Accounts;

        public IServices Services => machine.Services;

        public IVolumes Volumes => machine.Volumes;

        public ISerialConsole SerialConsole => machine.SerialConsole;

        public IPower Power => machine.Power;

        public ISystemInfo System => machine.System;

        public IOfflineTree? OfflineTree => machine.OfflineTree;

        public IMachineCertificates Certificates => machine.Certificates;
        public IDesktop Desktop => machine.Desktop;
    }

    private sealed class NoAclFiles(FakeFiles inner) : IWindowsFiles
    {
        public string Expand(string windowsPath) => inner.Expand(windowsPath);

        public bool FileExists(string windowsPath) => inner.FileExists(windowsPath);

        public bool DirectoryExists(string windowsPath) => inner.DirectoryExists(windowsPath);

        public long? GetFileLength(string windowsPath) => inner.GetFileLength(windowsPath);

        public byte[] ReadAllBytes(string windowsPath) => inner.ReadAllBytes(windowsPath);

        public Stream OpenRead(string windowsPath) => inner.OpenRead(windowsPath);

        public void WriteAllBytes(string windowsPath, ReadOnlySpan<byte> contents) => inner.WriteAllBytes(windowsPath, contents);

        public bool DeleteFile(string windowsPath) => inner.DeleteFile(windowsPath);

        public void CreateDirectory(string windowsPath) => inner.CreateDirectory(windowsPath);

        public bool DeleteDirectory(string windowsPath) => inner.DeleteDirectory(windowsPath);

        public IReadOnlyList<string> ListFiles(string windowsDirectory) => inner.ListFiles(windowsDirectory);

        public IReadOnlyList<string> ListDirectories(string windowsDirectory) => inner.ListDirectories(windowsDirectory);

        public bool RestrictToAdministrators(string windowsDirectory) => false;

        public void WriteProtectedFile(string windowsPath, ReadOnlySpan<byte> contents, WindowsSid? alsoFullControl) =>
            throw new PlatformNotSupportedException($"writing {windowsPath} with its access list needs a running Windows");

        public bool IsProtectedFile(string windowsPath, WindowsSid? alsoAllowed) =>
            throw new PlatformNotSupportedException($"reading the access list of {windowsPath} needs a running Windows");
    }
}
