using System.Text;
using Reseal.Agent.Boot.Config;
using Reseal.Agent.Boot.Runner;
using Reseal.Registry;
using Reseal.Windows.Ports;

namespace Reseal.Agent.Boot.Tasks;

/// <summary>
/// <c>setWallpaper</c> (EC2Launch v2; EC2Config and EC2Launch v1 had it too): draws the instance's facts and chosen tags
/// on the user's image (<c>path</c>) or on a plain background, at the screen's size, with GDI+
/// (<see cref="IDesktop.Render"/>), and makes that image every user's wallpaper:
/// <list type="number">
/// <item>the image is written to <see cref="ImagePath"/>, readable by every user (<see cref="IDesktop.PublishImage"/>);</item>
/// <item><c>Control Panel\Desktop</c> <c>Wallpaper</c>, <c>WallpaperStyle</c> and <c>TileWallpaper</c> are set in the default
/// profile's hive file (<c>NTUSER.DAT</c> of ProfileList's <c>Default</c> folder, edited with Reseal.Registry: it is not
/// loaded while no profile is being created), so users created later start with it;</item>
/// <item>the same values in every loaded profile (<c>HKEY_USERS\&lt;SID&gt;</c>), read at their next logon;</item>
/// <item>and SystemParametersInfo for the user this process runs as, when it has an interactive desktop.</item>
/// </list>
/// Each profile's wallpaper before the first change is kept in <see cref="OriginalsPath"/> (never replaced by this task's
/// own image), and the drawing always starts from <c>path</c>, never from the image drawn before, so running every boot
/// never stacks text on text.
/// </summary>
public sealed class SetWallpaperTask() : BootTask(
    "setWallpaper",
    FrequencyRule.Always,
    [AgentStage.PreReady, AgentStage.UserData],
    InputSchema.MapOf(
        new InputField("path", InputSchema.Text),
        new InputField("attributes", InputSchema.ListOf(InputSchema.OneOf([.. WallpaperText.Attributes]))),
        new InputField("instanceTags", InputSchema.ListOf(InputSchema.Text))),
    "draw instance facts on the desktop wallpaper")
{
    /// <summary>Where the drawn image goes.</summary>
    public const string ImagePath = @"%ProgramData%\Reseal\wallpaper\wallpaper.bmp";

    /// <summary>Where each profile's wallpaper before this task's first change is kept: lines of <c>who TAB value</c>.</summary>
    public const string OriginalsPath = @"%ProgramData%\Reseal\wallpaper\original-wallpapers.txt";

    /// <summary>The per-user key of the desktop settings.</summary>
    public const string DesktopKey = @"Control Panel\Desktop";

    /// <summary>
    /// WallpaperStyle 2 (stretch) with TileWallpaper 0: the image is drawn at the screen's size, so it fills the screen
    /// unchanged, and a user with another resolution still sees the text box whole (fill or center could cut it).
    /// </summary>
    public const string WallpaperStyle = "2";

    /// <summary>The largest image file drawn on.</summary>
    public const long MaxImageBytes = 50L * 1024 * 1024;

    /// <summary>The most pixels an image drawn on may have (decoded, 32 bits each: 160 MB).</summary>
    public const long MaxImagePixels = 40_000_000;

    /// <summary>The largest default-profile hive read (real ones are 256 KiB to a few MiB).</summary>
    public const long MaxHiveBytes = 128L * 1024 * 1024;

    private const string EnvironmentKey = @"CurrentControlSet\Control\Session Manager\Environment";
    private const string ProfileListKey = @"Microsoft\Windows NT\CurrentVersion\ProfileList";

    /// <summary>Who the default profile is in <see cref="OriginalsPath"/>.</summary>
    public const string DefaultProfile = "default";

    /// <inheritdoc/>
    public override void Check(InputMap entry, TaskInputProblems problems)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(problems);
        if (entry.Fields.GetValueOrDefault("path") is InputText { Value: var path } at
            && (path.Length == 0 || path.Any(char.IsControl) || path.IndexOfAny(['<', '>', '"', '|', '?', '*']) >= 0))
        {
            problems.Error(BootCodes.BadValue, at, "'path' is not a Windows file path (empty, or with a control character or one of < > \" | ? *)");
        }
    }

    /// <inheritdoc/>
    public override Task<TaskExecutionResult> RunAsync(BootTaskRun run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        return Task.FromResult(Run(run.Inputs, run.Context));
    }

    private static TaskExecutionResult Run(InputMap inputs, BootTaskContext context)
    {
        var machine = context.Machine;
        var source = inputs.Text("path");
        if (source is not null && CheckSource(machine.Files, source) is { } refused)
        {
            return TaskExecutionResult.Failed(refused);
        }

        var composed = WallpaperText.Compose(inputs.Texts("attributes"), inputs.Texts("instanceTags"), Facts(context));
        var screen = machine.Desktop.PrimaryScreen();
        byte[] image;
        try
        {
            image = machine.Desktop.Render(new WallpaperDrawing
            {
                SourceImage = source is null ? null : machine.Files.Expand(source),
                Size = screen,
                Lines = composed.Lines,
            });
        }
        catch (WallpaperImageException e)
        {
            return TaskExecutionResult.Failed(e.Message);
        }
        catch (Exception e) when (e is IOException or PlatformNotSupportedException or UnauthorizedAccessException or DllNotFoundException
            or EntryPointNotFoundException)
        {
            // A Windows without GDI+ (Server Core without the feature, a stripped image) is a failed task, not a crashed run.
            return TaskExecutionResult.Failed($"the wallpaper could not be drawn on {machine.Description}: {e.Message}");
        }

        // What comes back is checked before it becomes anyone's wallpaper: a BMP of the screen's size.
        if (WallpaperImageHeader.Read(image, out _) is not { Format: "BMP" } drawn || drawn.Width != screen.Width || drawn.Height != screen.Height)
        {
            return TaskExecutionResult.Failed($"the drawn wallpaper is not a {screen.Width}x{screen.Height} BMP ({image.Length} bytes); nothing was set");
        }

        var target = machine.Files.Expand(ImagePath);
        try
        {
            machine.Desktop.PublishImage(ImagePath, image);
            var applied = Apply(machine, target);
            var notes = composed.Notes.Count == 0 ? "" : "; " + string.Join("; ", composed.Notes);
            return TaskExecutionResult.Done($"wallpaper {screen} with {composed.Lines.Count} lines at {target}" +
                (source is null ? " (plain background)" : $" (drawn on {machine.Files.Expand(source)})") + $"; {applied}{notes}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or PlatformNotSupportedException or HiveFormatException
            or HiveUnavailableException or InvalidOperationException or System.Security.SecurityException)
        {
            return TaskExecutionResult.Failed($"the wallpaper was drawn but could not be set: {e.Message}");
        }
    }

    // The image named by 'path', refused before any codec sees it: missing, this task's own output, too large, or not an
    // image of a format the wallpaper takes.
    private static string? CheckSource(IWindowsFiles files, string source)
    {
        var expanded = files.Expand(source);
        if (string.Equals(expanded, files.Expand(ImagePath), StringComparison.OrdinalIgnoreCase))
        {
            return $"'path' is {expanded}, the image this task draws; name the original image instead (drawing on it would stack text on text)";
        }

        try
        {
            if (!files.FileExists(source))
            {
                return $"the wallpaper image {expanded} does not exist";
            }

            var length = files.GetFileLength(source) ?? 0;
            if (length > MaxImageBytes)
            {
                return $"the wallpaper image {expanded} is {length} bytes; refused (at most {MaxImageBytes / (1024 * 1024)} MiB)";
            }

            var head = files.ReadHead(source, WallpaperImageHeader.HeadBytes, out _);
            if (WallpaperImageHeader.Read(head, out var problem) is not { } header)
            {
                return $"the wallpaper image {expanded} is {problem}";
            }

            if (header.Width < 1 || header.Height < 1 || header.Width > ScreenSize.MaxSide || header.Height > ScreenSize.MaxSide
                || (long)header.Width * header.Height > MaxImagePixels)
            {
                return $"the wallpaper image {expanded} is a {header.Width}x{header.Height} {header.Format}; refused before decoding " +
                    $"(each side 1 to {ScreenSize.MaxSide} pixels, at most {MaxImagePixels / 1_000_000} megapixels)";
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"the wallpaper image {expanded} cannot be read: {e.Message}";
        }

        return null;
    }

    private static WallpaperFacts Facts(BootTaskContext context)
    {
        var machine = context.Machine;
        string? hostName = null, architecture = null;
        ulong? memory = null;
        // Each fact on its own: one the machine cannot give reads "unknown" and the others are still drawn.
        try
        {
            hostName = machine.System.GetComputerName();
        }
        catch (Exception e) when (e is PlatformNotSupportedException or HiveUnavailableException or IOException)
        {
        }

        try
        {
            architecture = machine.Registry.GetString(RegistryHive.System, EnvironmentKey, "PROCESSOR_ARCHITECTURE");
        }
        catch (Exception e) when (e is PlatformNotSupportedException or HiveUnavailableException or IOException)
        {
        }

        try
        {
            memory = machine.Desktop.PhysicalMemoryBytes();
        }
        catch (PlatformNotSupportedException)
        {
        }

        return new WallpaperFacts(hostName, context.Metadata, architecture, memory);
    }

    // Sets the image for the default profile, the loaded profiles and the interactive user; says what was done.
    private static string Apply(IWindowsMachine machine, string image)
    {
        var originals = Originals.Load(machine.Files);
        var done = new List<string>();

        // Every loaded profile's wallpaper is recorded and saved before any is changed: a failure half way must not lose
        // an original (the next run would only see our own path).
        var sids = machine.Desktop.LoadedUserSids();
        foreach (var sid in sids)
        {
            originals.Remember(sid, machine.Desktop.GetUserString(sid, DesktopKey, "Wallpaper"), image);
        }

        originals.Save(machine.Files);
        var defaultHive = DefaultProfileHive(machine);
        if (defaultHive is null)
        {
            done.Add("no default profile hive (users created later keep Windows' wallpaper)");
        }
        else
        {
            originals.Remember(DefaultProfile, SetInHiveFile(machine.Files, defaultHive, image), image);
            originals.Save(machine.Files);
            done.Add($"default profile ({machine.Files.Expand(defaultHive)})");
        }

        foreach (var sid in sids)
        {
            machine.Desktop.SetUserString(sid, DesktopKey, "Wallpaper", image);
            machine.Desktop.SetUserString(sid, DesktopKey, "WallpaperStyle", WallpaperStyle);
            machine.Desktop.SetUserString(sid, DesktopKey, "TileWallpaper", "0");
        }

        done.Add(sids.Count == 1 ? "1 loaded profile" : $"{sids.Count} loaded profiles");
        var interactive = machine.Desktop.SetForInteractiveUser(ImagePath);
        done.Add(interactive.Applied ? interactive.Detail : "not on a desktop now: " + interactive.Detail);
        return "set for " + string.Join(", ", done);
    }

    // NTUSER.DAT of the folder ProfileList names Default (C:\Users\Default when it names none), or null when absent.
    private static string? DefaultProfileHive(IWindowsMachine machine)
    {
        var folder = machine.Registry.GetString(RegistryHive.Software, ProfileListKey, "Default") ?? @"%SystemDrive%\Users\Default";
        var hive = folder.TrimEnd('\\') + @"\NTUSER.DAT";
        return machine.Files.FileExists(hive) ? hive : null;
    }

    // Writes the three values into a hive file (its logs replayed first when it is dirty) and returns the Wallpaper it had.
    private static string? SetInHiveFile(IWindowsFiles files, string hivePath, string image)
    {
        var logs = new List<byte[]>();
        foreach (var log in new[] { hivePath + ".LOG1", hivePath + ".LOG2" }.Where(files.FileExists))
        {
            logs.Add(files.ReadAllBytes(log, MaxHiveBytes));
        }

        var hive = Hive.Load(files.ReadAllBytes(hivePath, MaxHiveBytes), logs);
        var previous = hive.OpenKey(DesktopKey)?.GetValue("Wallpaper") is { } value && value.RawType is RegistryData.TypeString or RegistryData.TypeExpandString
            ? new RegistryData(value.RawType, value.GetData()).AsString()
            : null;
        var document = HiveDocument.FromHive(hive);
        var key = document.CreateKey(DesktopKey);
        foreach (var (name, text) in new[] { ("Wallpaper", image), ("WallpaperStyle", WallpaperStyle), ("TileWallpaper", "0") })
        {
            key.SetValue(name, RegistryData.TypeString, RegistryData.FromString(text).Bytes.AsSpan());
        }

        var bytes = document.ToBytes();
        // Read back before it replaces the file Windows copies every new profile from.
        if (Hive.Load(bytes).OpenKey(DesktopKey)?.GetValue("Wallpaper") is not { } written
            || new RegistryData(written.RawType, written.GetData()).AsString() != image)
        {
            throw new IOException($"the rewritten {files.Expand(hivePath)} does not read back the Wallpaper value; it was not replaced");
        }

        files.WriteAllBytes(hivePath, bytes);
        return previous;
    }

    /// <summary>Each profile's wallpaper before this task first changed it (<see cref="OriginalsPath"/>).</summary>
    private sealed class Originals
    {
        private readonly Dictionary<string, string> _byProfile = new(StringComparer.OrdinalIgnoreCase);
        private bool _changed;

        public static Originals Load(IWindowsFiles files)
        {
            var originals = new Originals();
            if (!files.FileExists(OriginalsPath))
            {
                return originals;
            }

            foreach (var line in Encoding.UTF8.GetString(files.ReadAllBytes(OriginalsPath, 1024 * 1024)).Split('\n'))
            {
                if (line.Split('\t') is [var who, var value] && who.Length > 0)
                {
                    originals._byProfile.TryAdd(who, value.TrimEnd('\r'));
                }
            }

            return originals;
        }

        // The first value seen is kept; this task's own image is never recorded as anyone's original.
        public void Remember(string who, string? value, string ours)
        {
            if (!string.Equals(value, ours, StringComparison.OrdinalIgnoreCase) && !_byProfile.ContainsKey(who))
            {
                _byProfile[who] = value ?? "";
                _changed = true;
            }
        }

        public void Save(IWindowsFiles files)
        {
            if (_changed)
            {
                var text = string.Concat(_byProfile.OrderBy(p => p.Key, StringComparer.OrdinalIgnoreCase)
                    .Select(p => $"{p.Key}\t{new string([.. p.Value.Select(c => char.IsControl(c) ? ' ' : c)])}\n"));
                files.WriteAllBytes(OriginalsPath, Encoding.UTF8.GetBytes(text));
            }
        }
    }
}
