namespace Reseal.Cloud.Passwords;

/// <summary>
/// The lines an agent writes to COM1 to publish an EC2-style encrypted password (protocols.md §1): <c>Username: NAME</c>,
/// then <c>Password: &lt;Password&gt;</c>, the base64 on its own line, and <c>&lt;/Password&gt;</c> — the multi-line form real
/// EC2Config / EC2Launch output shows. The console reporter adds its <c>YYYY/MM/DD HH:MM:SSZ: </c> prefix and CRLF.
/// </summary>
public static class ConsolePasswordBlock
{
    /// <summary>The lines, without timestamps or line ends.</summary>
    public static IReadOnlyList<string> Format(string userName, string ciphertextBase64)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(userName);
        if (userName.Any(char.IsControl))
        {
            // A CR or LF would start a console line of the caller's choosing (a forged "Password:" block, say).
            throw new ArgumentException("the user name must not contain line breaks or other control characters", nameof(userName));
        }
        var bytes = PasswordCipher.DecodeBase64(ciphertextBase64);
        return ["Username: " + userName.Trim(), "Password: <Password>", Convert.ToBase64String(bytes), "</Password>"];
    }
}
