namespace Reseal.Cli;

/// <summary>The process exit codes of <c>reseal</c>; documented in the README.</summary>
internal static class ExitCodes
{
    /// <summary>Success.</summary>
    public const int Success = 0;

    /// <summary>Findings at or above the threshold, or a failed check.</summary>
    public const int Findings = 1;

    /// <summary>Usage error: unknown command or option, missing or invalid argument.</summary>
    public const int Usage = 2;

    /// <summary>Unreadable or malformed input.</summary>
    public const int BadInput = 3;

    /// <summary>Wrong environment: missing tool, not admin, wrong OS.</summary>
    public const int WrongEnvironment = 4;
}

/// <summary>A usage error found after parsing (bad combination of options); exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>Input that cannot be used (unreadable, malformed); exit code 3.</summary>
internal sealed class BadInputException(string message) : Exception(message);

/// <summary>The environment is wrong for the command (no metadata service, wrong OS, missing tool); exit code 4.</summary>
internal sealed class EnvironmentException(string message) : Exception(message);
