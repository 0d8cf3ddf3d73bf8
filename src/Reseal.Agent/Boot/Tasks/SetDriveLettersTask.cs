using System.ComponentModel;
using Reseal.Agent.Boot.Config;
using Reseal.Agent.Boot.Runner;
using Reseal.Windows.Ports;

namespace Reseal.Agent.Boot.Tasks;

/// <summary>
/// <c>setDriveLetters</c> (EC2Launch v1's DriveLetterMappingConfig.json, EC2Config's DriveLetterConfig.xml): gives the
/// volume with each label its drive letter. Every mapping is checked against the mounted volumes before anything moves
/// (label found once, letter free or already its own), so a bad mapping changes nothing; a move that Windows refuses
/// midway puts the earlier moves back.
/// </summary>
public sealed class SetDriveLettersTask() : BootTask(
    "setDriveLetters",
    FrequencyRule.Always,
    [AgentStage.PreReady, AgentStage.UserData],
    InputSchema.MapOf(new InputField("mappings", InputSchema.ListOf(InputSchema.MapOf(
        new InputField("volumeName", InputSchema.TextUpTo(32), Required: true),
        new InputField("driveLetter", InputSchema.TextUpTo(3), Required: true))), Required: true)),
    "give volumes drive letters by their labels")
{
    /// <summary>The letter of <c>D</c>, <c>d:</c> or <c>D:\</c>, upper case; null when it is not one.</summary>
    public static char? LetterOf(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var trimmed = text.Trim().TrimEnd('\\');
        trimmed = trimmed.EndsWith(':') ? trimmed[..^1] : trimmed;
        return trimmed.Length == 1 && char.IsAsciiLetter(trimmed[0]) ? char.ToUpperInvariant(trimmed[0]) : null;
    }

    /// <inheritdoc/>
    public override void Check(InputMap entry, TaskInputProblems problems)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(problems);
        if (entry.Fields.GetValueOrDefault("mappings") is not InputList mappings)
        {
            return;
        }

        var letters = new Dictionary<char, string>();
        var labels = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var mapping in mappings.Items.OfType<InputMap>())
        {
            if (mapping.Fields.GetValueOrDefault("volumeName") is InputText label)
            {
                if (string.IsNullOrWhiteSpace(label.Value))
                {
                    problems.Error(BootCodes.BadValue, label, "'volumeName' is empty; give the volume's label");
                }
                else if (!labels.Add(label.Value.Trim()))
                {
                    problems.Error(BootCodes.BadValue, label, $"volume '{label.Value}' is mapped twice");
                }
            }

            if (mapping.Fields.GetValueOrDefault("driveLetter") is not InputText letterText)
            {
                continue;
            }

            if (LetterOf(letterText.Value) is not { } letter)
            {
                problems.Error(BootCodes.BadValue, letterText, $"drive letter '{letterText.Value}' must be one letter A-Z, as 'D' or 'D:'");
            }
            else if (!letters.TryAdd(letter, mapping.Text("volumeName") ?? "?"))
            {
                problems.Error(BootCodes.BadValue, letterText, $"drive letter {letter}: is given to both '{letters[letter]}' and '{mapping.Text("volumeName")}'");
            }
            else if (letter is 'A' or 'B' or 'C')
            {
                problems.Warning(BootCodes.BadValue, letterText, $"drive letter {letter}: is usually the system or a floppy drive's; the mapping fails if it is taken");
            }
        }
    }

    /// <inheritdoc/>
    public override Task<TaskExecutionResult> RunAsync(BootTaskRun run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        var mappings = (run.Inputs.Fields.GetValueOrDefault("mappings") as InputList)?.Items.OfType<InputMap>()
            .Select(m => (Label: (m.Text("volumeName") ?? string.Empty).Trim(), Letter: LetterOf(m.Text("driveLetter") ?? string.Empty)))
            .Where(m => m.Letter is not null && m.Label.Length > 0)
            .Select(m => (m.Label, Letter: m.Letter!.Value))
            .ToList() ?? [];
        var systemDrive = LetterOf(run.Context.Machine.Files.Expand("%SystemDrive%"));
        return Task.FromResult(Apply(mappings, run.Context.Machine.Volumes, run.Console, systemDrive));
    }

    /// <summary>Checks every mapping against the mounted volumes, then moves the ones not yet at their letter.</summary>
    internal static TaskExecutionResult Apply(IReadOnlyList<(string Label, char Letter)> mappings, IVolumes volumes, ITaskConsole console, char? systemDrive = null)
    {
        if (mappings.Count == 0)
        {
            return TaskExecutionResult.Skip("no mappings");
        }

        IReadOnlyList<VolumeInfo> mounted;
        try
        {
            mounted = volumes.ListVolumes();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or PlatformNotSupportedException)
        {
            return TaskExecutionResult.Failed($"could not list the volumes: {e.Message}");
        }

        static char? LetterAt(VolumeInfo volume) => LetterOf(volume.RootPath);
        var moves = new List<(VolumeInfo Volume, char From, char To, string Label)>();
        var problems = new List<string>();
        foreach (var (label, letter) in mappings)
        {
            var matches = mounted.Where(v => string.Equals(v.Label?.Trim(), label, StringComparison.OrdinalIgnoreCase)).ToList();
            if (matches.Count == 0)
            {
                problems.Add($"no volume is labelled '{label}'");
                continue;
            }

            if (matches.Count > 1)
            {
                problems.Add($"{matches.Count} volumes are labelled '{label}' ({string.Join(", ", matches.Select(m => m.RootPath))}); label them apart");
                continue;
            }

            var volume = matches[0];
            if (LetterAt(volume) is not { } from)
            {
                problems.Add($"volume '{label}' is mounted at {volume.RootPath}, not at a drive letter");
                continue;
            }

            if (from == letter)
            {
                continue;
            }

            if (from == systemDrive)
            {
                // Microsoft: moving a letter "may break the path to the program making the drive letter changes".
                problems.Add($"'{label}' is the Windows volume ({from}:); its letter is never changed");
                continue;
            }

            if (mounted.FirstOrDefault(v => LetterAt(v) == letter) is { } holder)
            {
                problems.Add($"drive letter {letter}: is taken by {(string.IsNullOrEmpty(holder.Label) ? "an unlabelled volume" : $"'{holder.Label}'")}; '{label}' stays at {from}:");
                continue;
            }

            moves.Add((volume, from, letter, label));
        }

        if (problems.Count > 0)
        {
            return TaskExecutionResult.Failed("nothing changed: " + string.Join("; ", problems));
        }

        if (moves.Count == 0)
        {
            return TaskExecutionResult.Done($"every volume already has its letter ({string.Join(", ", mappings.Select(m => $"'{m.Label}' {m.Letter}:"))})");
        }

        var done = new List<(char From, char To, string Label)>();
        foreach (var (volume, from, to, label) in moves)
        {
            try
            {
                volumes.SetDriveLetter(volume.RootPath, to);
                done.Add((from, to, label));
            }
            catch (Exception e) when (e is Win32Exception or PlatformNotSupportedException or IOException)
            {
                var undone = Undo(done, volumes);
                return TaskExecutionResult.Failed($"could not move '{label}' from {from}: to {to}: ({e.Message}); " + undone);
            }
        }

        foreach (var (from, to, label) in done)
        {
            console.WriteLine($"Message: Drive letter of '{ConsoleOutput.ConsoleLines.OneLine(label)}' changed from {from}: to {to}:");
        }

        return TaskExecutionResult.Done(string.Join(", ", done.Select(d => $"'{d.Label}' {d.From}: -> {d.To}:")));
    }

    // Puts earlier moves back, newest first, so a refused move leaves the letters as they were.
    private static string Undo(List<(char From, char To, string Label)> done, IVolumes volumes)
    {
        if (done.Count == 0)
        {
            return "nothing else had changed";
        }

        var failed = new List<string>();
        for (var i = done.Count - 1; i >= 0; i--)
        {
            var (from, to, label) = done[i];
            try
            {
                volumes.SetDriveLetter(to + ":\\", from);
            }
            catch (Exception e) when (e is Win32Exception or PlatformNotSupportedException or IOException)
            {
                failed.Add($"'{label}' stays at {to}: ({e.Message})");
            }
        }

        return failed.Count == 0 ? "the earlier moves were put back" : "could not put back: " + string.Join("; ", failed);
    }
}
