using System.Globalization;
using Reseal.Windows.Ports;
using Xunit;

namespace Reseal.TestSupport.MachineContract;

/// <summary>
/// What every <see cref="IWindowsMachine"/> promises through its shared ports, as scenarios that throw (xunit's
/// <see cref="Assert"/>) when a machine breaks the promise. Run in-process against the in-memory machine and an offline
/// tree (tests/Reseal.Windows.Tests/Contract), and inside Wine against LiveWindows by tests/Reseal.MachineProbe
/// (tests/Reseal.Wine.Tests/Contract): one list, so the three cannot drift apart. Each scenario works below keys and
/// folders of its own (<c>Reseal Contract\…</c>, <c>C:\Reseal Contract\…</c>) and puts back the shared values it changes.
/// What is deliberately not part of the contract is said where it differs: the order of <see cref="IRegistry.GetValues"/>
/// and <see cref="IRegistry.GetSubkeyNames"/> (the registry keeps insertion order, the in-memory machine sorts), and the
/// spelling of an expanded path (Wine's <c>%SystemRoot%</c> is <c>C:\windows</c>): both compare case-insensitively.
/// </summary>
public static class MachineContract
{
    /// <summary>The scenarios by name (the names of the facts in <c>MachineContractTests</c>).</summary>
    public static IReadOnlyDictionary<string, Action<IWindowsMachine>> Scenarios { get; } = new Dictionary<string, Action<IWindowsMachine>>(StringComparer.Ordinal)
    {
        [nameof(Registry_ValuesOfEveryType_ReadBackAsWritten)] = Registry_ValuesOfEveryType_ReadBackAsWritten,
        [nameof(Registry_NamesInAnotherCase_FindTheSameKeyAndValue)] = Registry_NamesInAnotherCase_FindTheSameKeyAndValue,
        [nameof(Registry_ValuesAndSubkeys_ListedOnce)] = Registry_ValuesAndSubkeys_ListedOnce,
        [nameof(Registry_DeleteValue_TrueOnceThenFalse)] = Registry_DeleteValue_TrueOnceThenFalse,
        [nameof(Registry_DeleteKey_RemovesTheWholeTree)] = Registry_DeleteKey_RemovesTheWholeTree,
        [nameof(Registry_MissingKey_ReadsAsNothing)] = Registry_MissingKey_ReadsAsNothing,
        [nameof(Files_WriteThenOverwrite_ReadsTheLastBytesAndLeavesNoTemporary)] = Files_WriteThenOverwrite_ReadsTheLastBytesAndLeavesNoTemporary,
        [nameof(Files_PathInAnotherCase_FindsTheSameFile)] = Files_PathInAnotherCase_FindsTheSameFile,
        [nameof(Files_Directories_ListedDeletedOnlyWhenEmpty)] = Files_Directories_ListedDeletedOnlyWhenEmpty,
        [nameof(Files_MissingFile_NotFoundNullOrEmpty)] = Files_MissingFile_NotFoundNullOrEmpty,
        [nameof(Files_WellKnownVariables_ExpandToTheSystemDrive)] = Files_WellKnownVariables_ExpandToTheSystemDrive,
        [nameof(Services_UnknownName_IsNull)] = Services_UnknownName_IsNull,
        [nameof(Accounts_BuiltInAdministrator_FoundByRidAndByName)] = Accounts_BuiltInAdministrator_FoundByRidAndByName,
        [nameof(System_ImageStateValue_ReadThroughTheSystemPort)] = System_ImageStateValue_ReadThroughTheSystemPort,
        [nameof(System_PendingComputerName_ReadThroughTheSystemPort)] = System_PendingComputerName_ReadThroughTheSystemPort,
        [nameof(System_OsVersion_IsAWindowsNtVersion)] = System_OsVersion_IsAWindowsNtVersion,
        [nameof(Network_Interfaces_ListTheLoopbackOrRefuseOffline)] = Network_Interfaces_ListTheLoopbackOrRefuseOffline,
    };

    /// <summary>Runs one scenario by name.</summary>
    public static void Run(string scenario, IWindowsMachine machine)
    {
        ArgumentNullException.ThrowIfNull(machine);
        if (!Scenarios.TryGetValue(scenario, out var run))
        {
            throw new ArgumentException($"no machine contract scenario named '{scenario}'", nameof(scenario));
        }

        run(machine);
    }

    private const string KeyRoot = "Reseal Contract";
    private const string FolderRoot = @"C:\Reseal Contract";

