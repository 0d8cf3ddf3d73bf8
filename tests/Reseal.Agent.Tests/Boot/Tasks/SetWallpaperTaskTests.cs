using System.Buffers.Binary;
using System.Text;
using Reseal.Agent.Boot.Config;
using Reseal.Agent.Boot.Runner;
using Reseal.Agent.Boot.Tasks;
using Reseal.Cloud.Metadata;
using Reseal.Registry;
using Reseal.TestSupport;
using Reseal.Windows.Ports;

namespace Reseal.Agent.Tests.Boot.Tasks;

/// <summary>
/// setWallpaper on the in-memory machine: the lines it composes from the metadata and the machine, what it asks the
/// desktop to draw, the values it writes for the default profile (a real NTUSER.DAT, read back by hivexget) and the
/// loaded profiles, what it remembers, and every bad image refused before drawing. The GDI+ drawing itself is tested
/// under Wine (Reseal.Wine.Tests WallpaperWineTests).
/// </summary>
public sealed class SetWallpaperTaskTests
{
    private const string DefaultHive = @"C:\Users\Default\NTUSER.DAT";
    private const string Image = @"C:\ProgramData\Reseal\wallpaper\wallpaper.bmp";
    private const string Alice = "S-1-5-21-1-2-3-1001";
    private readonly FakeWindows _machine = new();

    private sealed class NullConsole : ITaskConsole
    {
        public void WriteLine(string text)
        {
        }

        public void WritePasswordBlock(string userName, string ciphertextBase64) => throw new InvalidOperationException("no password here");
    }

    private static InstanceMetadata Ec2(IReadOnlyDictionary<string, string>? tags = null) =>
        new(MetadataSource.Ec2, "http://test/", "i-0abc123", "ip-10-0-0-5", [], ReadOnlyMemory<byte>.Empty, "m5.large", "eu-west-3b", "10.0.0.5", null, "IMDSv2")
        {
            PublicIPv4 = "203.0.113.7",
            Tags = tags,
        };

    private async Task<TaskExecutionResult> Run(string inputsYaml, InstanceMetadata? metadata)
    {
        var read = AgentConfigReader.Read($"version: 1.0\nconfig:\n- stage: preReady\n  tasks:\n  - task: setWallpaper\n{inputsYaml}");
        Assert.True(read.IsValid, string.Join('\n', read.Diagnostics));
        var unit = BootPlan.Create(read.Config!).Units.Single();
        var task = read.Config!.TasksOf(AgentStage.PreReady)[0].Definition;
        var run = new BootTaskRun(unit, unit.Inputs ?? InputMap.Empty, new BootTaskContext { Machine = _machine, Metadata = metadata }, new NullConsole());
        return await task.RunAsync(run, TestContext.Current.CancellationToken);
    }

    private static string Attributes(params string[] names) => "    inputs:\n      attributes:\n" + string.Concat(names.Select(n => $"      - {n}\n"));

    private IReadOnlyList<string> LastLines() => _machine.Desktop.Drawings.Last().Lines;

    [Fact]
    public void Registry_SetWallpaper_IsTheRealTaskAtPositionTwelve()
    {
        var task = TaskRegistry.BuiltIn.All[11];

        Assert.IsType<SetWallpaperTask>(task);
        Assert.Equal("setWallpaper", task.Name);
        Assert.Equal(FrequencyRule.Always, task.Frequency);
        Assert.Equal([AgentStage.PreReady, AgentStage.UserData], task.Stages);
        Assert.Null(task.WouldSkip(new PlanFacts(Ec2(), null)));
        Assert.Equal(WallpaperText.Attributes, TaskCatalog.WallpaperAttributes);
    }

