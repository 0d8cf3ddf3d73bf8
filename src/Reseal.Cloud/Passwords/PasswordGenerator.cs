using System.Security.Cryptography;

namespace Reseal.Cloud.Passwords;

/// <summary>Random Windows passwords from the OS CSPRNG.</summary>
public static class PasswordGenerator
{
    private const int MaximumAttempts = 10_000;

    /// <summary>
    /// A password of <see cref="PasswordPolicy.Length"/> characters drawn uniformly from the policy's alphabet, redrawn
    /// until it holds the required classes and does not contain <paramref name="userName"/>. Redrawing whole passwords
    /// (rather than forcing one character of each class into fixed places) keeps every valid password equally likely.
    /// </summary>
    public static ClearTextPassword Generate(PasswordPolicy? policy = null, string? userName = null)
    {
        policy ??= PasswordPolicy.Default;
        var alphabet = policy.Alphabet;
        var buffer = new char[policy.Length];
        for (var attempt = 0; attempt < MaximumAttempts; attempt++)
        {
            for (var i = 0; i < buffer.Length; i++)
            {
                buffer[i] = alphabet[RandomNumberGenerator.GetInt32(alphabet.Length)];
            }

            var candidate = ClearTextPassword.FromString(new string(buffer));
            Array.Clear(buffer);
            var result = PasswordComplexity.Check(candidate, userName, policy.Length, policy.RequiredClasses);
            if (result.Passes)
            {
                return candidate;
            }
        }

        // Unreachable for any policy Create accepts (each draw succeeds with high probability); a broken invariant.
        throw new InvalidOperationException("could not draw a password meeting the policy");
    }
}
