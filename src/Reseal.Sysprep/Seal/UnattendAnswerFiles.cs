using Reseal.Sysprep.Inspection;
using Reseal.Unattend.Model;
using Reseal.Unattend.Passwords;
using UnattendStorage = Reseal.Unattend.Passwords.PasswordStorage;
using WindowsStorage = Reseal.Sysprep.Inspection.PasswordStorage;

namespace Reseal.Sysprep.Seal;

/// <summary>
/// Reseal.Unattend's answer-file location table and password classifier, given to the inspector (Reseal.Windows may not
/// reference Reseal.Unattend). The CLI's <c>inspect</c> and the seal pass <see cref="Instance"/>; lint, the seal's
/// moved-file step and the agent's scrub use the same table and classifier directly, so every one of them sees the
/// same places and the same secrets.
/// </summary>
public sealed class UnattendAnswerFiles : IAnswerFileClassifier
{
    private UnattendAnswerFiles()
    {
        Places = [.. AnswerFileLocations.All.Select(p =>
            new Sysprep.Inspection.AnswerFilePlace(p.WindowsPath, p.Role, p.WinsOverSysprepFolder, p.Kind == AnswerFilePlaceKind.Agent))];
    }

    /// <summary>The one instance.</summary>
    public static UnattendAnswerFiles Instance { get; } = new();

    /// <inheritdoc/>
    public IReadOnlyList<Sysprep.Inspection.AnswerFilePlace> Places { get; }

    /// <inheritdoc/>
    public AnswerFileSecrets Classify(ReadOnlySpan<byte> bytes, string displayPath)
    {
        AnswerFile file;
        try
        {
            file = AnswerFileReader.Read(bytes, displayPath);
        }
        catch (AnswerFileFormatException e)
        {
            return new AnswerFileSecrets([], e.Message);
        }

        return new AnswerFileSecrets([.. AnswerFilePasswords.Find(file).Select(p =>
            new AnswerFilePassword(p.Location, p.Pass, Convert(p.Storage), p.Kind.CanBeObfuscated))], null);
    }

    private static WindowsStorage Convert(UnattendStorage storage) => storage switch
    {
        UnattendStorage.Empty => WindowsStorage.Empty,
        UnattendStorage.Scrubbed => WindowsStorage.Scrubbed,
        UnattendStorage.ClearText => WindowsStorage.ClearText,
        UnattendStorage.Obfuscated => WindowsStorage.Obfuscated,
        _ => WindowsStorage.Undecodable,
    };
}