    [Fact]
    public async Task Run_EveryAttributeOnEc2_DrawsOneLinePerAttributeInTheOrderAsked()
    {
        _machine.Registry.SetValue(RegistryHive.System, @"CurrentControlSet\Control\Session Manager\Environment", "PROCESSOR_ARCHITECTURE", RegistryData.FromString("AMD64"));

        var result = await Run(Attributes("memory", "hostName", "instanceId", "privateIpAddress", "publicIpAddress", "instanceSize", "availabilityZone", "architecture", "network"), Ec2());

        AssertDone(result);
        Assert.Equal(
            ["Total Memory: 8 GiB", "Host Name: WIN-FAKE0001", "Instance ID: i-0abc123", "Private IPv4 Address: 10.0.0.5", "Public IPv4 Address: 203.0.113.7",
             "Instance Size: m5.large", "Availability Zone: eu-west-3b", "Architecture: AMD64", "Network: unknown"],
            LastLines());
        var drawing = _machine.Desktop.Drawings.Single();
        Assert.Null(drawing.SourceImage);
        Assert.Equal(new ScreenSize(1024, 768, true), drawing.Size);
        Assert.Equal([Image], _machine.Desktop.Published);
        var written = BmpImage.Read(_machine.Files.ReadAllBytes(Image));
        Assert.Equal((1024, 768), (written.Width, written.Height));
        Assert.Contains("unknown on this machine: network", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_NoMetadataNoMemoryNoArchitecture_MissingFactsReadUnknown()
    {
        _machine.Desktop.MemoryBytes = null;

        var result = await Run(Attributes("instanceId", "publicIpAddress", "memory", "architecture", "hostName"), metadata: null);

        AssertDone(result);
        Assert.Equal(["Instance ID: unknown", "Public IPv4 Address: unknown", "Total Memory: unknown", "Architecture: unknown", "Host Name: WIN-FAKE0001"], LastLines());
        Assert.Contains("unknown on this machine: instanceId, publicIpAddress, memory, architecture (no metadata source answered)", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_TagsInMetadata_DrawnWithTheirValues_AbsentTagReadsUnknown()
    {
        var tags = new Dictionary<string, string> { ["Name"] = "web-1", ["Environment"] = "prod" };

        var result = await Run("    inputs:\n      instanceTags:\n      - Name\n      - Owner\n      - Environment\n", Ec2(tags));

        AssertDone(result);
        Assert.Equal(["Name: web-1", "Owner: unknown", "Environment: prod"], LastLines());
        Assert.Contains("the instance has no tag Owner", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_TagsNotInMetadata_ReadUnknown_ResultSaysHowToTurnThemOn()
    {
        var result = await Run("    inputs:\n      instanceTags:\n      - Name\n", Ec2(tags: null));

        AssertDone(result);
        Assert.Equal(["Name: unknown"], LastLines());
        Assert.Contains("allow tags in instance metadata", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_TagWithControlCharactersAndThousandsOfCharacters_CleanedCutAndSaid()
    {
        var tags = new Dictionary<string, string> { ["Evil"] = "a\nb\u001b[31mc\u202Ed", ["Long"] = new string('x', 5000) };

        var result = await Run("    inputs:\n      instanceTags:\n      - Evil\n      - Long\n", Ec2(tags));

        AssertDone(result);
        Assert.Equal("Evil: a b [31mc d", LastLines()[0]);
        Assert.Equal("Long: " + new string('x', WallpaperText.MaxValueLength) + "…", LastLines()[1]);
        Assert.All(LastLines(), l => Assert.DoesNotContain(l, char.IsControl));
        Assert.Contains("tag 'Evil': control characters drawn as spaces", result.Message, StringComparison.Ordinal);
        Assert.Contains("tag 'Long': 5000 characters, cut to 100", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_DefaultProfileHive_GetsTheDesktopValues_ReadBackByHivexget_OriginalKept()
    {
        _machine.Files.WriteAllBytes(DefaultHive, SharedData.ReadBytes("hives/regipy-NTUSER.DAT.gz"));

        var result = await Run(Attributes("instanceId"), Ec2());

        AssertDone(result);
        Assert.Contains($"default profile ({DefaultHive})", result.Message, StringComparison.Ordinal);
        var hive = Hive.Load(_machine.Files.ReadAllBytes(DefaultHive));
        Assert.Equal(Image, Text(hive, "Wallpaper"));
        Assert.Equal("2", Text(hive, "WallpaperStyle"));
        Assert.Equal("0", Text(hive, "TileWallpaper"));
        // The hive stays a hive Windows' own tools read: hivexget (libguestfs) reads the values Reseal wrote.
        var hivexget = ExternalTool.Require("hivexget", "libhivex-bin");
        using var temp = new TempDirectory();
        var copy = temp.Write("NTUSER.DAT", _machine.Files.ReadAllBytes(DefaultHive));
        var read = ExternalTool.Run(hivexget, [copy, @"Control Panel\Desktop", "Wallpaper"]);
        Assert.Equal(0, read.ExitCode);
        Assert.Equal(Image, read.StandardOutput.Trim());
        Assert.Equal(@"default	C:\Users\vibranium\AppData\Roaming\Microsoft\Windows\Themes\TranscodedWallpaper.jpg" + "\n",
            Encoding.UTF8.GetString(_machine.Files.ReadAllBytes(SetWallpaperTask.OriginalsPath)));
    }

    [Fact]
    public async Task Run_ProfileListNamesAnotherDefaultFolder_ThatHiveIsChanged()
    {
        _machine.Registry.SetValue(RegistryHive.Software, @"Microsoft\Windows NT\CurrentVersion\ProfileList", "Default", RegistryData.FromString(@"D:\Profiles\Default"));
        _machine.Files.WriteAllBytes(@"D:\Profiles\Default\NTUSER.DAT", SharedData.ReadBytes("hives/regipy-NTUSER.DAT.gz"));

        var result = await Run(Attributes("instanceId"), Ec2());

        AssertDone(result);
        Assert.Equal(Image, Text(Hive.Load(_machine.Files.ReadAllBytes(@"D:\Profiles\Default\NTUSER.DAT")), "Wallpaper"));
    }

    [Fact]
    public async Task Run_NoDefaultProfileHive_StillSetsLoadedProfiles_AndSaysSo()
    {
        _machine.Desktop.LoadUser(Alice);

        var result = await Run(Attributes("instanceId"), Ec2());

        AssertDone(result);
        Assert.Contains("no default profile hive", result.Message, StringComparison.Ordinal);
        Assert.Equal(Image, _machine.Desktop.GetUserString(Alice, SetWallpaperTask.DesktopKey, "Wallpaper"));
    }

    [Fact]
    public async Task Run_TwiceWithLoadedProfiles_SameValues_OriginalsRecordedOnce_AlwaysDrawnFromTheUsersImage()
    {
        _machine.Files.WriteAllBytes(@"C:\images\corp.bmp", BmpImage.Solid(64, 48, 0x336699).ToBytes());
        _machine.Desktop.LoadUser(Alice);
        _machine.Desktop.LoadUser("S-1-5-21-1-2-3-1002");
        _machine.Desktop.SetUserString(Alice, SetWallpaperTask.DesktopKey, "Wallpaper", @"C:\Windows\Web\Wallpaper\Windows\img0.jpg");
        var yaml = "    inputs:\n      path: C:\\images\\corp.bmp\n      attributes:\n      - instanceId\n";

        var first = await Run(yaml, Ec2());
        var originals = _machine.Files.ReadAllBytes(SetWallpaperTask.OriginalsPath);
        var second = await Run(yaml, Ec2());

        AssertDone(first);
        AssertDone(second);
        Assert.Contains("2 loaded profiles", second.Message, StringComparison.Ordinal);
        foreach (var sid in _machine.Desktop.LoadedUserSids())
        {
            Assert.Equal(Image, _machine.Desktop.GetUserString(sid, SetWallpaperTask.DesktopKey, "Wallpaper"));
            Assert.Equal("2", _machine.Desktop.GetUserString(sid, SetWallpaperTask.DesktopKey, "WallpaperStyle"));
            Assert.Equal("0", _machine.Desktop.GetUserString(sid, SetWallpaperTask.DesktopKey, "TileWallpaper"));
        }

        // The second run found its own image everywhere and recorded nothing new: the originals are the first run's.
        Assert.Equal(originals, _machine.Files.ReadAllBytes(SetWallpaperTask.OriginalsPath));
        Assert.Equal($"{Alice}\tC:\\Windows\\Web\\Wallpaper\\Windows\\img0.jpg\nS-1-5-21-1-2-3-1002\t\n", Encoding.UTF8.GetString(originals));
        Assert.Equal([@"C:\images\corp.bmp", @"C:\images\corp.bmp"], _machine.Desktop.Drawings.Select(d => d.SourceImage));
    }

    [Fact]
    public async Task Run_InteractiveDesktop_SetThroughSystemParametersInfo()
    {
        _machine.Desktop.Interactive = true;

        var result = await Run(Attributes("hostName"), Ec2());

        AssertDone(result);
        Assert.Equal(Image, _machine.Desktop.InteractiveWallpaper);
    }

    [Fact]
    public async Task Run_NoInteractiveDesktop_SaysUsersGetItAtLogon()
    {
        var result = await Run(Attributes("hostName"), Ec2());

        AssertDone(result);
        Assert.Null(_machine.Desktop.InteractiveWallpaper);
        Assert.Contains("not on a desktop now: no interactive desktop", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_MissingImage_FailsNamingIt_NothingDrawnOrSet()
    {
        _machine.Desktop.LoadUser(Alice);

        var result = await Run("    inputs:\n      path: C:\\images\\gone.jpg\n", Ec2());

        Assert.Equal(ExitAction.Failed, result.Action);
        Assert.Equal(@"the wallpaper image C:\images\gone.jpg does not exist", result.Message);
        Assert.Empty(_machine.Desktop.Drawings);
        Assert.Null(_machine.Desktop.GetUserString(Alice, SetWallpaperTask.DesktopKey, "Wallpaper"));
    }

    [Fact]
    public async Task Run_NotAnImage_FailsSayingWhat()
    {
        _machine.Files.WriteAllBytes(@"C:\images\notes.jpg", "just some text, not a picture"u8);

        var result = await Run("    inputs:\n      path: C:\\images\\notes.jpg\n", Ec2());

        Assert.Equal(ExitAction.Failed, result.Action);
        Assert.Contains(@"C:\images\notes.jpg is not a BMP, PNG, GIF or JPEG image", result.Message, StringComparison.Ordinal);
        Assert.Empty(_machine.Desktop.Drawings);
    }

    [Fact]
    public async Task Run_ImageWhosePixelsCannotBeDecoded_RendererFailureIsTheTaskFailure_NothingSet()
    {
        // The header is fine (checked before drawing); the renderer, as GDI+ does with a truncated file, cannot decode it.
        _machine.Files.WriteAllBytes(@"C:\images\cut.bmp", BmpImage.Solid(40, 30, 0x102030).ToBytes().AsSpan(0, 200));
        _machine.Desktop.RenderFailure = new WallpaperImageException(@"C:\images\cut.bmp: GDI+ cannot decode its pixels (OutOfMemory)");
        _machine.Desktop.LoadUser(Alice);

        var result = await Run("    inputs:\n      path: C:\\images\\cut.bmp\n", Ec2());

        Assert.Equal(ExitAction.Failed, result.Action);
        Assert.Equal(@"C:\images\cut.bmp: GDI+ cannot decode its pixels (OutOfMemory)", result.Message);
        Assert.Empty(_machine.Desktop.Published);
        Assert.Null(_machine.Desktop.GetUserString(Alice, SetWallpaperTask.DesktopKey, "Wallpaper"));
    }

    [Theory]
    [InlineData("huge.bmp", 20000, 100, "20000x100 BMP")]
    [InlineData("huge.png", 9000, 9000, "9000x9000 PNG")]
    [InlineData("empty.gif", 0, 10, "0x10 GIF")]
    public async Task Run_ImageAboveThePixelLimits_RefusedBeforeDecoding(string name, int width, int height, string described)
    {
        _machine.Files.WriteAllBytes(@"C:\images\" + name, Header(name, width, height));

        var result = await Run($"    inputs:\n      path: C:\\images\\{name}\n", Ec2());

        Assert.Equal(ExitAction.Failed, result.Action);
        Assert.Contains($"is a {described}; refused before decoding", result.Message, StringComparison.Ordinal);
        Assert.Empty(_machine.Desktop.Drawings);
    }

    [Fact]
    public async Task Run_ImageFileAboveTheSizeLimit_Refused()
    {
        var big = new byte[SetWallpaperTask.MaxImageBytes + 1];
        BmpImage.Solid(2, 2, 0).ToBytes().CopyTo(big, 0);
        _machine.Files.WriteAllBytes(@"C:\images\big.bmp", big);

        var result = await Run("    inputs:\n      path: C:\\images\\big.bmp\n", Ec2());

        Assert.Equal(ExitAction.Failed, result.Action);
        Assert.Contains($"is {big.Length} bytes; refused (at most 50 MiB)", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_PathIsTheTasksOwnImage_Refused()
    {
        var result = await Run("    inputs:\n      path: '%ProgramData%\\Reseal\\wallpaper\\wallpaper.bmp'\n", Ec2());

        Assert.Equal(ExitAction.Failed, result.Action);
        Assert.Contains("the image this task draws; name the original image instead", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_PathWithWildcard_IsAConfigError()
    {
        var read = AgentConfigReader.Read("version: 1.0\nconfig:\n- stage: preReady\n  tasks:\n  - task: setWallpaper\n    inputs:\n      path: C:\\img\\*.jpg\n");

        Assert.False(read.IsValid);
        Assert.Contains(read.Diagnostics, d => d.Message.Contains("'path' is not a Windows file path", StringComparison.Ordinal) && d.Line == 7);
    }

    [Fact]
    public void ImageHeader_Jpeg_FrameHeaderAfterApp0_GivesItsSize()
    {
        byte[] jpeg = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0x00, 0x00, 0xFF, 0xC0, 0x00, 0x11, 0x08, 0x02, 0x58, 0x03, 0x20, 0x03];

        Assert.Equal(new WallpaperImageHeader("JPEG", 800, 600), WallpaperImageHeader.Read(jpeg, out _));
        Assert.Null(WallpaperImageHeader.Read([0xFF, 0xD8, 0x00, 0x00, 0x00, 0x00], out var problem));
        Assert.Contains("marker at offset 2 is damaged", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(8UL * 1024 * 1024 * 1024, "8 GiB")]
    [InlineData(4_080_218_931UL, "3.8 GiB")]
    [InlineData(512UL * 1024 * 1024, "512 MiB")]
    public void Memory_Bytes_ShownInBinaryUnits(ulong bytes, string shown) => Assert.Equal(shown, WallpaperText.Memory(bytes));

    private static void AssertDone(TaskExecutionResult result) =>
        Assert.True(result.Action == ExitAction.Completed && !result.NotApplicable, result.Message);

    private static string? Text(Hive hive, string name) =>
        hive.OpenKey(SetWallpaperTask.DesktopKey)?.GetValue(name) is { } value ? new RegistryData(value.RawType, value.GetData()).AsString() : null;

    private static byte[] Header(string name, int width, int height)
    {
        var bytes = new byte[64];
        switch (Path.GetExtension(name))
        {
            case ".bmp":
                "BM"u8.CopyTo(bytes);
                BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(14), 40);
                BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(18), width);
                BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(22), height);
                break;
            case ".png":
                new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }.CopyTo(bytes, 0);
                "IHDR"u8.CopyTo(bytes.AsSpan(12));
                BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(16), (uint)width);
                BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(20), (uint)height);
                break;
            default:
                "GIF89a"u8.CopyTo(bytes);
                BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(6), (ushort)width);
                BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), (ushort)height);
                break;
        }

        return bytes;
    }
}
