using System.Security.Cryptography;
using Reseal.Agent.Boot;
using Reseal.Agent.Boot.Config;

namespace Reseal.Cli.Settings;

/// <summary>What was found at the configuration's path.</summary>
internal enum SettingsFileState
{
    /// <summary>No file: the settings start from the built-in default (what the agent runs without one).</summary>
    Missing,

    /// <summary>A file the agent's validator accepts (warnings allowed).</summary>
    Valid,

    /// <summary>A file with errors: shown with line and column, never overwritten unless the user starts from the default.</summary>
    Invalid,
}

/// <summary>
/// The configuration being edited: where it is, what was on disk (its hash, to notice a change made meanwhile), the
/// configuration the settings are applied to, and what the agent's validator said about the file.
/// </summary>
/// <param name="Path">The file.</param>
/// <param name="State">What was found.</param>
/// <param name="Base">The configuration the settings edit: the file's, or the built-in default when it is missing or the user chose to start over.</param>
/// <param name="Diagnostics">The validator's findings on the file (errors for <see cref="SettingsFileState.Invalid"/>, maybe warnings otherwise).</param>
/// <param name="DiskHash">SHA-256 of the bytes read, or null when there was no file.</param>
/// <param name="HasComments">The file has YAML comments, which saving does not keep (the one writer writes the configuration, not the text).</param>
/// <param name="ReplacesInvalid">The user chose to start from the default over an invalid file: saving keeps the old file as <c>.invalid</c> beside it.</param>
internal sealed record SettingsDocument(string Path, SettingsFileState State, AgentConfig? Base, IReadOnlyList<BootDiagnostic> Diagnostics,
    byte[]? DiskHash, bool HasComments, bool ReplacesInvalid = false)
{
    /// <summary>The settings the document starts with (null for an invalid file until the user starts from the default).</summary>
    public AgentSettings? Settings => Base is null ? null : AgentSettingsModel.Read(Base);

    /// <summary>Where an invalid file is kept when the user saves over it.</summary>
    public string InvalidCopyPath => Path + ".invalid";
}

/// <summary>What a save did.</summary>
/// <param name="Saved">True when the file was written.</param>
/// <param name="Problems">Why not (each names the field or the line), or warnings the validator gave the saved text.</param>
/// <param name="Document">The document after the save (the new file is its base), or the same one when nothing was written.</param>
internal sealed record SettingsSaveResult(bool Saved, IReadOnlyList<string> Problems, SettingsDocument Document);

/// <summary>
/// Where the file lives and what the platform must do to keep a "Specify" password from non-administrators: on Windows
/// the folder is made administrators-only (<c>AdministratorsOnlyFolder</c>, through the machine's file port) before the
/// file is written; on Unix the file is created with mode 0600.
/// </summary>
/// <param name="SecureFolder">Called with the file's folder before writing (Windows: restrict it to SYSTEM and Administrators); null: nothing.</param>
internal sealed record SettingsProtection(Action<string>? SecureFolder)
{
    /// <summary>No folder action (Unix, or tests).</summary>
    public static SettingsProtection None { get; } = new((Action<string>?)null);
}

