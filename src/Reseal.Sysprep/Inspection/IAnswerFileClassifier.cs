using System.Collections.Immutable;

namespace Reseal.Sysprep.Inspection;

/// <summary>A place an answer file is read, cached or kept (a Windows path with <c>%WINDIR%</c>, <c>%SystemDrive%</c>…).</summary>
/// <param name="WindowsPath">The path, before expansion.</param>
/// <param name="Role">What the place is, for people.</param>
/// <param name="WinsOverSysprepFolder">True when Setup reads a file there before <c>%WINDIR%\System32\Sysprep</c> (the
/// <c>Panther</c> folders): a stale one must be moved aside before sealing.</param>
/// <param name="IsAgentFile">True for a launch agent's own answer file (a template it gives Sysprep), false for places
/// Setup searches or caches.</param>
public sealed record AnswerFilePlace(string WindowsPath, string Role, bool WinsOverSysprepFolder, bool IsAgentFile);

/// <summary>The secrets of one answer file (never their values), or why it could not be read as one.</summary>
public sealed record AnswerFileSecrets(ImmutableArray<AnswerFilePassword> Passwords, string? Problem);

/// <summary>
/// What the inspector needs to know about answer files and may not learn itself: Reseal.Windows does not reference
/// Reseal.Unattend (DESIGN.md's layering), which holds the one table of answer-file places and the one password
/// classifier. The composition root (the CLI, the seal) passes Reseal.Unattend's implementation.
/// </summary>
public interface IAnswerFileClassifier
{
    /// <summary>Every place Setup reads or caches answer files and launch agents keep theirs, in Setup's search order first.</summary>
    IReadOnlyList<AnswerFilePlace> Places { get; }

    /// <summary>The secrets in an answer file's bytes; a file that is not a readable answer file gets a problem instead.</summary>
    AnswerFileSecrets Classify(ReadOnlySpan<byte> bytes, string displayPath);
}
