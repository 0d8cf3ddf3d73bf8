using Reseal.TestSupport;
using Reseal.Windows.Live;

namespace Reseal.Windows.Tests.Live;

/// <summary>
/// The walk that locks <c>%ProgramData%\Reseal</c> down (issue 12 item 5), run over real folders and real symbolic links;
/// the access lists themselves are Windows-only (AdministratorsOnlyFolder), so the actions are recorded here.
/// </summary>
public sealed class FolderLockdownTests
{
    private sealed class Recorder : IFolderSecurity
    {
        public List<string> Calls { get; } = [];

        public Action<string>? OnCreate { get; init; }

        public void CreateSecured(string path)
        {
            Calls.Add("create " + path);
            _ = Directory.CreateDirectory(path);
            OnCreate?.Invoke(path);
        }

        public void SecureFolder(DirectoryInfo folder) => Calls.Add("secure " + folder.FullName);

        public void SetOwner(FileSystemInfo entry) => Calls.Add("owner " + entry.FullName);

        public void ResetToInherited(FileSystemInfo entry) => Calls.Add("inherit " + entry.FullName);
    }

    [Fact]
    public void Apply_PlantedFilesAndLinks_EveryRealEntryResetOwnerFirst_LinksDeletedNeverFollowed()
    {
        using var dir = new TempDirectory();
        var outside = Directory.CreateDirectory(dir.File("System32")).FullName;
        File.WriteAllText(Path.Combine(outside, "kernel32.dll"), "system file");
        var root = Directory.CreateDirectory(dir.File("ProgramData/Reseal")).FullName;
        Directory.CreateDirectory(Path.Combine(root, "config"));
        File.WriteAllText(Path.Combine(root, "config", "agent-config.yml"), "planted by a user\n");
        Directory.CreateDirectory(Path.Combine(root, "state", "deep"));
        File.WriteAllText(Path.Combine(root, "state", "deep", "x.json"), "{}");
        Directory.CreateSymbolicLink(Path.Combine(root, "log"), outside);                                   // a junction to System32
        File.CreateSymbolicLink(Path.Combine(root, "config", "hook.cmd"), Path.Combine(outside, "kernel32.dll")); // a file link
        File.CreateSymbolicLink(Path.Combine(root, "dangling"), Path.Combine(dir.Path, "nothing-here"));
        var recorder = new Recorder();

        var (reset, links) = FolderLockdown.Apply(root, recorder);

        Assert.Equal(3, links);
        Assert.False(Path.Exists(Path.Combine(root, "log")));
        Assert.False(Path.Exists(Path.Combine(root, "config", "hook.cmd")));
        Assert.Equal(["config", "state"], Directory.GetFileSystemEntries(root).Select(Path.GetFileName).Order(StringComparer.Ordinal)); // the dangling link too
        Assert.Equal("system file", File.ReadAllText(Path.Combine(outside, "kernel32.dll"))); // the link's target is untouched
        string[] real = [Path.Combine(root, "config"), Path.Combine(root, "config", "agent-config.yml"), Path.Combine(root, "state"),
            Path.Combine(root, "state", "deep"), Path.Combine(root, "state", "deep", "x.json")];
        Assert.Equal(real.Length, reset);
        Assert.Equal("secure " + root, recorder.Calls[0]);
        foreach (var path in real)
        {
            var owner = recorder.Calls.IndexOf("owner " + path);
            Assert.True(owner > 0, $"{path} was not given the owner");
            Assert.Equal(owner + 1, recorder.Calls.IndexOf("inherit " + path)); // owner before the access list
        }

        Assert.DoesNotContain(recorder.Calls, c => c.Contains(outside, StringComparison.Ordinal));
        Assert.Equal("planted by a user\n", File.ReadAllText(Path.Combine(root, "config", "agent-config.yml"))); // content kept, only its owner and access change
    }

    [Fact]
    public void Apply_FolderItselfIsALink_ReplacedByARealSecuredFolder_TargetUntouched()
    {
        using var dir = new TempDirectory();
        var target = Directory.CreateDirectory(dir.File("elsewhere")).FullName;
        File.WriteAllText(Path.Combine(target, "keep.txt"), "not ours");
        Directory.CreateDirectory(dir.File("ProgramData"));
        var root = dir.File("ProgramData/Reseal");
        Directory.CreateSymbolicLink(root, target);
        var recorder = new Recorder();

        var (reset, links) = FolderLockdown.Apply(root, recorder);

        Assert.Equal((0, 1), (reset, links));
        Assert.Null(new DirectoryInfo(root).LinkTarget);
        Assert.True(Directory.Exists(root));
        Assert.Equal(["create " + root, "secure " + root], recorder.Calls);
        Assert.Equal("not ours", File.ReadAllText(Path.Combine(target, "keep.txt")));
    }

    [Fact]
    public void Apply_FolderIsADanglingLink_TheLinkGoesAndARealFolderIsCreated()
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(dir.File("ProgramData"));
        var root = dir.File("ProgramData/Reseal");
        File.CreateSymbolicLink(root, dir.File("gone"));
        var recorder = new Recorder();

        var (_, links) = FolderLockdown.Apply(root, recorder);

        Assert.Equal(1, links);
        Assert.True(Directory.Exists(root));
        Assert.Null(new DirectoryInfo(root).LinkTarget);
        Assert.False(Path.Exists(dir.File("gone")));
    }

    [Fact]
    public void Apply_FolderBecomesALinkWhileCreated_RefusedAndNothingInsideSecured()
    {
        using var dir = new TempDirectory();
        var target = Directory.CreateDirectory(dir.File("elsewhere")).FullName;
        var root = dir.File("ProgramData/Reseal");
        // The race: between the check and the creation a user puts a link where the folder goes.
        var recorder = new Recorder
        {
            OnCreate = path =>
            {
                Directory.Delete(path);
                Directory.CreateSymbolicLink(path, target);
            },
        };

        var error = Assert.Throws<IOException>(() => FolderLockdown.Apply(root, recorder));

        Assert.Contains("became a link", error.Message, StringComparison.Ordinal);
        Assert.Equal(["create " + root], recorder.Calls);
    }
}