/// <summary>Loads and saves agent-config.yml for <c>reseal settings</c>.</summary>
internal static class SettingsFile
{
    /// <summary>Reads and validates <paramref name="path"/> with the agent's validator (<c>reseal agent validate</c>'s code).</summary>
    public static SettingsDocument Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            return Directory.Exists(path)
                ? new(path, SettingsFileState.Invalid, null, [new BootDiagnostic(BootCodes.FileNotReadable, DiagnosticSeverity.Error, 0, 0, "this is a folder, not a file", path)], null, false)
                : new(path, SettingsFileState.Missing, DefaultAgentConfig.Config, [], null, false);
        }

        var report = AgentValidator.Validate(path, null);
        byte[]? hash;
        try
        {
            hash = HashOf(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new(path, SettingsFileState.Invalid, null,
                [new BootDiagnostic(BootCodes.FileNotReadable, DiagnosticSeverity.Error, 0, 0, "cannot read the file: " + e.Message, path)], null, false);
        }

        return report.Config is { IsValid: true, Config: { } config }
            ? new(path, SettingsFileState.Valid, config, report.Diagnostics, hash, HasYamlComments(path))
            : new(path, SettingsFileState.Invalid, null, report.Diagnostics, hash, false);
    }

    /// <summary>The user chose to start from the built-in default over an invalid file (kept as <c>.invalid</c> when saving).</summary>
    public static SettingsDocument StartFromDefault(SettingsDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        return document with { Base = DefaultAgentConfig.Config, ReplacesInvalid = document.State == SettingsFileState.Invalid };
    }

    /// <summary>The YAML <paramref name="settings"/> would save (also what a dry run shows; a password shows as set, not its text).</summary>
    public static string Render(SettingsDocument document, AgentSettings settings)
    {
        ArgumentNullException.ThrowIfNull(document);
        var config = document.Base ?? throw new InvalidOperationException("the file is invalid; start from the default first");
        return AgentConfigWriter.Write(AgentSettingsModel.Apply(config, settings));
    }

    /// <summary>
    /// Checks <paramref name="settings"/>, renders them, validates the text with the agent's reader, and writes it
    /// atomically (a temporary file beside the target, verified, renamed over it); the file is created 0600 on Unix.
    /// Nothing is written when a check fails, or when the file changed on disk since it was read.
    /// </summary>
    public static SettingsSaveResult Save(SettingsDocument document, AgentSettings settings, SettingsProtection protection)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(protection);
        if (document.Base is null)
        {
            return new(false, ["the file on disk is invalid; choose to start from the default first"], document);
        }

        var problems = AgentSettingsModel.Check(settings);
        if (problems.Count > 0)
        {
            return new(false, problems, document);
        }

        var text = Render(document, settings);
        var check = AgentConfigReader.Read(text, document.Path);
        if (!check.IsValid)
        {
            return new(false, [.. check.Diagnostics.Where(d => d.IsError).Select(d => $"the agent's validator refused the result: {d}")], document);
        }

        if (!SameOnDisk(document))
        {
            return new(false, [$"{document.Path} changed on disk since it was opened; nothing was written (quit and open it again)"], document);
        }

        var folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(document.Path))!;
        Directory.CreateDirectory(folder);
        protection.SecureFolder?.Invoke(folder);
        Func<string, FileStream>? create = null;
        if (!OperatingSystem.IsWindows())
        {
            create = CreateOwnerOnly;
            // AtomicFile gives the new file the old one's mode: a world-readable old file is made owner-only first, so
            // the password never lands in a file others can read.
            if (File.Exists(document.Path))
            {
                File.SetUnixFileMode(document.Path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
        }

        AtomicFile.WriteText(document.Path, text, new AtomicWriteOptions
        {
            CreateNew = create,
            BackupPath = document.ReplacesInvalid && document.DiskHash is not null ? document.InvalidCopyPath : null,
            // Re-read what reached the disk before it replaces the file: a short write or a bad disk never lands.
            Verify = temp =>
            {
                if (!AgentConfigReader.ReadFile(temp).IsValid)
                {
                    throw new IOException($"{temp}: the written file does not read back as a valid configuration");
                }
            },
        });
        var saved = Load(document.Path);
        return new(true, [.. check.Diagnostics.Select(d => d.Message)], saved);
    }

    /// <summary>The temporary file, created new with owner read and write only (mode 0600), so the password never sits in a readable file.</summary>
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static FileStream CreateOwnerOnly(string path) => new(path, new FileStreamOptions
    {
        Mode = FileMode.CreateNew,
        Access = FileAccess.Write,
        Share = FileShare.None,
        UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
    });

    private static bool SameOnDisk(SettingsDocument document)
    {
        var now = HashOf(document.Path);
        return now is null ? document.DiskHash is null : document.DiskHash is not null && now.AsSpan().SequenceEqual(document.DiskHash);
    }

    private static byte[]? HashOf(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            return SHA256.HashData(stream);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    /// <summary>True when the YAML has a comment (the scanner reports them; a <c>#</c> inside a string is not one).</summary>
    private static bool HasYamlComments(string path)
    {
        try
        {
            using var reader = new StreamReader(path);
            var scanner = new YamlDotNet.Core.Scanner(reader, skipComments: false);
            while (scanner.MoveNext())
            {
                if (scanner.Current is YamlDotNet.Core.Tokens.Comment)
                {
                    return true;
                }
            }
        }
        catch (Exception e) when (e is YamlDotNet.Core.YamlException or IOException)
        {
            // A valid file always scans; an invalid one is never saved over without the user's choice.
        }

        return false;
    }
}
