using Reseal.Unattend.Model;

namespace Reseal.Unattend.Passwords;

/// <summary>What <see cref="AnswerFileScrubber.Scrub"/> did.</summary>
/// <param name="Bytes">The file with every password value replaced (the input bytes when nothing changed).</param>
/// <param name="Scrubbed">How many password values were replaced.</param>
public sealed record ScrubResult(byte[] Bytes, int Scrubbed);

/// <summary>
/// Replaces the password values of an answer file (<c>Password</c>, <c>AdministratorPassword</c>,
/// <c>OfflineAdministratorPassword</c>, the domain join's <c>MachinePassword</c>: clear text or the reversible <c>PlainText=false</c> Base64) with
/// <c>*SENSITIVE*DATA*DELETED*</c>, the marker Windows Setup itself writes into the copies it caches. Everything else
/// stays byte for byte (the lossless model), so the file still reads as the same answer file.
/// </summary>
public static class AnswerFileScrubber
{
    /// <summary>The marker Setup writes in place of a used password.</summary>
    public const string Marker = "*SENSITIVE*DATA*DELETED*";

    private static readonly string[] PasswordElements = ["Password", "AdministratorPassword", "OfflineAdministratorPassword", "MachinePassword"];

    /// <summary>Scrubs the answer file in <paramref name="bytes"/>.</summary>
    /// <exception cref="AnswerFileFormatException">Not a readable answer file (nothing is changed).</exception>
    public static ScrubResult Scrub(ReadOnlySpan<byte> bytes, string? displayPath = null)
    {
        var file = AnswerFileReader.Read(bytes, displayPath);
        var count = 0;
        foreach (var element in file.Document.Descendants().Where(e => PasswordElements.Contains(e.Name.LocalName)).ToList())
        {
            var value = element.Elements().FirstOrDefault(e => e.Name.LocalName == "Value");
            var current = value?.Value ?? (element.HasElements ? string.Empty : element.Value);
            if (current.Trim().Length == 0 || current.Contains(Marker, StringComparison.Ordinal))
            {
                continue;
            }

            if (value is not null)
            {
                value.Value = Marker;
                if (element.Elements().FirstOrDefault(e => e.Name.LocalName == "PlainText") is { } plainText)
                {
                    plainText.Value = "true";
                }
            }
            else
            {
                element.Value = Marker;
            }

            count++;
        }

        return new ScrubResult(count == 0 ? bytes.ToArray() : file.ToBytes(), count);
    }
}
