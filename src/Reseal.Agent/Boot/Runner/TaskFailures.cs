using System.ComponentModel;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Xml;
using Reseal.Cloud;
using Reseal.Unattend.Model;
using Reseal.Windows.Ports;

namespace Reseal.Agent.Boot.Runner;

/// <summary>
/// Which exceptions a boot task may meet on a real machine (its failure, reported like any failed task) and which can
/// only be a bug in reseal (recorded as one, distinctly), and how an expected failure is said without naming .NET types.
/// </summary>
/// <remarks>
/// Expected: what the machine, the network or the data we were given can do to a correct task — I/O and access errors,
/// Win32 and COM errors, an unsupported platform, time-outs (including a timed-out request's cancellation), refused or
/// malformed metadata, keys and documents, a refused account change, a port's "no such account" and its validation of
/// names and paths that come from the configuration or the metadata. Anything else — a null dereference, a bad cast, an
/// index out of range, a null argument, an object used in the wrong state — is a bug: retrying it or calling it "the
/// task failed" would hide it.
/// </remarks>
internal static class TaskFailures
{
    /// <summary>True when <paramref name="e"/> is a failure a correct task can meet; false for a bug.</summary>
    public static bool IsExpected(Exception e) => e switch
    {
        ArgumentNullException => false,
        IOException or UnauthorizedAccessException or ExternalException or PlatformNotSupportedException or TimeoutException
            or System.Net.Http.HttpRequestException or OperationCanceledException => true,
        CloudException or AccountChangeRefusedException or KeyNotFoundException or ArgumentException => true,
        JsonException or XmlException or FormatException or AnswerFileFormatException or Reseal.Registry.HiveFormatException => true,
        System.Security.Cryptography.CryptographicException => true,
        _ => false,
    };

    /// <summary>
    /// The failure in one line for the console and the state: the exception's own message, or, for a task that handles
    /// secrets (whose messages may quote one), only what kind of failure it was.
    /// </summary>
    public static string Describe(Exception e, bool handlesSecrets) => handlesSecrets ? Kind(e) + " (details withheld: the task handles secrets)" : e.Message;

    private static string Kind(Exception e) => e switch
    {
        Win32Exception w => string.Create(CultureInfo.InvariantCulture, $"Windows error {w.NativeErrorCode}"),
        ExternalException x => string.Create(CultureInfo.InvariantCulture, $"Windows error 0x{x.ErrorCode:X8}"),
        FileNotFoundException or DirectoryNotFoundException => "a file or folder was not found",
        UnauthorizedAccessException => "access denied",
        IOException => "a file or device could not be read or written",
        PlatformNotSupportedException => "not supported on this system",
        TimeoutException or OperationCanceledException => "timed out",
        System.Net.Http.HttpRequestException => "a network request failed",
        CloudException => "the metadata or key material was refused",
        AccountChangeRefusedException => "Windows refused the account change",
        KeyNotFoundException => "the account or service was not found",
        ArgumentException => "a name or path was not valid",
        System.Security.Cryptography.CryptographicException => "a cryptographic operation failed",
        _ => "the data could not be read",
    };
}
