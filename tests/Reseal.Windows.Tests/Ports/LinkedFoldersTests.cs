using Reseal.TestSupport;
using Reseal.Windows.Ports;

namespace Reseal.Windows.Tests.Ports;

/// <summary>A privileged write into a user's folder must not follow a link the user planted (real symbolic links here).</summary>
public sealed class LinkedFoldersTests
{
    [Fact]
    public void FindLinkedFolder_PlainFolders_None()
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(dir.File("eve/.ssh"));

        Assert.Null(LinkedFolders.FindLinkedFolder(dir.File("eve/.ssh/authorized_keys")));
        Assert.Null(LinkedFolders.FindLinkedFolder(dir.File("eve/not-yet/authorized_keys")));
    }

    [Fact]
    public void ThrowIfLinked_SshFolderIsALinkToAnotherUsers_RefusedNamingTheLinkAndNothingWritten()
    {
        using var dir = new TempDirectory();
        var victim = Directory.CreateDirectory(dir.File("alice/.ssh")).FullName;
        File.WriteAllText(Path.Combine(victim, "authorized_keys"), "ssh-ed25519 AAAA alice\n");
        Directory.CreateDirectory(dir.File("eve"));
        Directory.CreateSymbolicLink(dir.File("eve/.ssh"), victim);

        var error = Assert.Throws<IOException>(() => LinkedFolders.ThrowIfLinked(dir.File("eve/.ssh/authorized_keys")));

        Assert.Contains(dir.File("eve/.ssh"), error.Message, StringComparison.Ordinal);
        Assert.Contains(victim, error.Message, StringComparison.Ordinal);
        Assert.Equal("ssh-ed25519 AAAA alice\n", File.ReadAllText(Path.Combine(victim, "authorized_keys")));
    }

    [Fact]
    public void FindLinkedFolder_LinkHigherUp_AllowedAsAnAdministratorsRelocation()
    {
        // C:\Users\eve itself cannot be replaced by eve (Users may not create entries in C:\Users); an administrator may
        // have moved a profile to another volume with a junction, which must keep working.
        using var dir = new TempDirectory();
        var real = Directory.CreateDirectory(dir.File("elsewhere/.ssh")).FullName;
        Directory.CreateSymbolicLink(dir.File("profile"), Path.GetDirectoryName(real)!);

        Assert.Null(LinkedFolders.FindLinkedFolder(dir.File("profile/.ssh/authorized_keys")));
    }

    [Fact]
    public void IsLink_KeysFileIsALinkToAnotherFile_True()
    {
        using var dir = new TempDirectory();
        var secret = dir.Write("secret", "not yours");
        File.CreateSymbolicLink(dir.File("authorized_keys"), secret);

        Assert.True(LinkedFolders.IsLink(dir.File("authorized_keys")));
        Assert.False(LinkedFolders.IsLink(secret));
        Assert.False(LinkedFolders.IsLink(dir.File("missing")));
    }
}