    private static string NewKey() => KeyRoot + @"\" + Guid.NewGuid().ToString("N");

    private static string NewFolder() => FolderRoot + @"\" + Guid.NewGuid().ToString("N");

    public static void Registry_ValuesOfEveryType_ReadBackAsWritten(IWindowsMachine machine)
    {
        var registry = machine.Registry;
        var key = NewKey();
        var values = new Dictionary<string, RegistryData>
        {
            ["text"] = RegistryData.FromString("héllo wörld"),
            ["expand"] = RegistryData.FromString(@"%SystemRoot%\System32", expandable: true),
            ["empty"] = RegistryData.FromString(""),
            ["dword"] = RegistryData.FromDWord(0xFEDCBA98),
            ["qword"] = RegistryData.FromQWord(0x0123456789ABCDEF),
            ["multi"] = RegistryData.FromMultiString(["one", "two", "three"]),
            ["binary"] = RegistryData.FromBinary([0, 1, 2, 0xFF, 0]),
        };
        try
        {
            foreach (var (name, data) in values)
            {
                registry.SetValue(RegistryHive.Software, key, name, data);
            }

            Assert.True(registry.KeyExists(RegistryHive.Software, key), $"SetValue did not create {key}");
            foreach (var (name, data) in values)
            {
                var read = registry.GetValue(RegistryHive.Software, key, name);
                Assert.NotNull(read);
                Assert.Equal(data.Type, read.Type);
                Assert.Equal(data.Bytes.ToArray(), read.Bytes.ToArray());
            }

            Assert.Equal(0xFEDCBA98u, registry.GetValue(RegistryHive.Software, key, "dword")!.AsDWord());
            Assert.Equal(["one", "two", "three"], registry.GetValue(RegistryHive.Software, key, "multi")!.AsMultiString());
        }
        finally
        {
            registry.DeleteKey(RegistryHive.Software, key);
        }
    }

    public static void Registry_NamesInAnotherCase_FindTheSameKeyAndValue(IWindowsMachine machine)
    {
        var registry = machine.Registry;
        var key = NewKey() + @"\MixedCase";
        try
        {
            registry.SetValue(RegistryHive.Software, key, "ValueName", RegistryData.FromDWord(7));
            registry.SetValue(RegistryHive.Software, key.ToUpperInvariant(), "VALUENAME", RegistryData.FromDWord(8));

            Assert.True(registry.KeyExists(RegistryHive.Software, key.ToLowerInvariant()));
            Assert.Equal(8u, registry.GetValue(RegistryHive.Software, key.ToLowerInvariant(), "valuename")?.AsDWord());
            var only = Assert.Single(registry.GetValues(RegistryHive.Software, key));
            Assert.Equal("ValueName", only.Name, ignoreCase: true);
        }
        finally
        {
            registry.DeleteKey(RegistryHive.Software, key);
        }
    }

    public static void Registry_ValuesAndSubkeys_ListedOnce(IWindowsMachine machine)
    {
        var registry = machine.Registry;
        var key = NewKey();
        try
        {
            registry.SetValue(RegistryHive.Software, key, "b", RegistryData.FromString("2"));
            registry.SetValue(RegistryHive.Software, key, "a", RegistryData.FromString("1"));
            registry.CreateKey(RegistryHive.Software, key + @"\Second");
            registry.CreateKey(RegistryHive.Software, key + @"\First\Deeper");

            // Order is not part of the contract (the registry keeps insertion order, the in-memory machine sorts).
            Assert.Equal(["a", "b"], registry.GetValues(RegistryHive.Software, key).Select(v => v.Name).Order(StringComparer.OrdinalIgnoreCase));
            Assert.Equal(["1", "2"], registry.GetValues(RegistryHive.Software, key).OrderBy(v => v.Name, StringComparer.OrdinalIgnoreCase).Select(v => v.Data.AsText()));
            Assert.Equal(["First", "Second"], registry.GetSubkeyNames(RegistryHive.Software, key).Order(StringComparer.OrdinalIgnoreCase));
            Assert.Equal(["Deeper"], registry.GetSubkeyNames(RegistryHive.Software, key + @"\First"));
            Assert.Empty(registry.GetValues(RegistryHive.Software, key + @"\Second"));
        }
        finally
        {
            registry.DeleteKey(RegistryHive.Software, key);
        }
    }

