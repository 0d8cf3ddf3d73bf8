using Reseal.Unattend.Model;

namespace Reseal.Unattend.Passwords;

/// <summary>What <see cref="AnswerFileScrubber.Scrub"/> did.</summary>
/// <param name="Bytes">The file with every password value replaced (the input bytes when nothing changed).</param>
/// <param name="Scrubbed">How many password values were replaced.</param>
public sealed record ScrubResult(byte[] Bytes, int Scrubbed);

/// <summary>
/// Replaces every secret <see cref="AnswerFilePasswords"/> finds in an answer file — local account, AutoLogon and
/// administrator passwords (clear text or the reversible <c>PlainText=false</c> Base64), the domain join's
/// <c>Credentials/Password</c>, <c>MachinePassword</c> and <c>AccountData</c>, run-as and share credentials — with
/// <c>*SENSITIVE*DATA*DELETED*</c>, the marker Windows Setup itself writes into the copies it caches ("Setup removes
/// sensitive data in the cached answer file at the end of each configuration pass", Windows Setup Automation
/// Overview). Everything else stays byte for byte (the lossless model), so the file still reads as the same answer file.
/// </summary>
public static class AnswerFileScrubber
{
    /// <summary>The marker Setup writes in place of a used password.</summary>
    public const string Marker = AnswerFilePasswords.ScrubbedMarker;

    /// <summary>Scrubs the answer file in <paramref name="bytes"/>.</summary>
    /// <exception cref="AnswerFileFormatException">Not a readable answer file (nothing is changed).</exception>
    public static ScrubResult Scrub(ReadOnlySpan<byte> bytes, string? displayPath = null)
    {
        var file = AnswerFileReader.Read(bytes, displayPath);
        var count = 0;
        foreach (var secret in AnswerFilePasswords.Find(file))
        {
            if (secret.Storage is PasswordStorage.Empty or PasswordStorage.Scrubbed)
            {
                continue;
            }

            secret.ValueElement.Value = Marker;
            if (secret.ValueElement != secret.Element
                && secret.Element.Elements().FirstOrDefault(e => e.Name.LocalName == "PlainText") is { } plainText)
            {
                // The marker is not Base64: Setup reads it as the clear text it is.
                plainText.Value = "true";
            }

            count++;
        }

        return new ScrubResult(count == 0 ? bytes.ToArray() : file.ToBytes(), count);
    }
}
