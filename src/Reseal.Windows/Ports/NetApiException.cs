using System.ComponentModel;

namespace Reseal.Windows.Ports;

/// <summary>
/// A NetUser*/NetLocalGroup* call (or an account lookup) that failed, with its NET_API_STATUS code: either a system error
/// (below 2100) or a network-management error NERR_* (2100–2999, lmerr.h). On Windows the message is the system's own
/// text for the code (netmsg.dll's for NERR_* codes), so "2245" reads as "The password does not meet the password policy
/// requirements…". The message never holds a password. A <see cref="Win32Exception"/> whose NativeErrorCode is the status.
/// </summary>
public sealed class NetApiException : Win32Exception
{
    /// <summary>NERR_BASE, the first network-management error code.</summary>
    public const int NerrBase = 2100;

    /// <summary>MAX_NERR, the last one.</summary>
    public const int MaxNerr = 2999;

    /// <summary>NERR_UserNotFound.</summary>
    public const int UserNotFound = 2221;

    /// <summary>NERR_PasswordHistConflict: "This password cannot be used now" (password history).</summary>
    public const int PasswordHistoryConflict = 2244;

    /// <summary>NERR_PasswordTooShort: the password does not meet the policy (length, complexity, history).</summary>
    public const int PasswordTooShort = 2245;

    /// <summary>ERROR_PASSWORD_RESTRICTION: the system-error form of the same policy refusal.</summary>
    public const int PasswordRestriction = 1325;

    /// <summary>ERROR_MEMBER_IN_ALIAS: the account is already a member of the local group.</summary>
    public const int MemberInAlias = 1378;

    /// <summary>Creates the exception.</summary>
    /// <param name="operation">What was attempted, naming the account (never a password).</param>
    /// <param name="status">The NET_API_STATUS code.</param>
    /// <param name="systemText">The system's text for the code, when it could be read.</param>
    public NetApiException(string operation, int status, string? systemText)
        : base(status, $"{operation} failed: {(string.IsNullOrWhiteSpace(systemText) ? "error" : systemText.Trim())} ({Describe(status)})")
    {
        Operation = operation;
        SystemText = systemText?.Trim();
    }

    /// <summary>Creates the exception.</summary>
    public NetApiException()
        : this("a network-management call", 0, null)
    {
    }

    /// <summary>Creates the exception.</summary>
    public NetApiException(string message)
        : base(message)
    {
        Operation = message;
    }

    /// <summary>Creates the exception.</summary>
    public NetApiException(string message, Exception innerException)
        : base(message, innerException)
    {
        Operation = message;
    }

    /// <summary>What was attempted.</summary>
    public string Operation { get; } = "";

    /// <summary>The NET_API_STATUS code.</summary>
    public int Status => NativeErrorCode;

    /// <summary>The system's text for <see cref="Status"/>, when it could be read.</summary>
    public string? SystemText { get; }

    /// <summary>
    /// True when the password was refused by the machine's password policy (minimum length, complexity, history):
    /// another, random password may pass where this one did not.
    /// </summary>
    public bool IsPasswordPolicyFailure => IsPasswordPolicy(Status);

    /// <summary>True for the codes that mean "this password does not meet the policy".</summary>
    public static bool IsPasswordPolicy(int status) => status is PasswordTooShort or PasswordHistoryConflict or PasswordRestriction;

    /// <summary>"NERR 2245" for network-management codes, "error 5" for system ones.</summary>
    public static string Describe(int status) =>
        status is >= NerrBase and <= MaxNerr
            ? "NET_API_STATUS " + status.ToString(System.Globalization.CultureInfo.InvariantCulture) + " NERR"
            : "NET_API_STATUS " + status.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