    public static void Registry_DeleteValue_TrueOnceThenFalse(IWindowsMachine machine)
    {
        var registry = machine.Registry;
        var key = NewKey();
        try
        {
            registry.SetValue(RegistryHive.Software, key, "doomed", RegistryData.FromDWord(1));
            registry.SetValue(RegistryHive.Software, key, "kept", RegistryData.FromDWord(2));

            Assert.True(registry.DeleteValue(RegistryHive.Software, key, "DOOMED"));
            Assert.False(registry.DeleteValue(RegistryHive.Software, key, "doomed"));
            Assert.Null(registry.GetValue(RegistryHive.Software, key, "doomed"));
            Assert.Equal(2u, registry.GetValue(RegistryHive.Software, key, "kept")?.AsDWord());
            Assert.True(registry.KeyExists(RegistryHive.Software, key), "deleting a value must keep its key");
        }
        finally
        {
            registry.DeleteKey(RegistryHive.Software, key);
        }
    }

    public static void Registry_DeleteKey_RemovesTheWholeTree(IWindowsMachine machine)
    {
        var registry = machine.Registry;
        var key = NewKey();
        var sibling = key + "-sibling";
        try
        {
            registry.SetValue(RegistryHive.Software, key + @"\Child\Grandchild", "v", RegistryData.FromDWord(1));
            registry.CreateKey(RegistryHive.Software, sibling);

            Assert.True(registry.DeleteKey(RegistryHive.Software, key));
            Assert.False(registry.KeyExists(RegistryHive.Software, key));
            Assert.False(registry.KeyExists(RegistryHive.Software, key + @"\Child\Grandchild"));
            Assert.Null(registry.GetValue(RegistryHive.Software, key + @"\Child\Grandchild", "v"));
            Assert.True(registry.KeyExists(RegistryHive.Software, sibling), "a key whose name starts with the deleted one's must stay");
            Assert.False(registry.DeleteKey(RegistryHive.Software, key));
        }
        finally
        {
            registry.DeleteKey(RegistryHive.Software, key);
            registry.DeleteKey(RegistryHive.Software, sibling);
        }
    }

    public static void Registry_MissingKey_ReadsAsNothing(IWindowsMachine machine)
    {
        var registry = machine.Registry;
        var key = NewKey() + @"\Nowhere";

        Assert.False(registry.KeyExists(RegistryHive.Software, key));
        Assert.Null(registry.GetValue(RegistryHive.Software, key, "anything"));
        Assert.Empty(registry.GetValues(RegistryHive.Software, key));
        Assert.Empty(registry.GetSubkeyNames(RegistryHive.Software, key));
        Assert.False(registry.DeleteValue(RegistryHive.Software, key, "anything"));
        Assert.False(registry.DeleteKey(RegistryHive.Software, key));
        Assert.False(registry.KeyExists(RegistryHive.Software, key), "reading or deleting must not create the key");
    }

    public static void Files_WriteThenOverwrite_ReadsTheLastBytesAndLeavesNoTemporary(IWindowsMachine machine)
    {
        var files = machine.Files;
        var folder = NewFolder() + @"\not\yet\there";
        var path = folder + @"\data.bin";
        try
        {
            var first = Enumerable.Range(0, 70_000).Select(i => (byte)i).ToArray();
            files.WriteAllBytes(path, first);
            Assert.True(files.FileExists(path));
            Assert.Equal(first.Length, files.GetFileLength(path));
            Assert.Equal(first, files.ReadAllBytes(path));

            files.WriteAllBytes(path, "short"u8);
            Assert.Equal("short"u8.ToArray(), files.ReadAllBytes(path));
            Assert.Equal(5, files.GetFileLength(path));
            using (var stream = files.OpenRead(path))
            {
                Assert.True(stream.CanSeek);
                Assert.Equal(5, stream.Length);
            }

            // The replace is atomic: nothing but the file itself is left beside it.
            var listed = Assert.Single(files.ListFiles(folder));
            Assert.Equal(files.Expand(path), listed, ignoreCase: true);
        }
        finally
        {
            Clean(files);
        }
    }

