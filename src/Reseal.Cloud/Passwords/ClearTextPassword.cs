namespace Reseal.Cloud.Passwords;

/// <summary>
/// A clear-text password. It never shows itself by accident: <see cref="ToString"/> is a placeholder, so it cannot leak
/// into a log line or an exception message; call <see cref="Reveal"/> where printing it is the point.
/// </summary>
public sealed class ClearTextPassword : IEquatable<ClearTextPassword>
{
    /// <summary>Most characters a Windows password may have (MS-SAMR).</summary>
    public const int MaximumLength = 256;

    private readonly string _value;

    private ClearTextPassword(string value) => _value = value;

    /// <summary>Number of characters.</summary>
    public int Length => _value.Length;

    /// <summary>Wraps a password the caller already has.</summary>
    public static ClearTextPassword FromString(string value)
    {
        ArgumentException.ThrowIfNullOrEmpty(value);
        if (value.Length > MaximumLength)
        {
            throw new ArgumentException($"a Windows password has at most {MaximumLength} characters", nameof(value));
        }

        return new ClearTextPassword(value);
    }

    /// <summary>The password itself.</summary>
    public string Reveal() => _value;

    public bool Equals(ClearTextPassword? other) =>
        other is not null && System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(
            System.Text.Encoding.UTF8.GetBytes(_value), System.Text.Encoding.UTF8.GetBytes(other._value));

    public override bool Equals(object? obj) => Equals(obj as ClearTextPassword);

    public override int GetHashCode() => _value.Length;

    /// <summary>A placeholder, never the password.</summary>
    public override string ToString() => "(password hidden)";
}