    public static void Files_PathInAnotherCase_FindsTheSameFile(IWindowsMachine machine)
    {
        var files = machine.Files;
        var folder = NewFolder();
        try
        {
            files.WriteAllBytes(folder + @"\Sub\ReadMe.TXT", "first"u8);
            files.WriteAllBytes(folder.ToUpperInvariant() + @"\SUB\readme.txt", "second"u8);

            Assert.True(files.FileExists(folder.ToLowerInvariant() + @"\sub\README.txt"));
            Assert.True(files.DirectoryExists(folder.ToUpperInvariant() + @"\SUB"));
            Assert.Equal("second"u8.ToArray(), files.ReadAllBytes(folder + @"\sub\readme.TXT"));
            Assert.Single(files.ListFiles(folder + @"\Sub"));
        }
        finally
        {
            Clean(files);
        }
    }

    public static void Files_Directories_ListedDeletedOnlyWhenEmpty(IWindowsMachine machine)
    {
        var files = machine.Files;
        var folder = NewFolder();
        try
        {
            files.CreateDirectory(folder + @"\Beta\Inner");
            files.CreateDirectory(folder + @"\Alpha");
            files.WriteAllBytes(folder + @"\file.txt", "x"u8);

            Assert.Equal(["Alpha", "Beta"], files.ListDirectories(folder).Select(LastName));
            Assert.Equal(["file.txt"], files.ListFiles(folder).Select(LastName));
            Assert.Throws<IOException>(() => files.DeleteDirectory(folder + @"\Beta"));
            Assert.True(files.DirectoryExists(folder + @"\Beta\Inner"), "a failed delete must keep what is inside");
            Assert.True(files.DeleteDirectory(folder + @"\Beta\Inner"));
            Assert.True(files.DeleteDirectory(folder + @"\Beta"));
            Assert.False(files.DeleteDirectory(folder + @"\Beta"));
            Assert.True(files.DeleteFile(folder + @"\file.txt"));
            Assert.False(files.DeleteFile(folder + @"\file.txt"));
            Assert.Equal(["Alpha"], files.ListDirectories(folder).Select(LastName));
            Assert.Empty(files.ListFiles(folder));
        }
        finally
        {
            Clean(files);
        }
    }

    public static void Files_MissingFile_NotFoundNullOrEmpty(IWindowsMachine machine)
    {
        var files = machine.Files;
        var folder = NewFolder();
        var path = folder + @"\missing.txt";

        Assert.False(files.FileExists(path));
        Assert.False(files.DirectoryExists(folder));
        Assert.Null(files.GetFileLength(path));
        Assert.ThrowsAny<FileNotFoundException>(() => files.ReadAllBytes(path));
        Assert.ThrowsAny<FileNotFoundException>(() => files.OpenRead(path).Dispose());
        Assert.Empty(files.ListFiles(folder));
        Assert.Empty(files.ListDirectories(folder));
        Assert.False(files.DeleteFile(path));
        Assert.False(files.DeleteDirectory(folder));
    }

    public static void Files_WellKnownVariables_ExpandToTheSystemDrive(IWindowsMachine machine)
    {
        var files = machine.Files;

        // The spelling is the machine's (Wine's %SystemRoot% is C:\windows): compared case-insensitively.
        Assert.Equal(@"C:\Windows\Panther\unattend.xml", files.Expand(@"%SystemRoot%\Panther\unattend.xml"), ignoreCase: true);
        Assert.Equal(@"C:\Windows\Panther\unattend.xml", files.Expand(@"%WINDIR%\Panther\unattend.xml"), ignoreCase: true);
        Assert.Equal(@"C:\ProgramData\Reseal", files.Expand(@"%ProgramData%\Reseal"), ignoreCase: true);
        Assert.Equal(@"C:\Program Files\Reseal", files.Expand(@"%ProgramFiles%\Reseal"), ignoreCase: true);
        Assert.Equal(@"C:\x.txt", files.Expand(@"%SystemDrive%\x.txt"), ignoreCase: true);
    }

    public static void Services_UnknownName_IsNull(IWindowsMachine machine) =>
        Assert.Null(machine.Services.Find("ResealContractNoSuchService" + Guid.NewGuid().ToString("N")[..8]));

    public static void Accounts_BuiltInAdministrator_FoundByRidAndByName(IWindowsMachine machine)
    {
        var accounts = machine.Accounts;

        var administrator = accounts.FindByRid(500);
        Assert.NotNull(administrator);
        Assert.Equal(500u, administrator.Rid);
        Assert.True(administrator.IsBuiltIn);
        Assert.Equal(500u, accounts.FindAccount(administrator.Name.ToUpperInvariant())?.Rid);
        Assert.Contains(accounts.ListAccounts(), a => a.Rid == 500);
        Assert.Null(accounts.FindByRid(0x7FFF_FFF0));
    }

    public static void System_ImageStateValue_ReadThroughTheSystemPort(IWindowsMachine machine)
    {
        const string key = @"Microsoft\Windows\CurrentVersion\Setup\State";
        var registry = machine.Registry;
        var before = registry.GetValue(RegistryHive.Software, key, "ImageState");
        try
        {
            registry.SetValue(RegistryHive.Software, key, "ImageState", RegistryData.FromString("IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE"));
            var (state, raw) = machine.System.GetImageState();
            Assert.Equal(ImageState.GeneralizeResealToOobe, state);
            Assert.Equal("IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE", raw);

            registry.DeleteValue(RegistryHive.Software, key, "ImageState");
            Assert.Equal(ImageState.Missing, machine.System.GetImageState().State);
        }
        finally
        {
            Restore(registry, RegistryHive.Software, key, "ImageState", before);
        }
    }

    public static void System_PendingComputerName_ReadThroughTheSystemPort(IWindowsMachine machine)
    {
        var registry = machine.Registry;
        var before = registry.GetValue(RegistryHive.System, ComputerNames.PendingKey, "ComputerName");
        try
        {
            registry.SetValue(RegistryHive.System, ComputerNames.PendingKey, "ComputerName", RegistryData.FromString("CONTRACT-PC"));
            Assert.Equal("CONTRACT-PC", machine.System.GetPendingComputerName());
        }
        finally
        {
            Restore(registry, RegistryHive.System, ComputerNames.PendingKey, "ComputerName", before);
        }
    }

    public static void System_OsVersion_IsAWindowsNtVersion(IWindowsMachine machine)
    {
        var version = machine.System.GetOsVersion();

        // Every Windows Reseal seals is NT 6.0 or later with a build number (Vista/2008 is 6.0.6000).
        Assert.True(version.Major >= 6, string.Create(CultureInfo.InvariantCulture, $"major version {version.Major}"));
        Assert.True(version.Build >= 6000, string.Create(CultureInfo.InvariantCulture, $"build {version.Build}"));
    }

    private static string LastName(string windowsPath) => windowsPath[(windowsPath.TrimEnd('\\').LastIndexOf('\\') + 1)..];

    private static void Restore(IRegistry registry, RegistryHive hive, string key, string name, RegistryData? before)
    {
        if (before is null)
        {
            registry.DeleteValue(hive, key, name);
        }
        else
        {
            registry.SetValue(hive, key, name, before);
        }
    }

    // Empties the contract's own folder (files first, then folders from the deepest), through the port itself.
    private static void Clean(IWindowsFiles files)
    {
        var pending = new Stack<string>([FolderRoot]);
        var folders = new List<string>();
        while (pending.Count > 0)
        {
            var folder = pending.Pop();
            folders.Add(folder);
            foreach (var file in files.ListFiles(folder))
            {
                files.DeleteFile(file);
            }

            foreach (var sub in files.ListDirectories(folder))
            {
                pending.Push(sub);
            }
        }

        foreach (var folder in Enumerable.Reverse(folders))
        {
            files.DeleteDirectory(folder);
        }
    }

    /// <summary>
    /// A running machine lists its interfaces, the loopback among them (no MAC, 127.0.0.1), each index once and each MAC
    /// in the port's spelling; an offline tree refuses, saying why. Read only: nothing on the host's network is changed.
    /// </summary>
    public static void Network_Interfaces_ListTheLoopbackOrRefuseOffline(IWindowsMachine machine)
    {
        ArgumentNullException.ThrowIfNull(machine);
        IReadOnlyList<NetworkInterfaceInfo> interfaces;
        try
        {
            interfaces = machine.Network.ListInterfaces();
        }
        catch (PlatformNotSupportedException e) when (machine.OfflineTree is not null)
        {
            Assert.Contains("offline Windows tree has no network stack", e.Message, StringComparison.Ordinal);
            return;
        }

        var loopback = Assert.Single(interfaces, i => i.IsLoopback);
        Assert.Null(loopback.MacAddress);
        Assert.Contains(loopback.Addresses, a => a.Address.Equals(System.Net.IPAddress.Loopback));
        Assert.Equal(interfaces.Count, interfaces.Select(i => i.Index).Distinct().Count());
        Assert.All(interfaces.Where(i => i.MacAddress is not null), i => Assert.Matches("^([0-9a-f]{2}:){5}[0-9a-f]{2}$", i.MacAddress!));
    }
}
