using System.Text;
using System.Text.Json;
using Reseal.Agent.Boot.Config;
using Reseal.Agent.Boot.Runner;
using Reseal.Cloud.Passwords;
using Reseal.Windows.Layout;

namespace Reseal.Agent.Boot.ConsoleOutput;

/// <summary>
/// The serial-console (COM1) lines, with the exact texts existing tools match on (protocols.md §1 and §6): each line is
/// <c>YYYY/MM/DD HH:MM:SSZ: text</c> in UTC and ends with CRLF. Pure functions: the caller writes them.
/// </summary>
/// <remarks>
/// Values from outside (instance id, host name, user name) are stripped of control characters, so metadata cannot start
/// a forged console line (a fake <c>Password:</c> block, say).
/// </remarks>
public static class ConsoleLines
{
    /// <summary>The line end on the console.</summary>
    public const string LineEnd = FirstBootConsole.LineEnd;

    /// <summary>First line after specialize (every agent).</summary>
    public const string SysprepComplete = FirstBootConsole.SysprepComplete;

    /// <summary>Before waiting for the metadata service.</summary>
    public const string WaitingForMetadata = "Message: Waiting for meta-data accessibility...";

    /// <summary>When the metadata service answered.</summary>
    public const string MetadataAvailable = "Message: Meta-data is now available.";

    /// <summary>When there is no metadata service.</summary>
    public const string MetadataNotAvailable = "Metadata is not available for this instance.";

    /// <summary>When waiting for metadata timed out.</summary>
    public const string MetadataTimedOut = "Timed out waiting for access to metadata.";

    /// <summary>The ready line (EC2Launch v2 event 5000), between preReady and postReady.</summary>
    public const string Ready = "Message: Windows is Ready to use";

    /// <summary>v2's error for a bad administrator password.</summary>
    public const string InvalidAdministratorPassword = "Message: Invalid administrator password";

    /// <summary>The JSON summary line's <c>type</c>.</summary>
    public const string SummaryType = "ResealAgentRun";

    /// <summary><c>2020/08/13 17:28:02Z: </c> for <paramref name="at"/> (converted to UTC).</summary>
    public static string Prefix(DateTimeOffset at) => FirstBootConsole.Prefix(at);

    /// <summary>One console line: prefix, text, CRLF.</summary>
    public static string Format(DateTimeOffset at, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Prefix(at) + text + LineEnd;
    }

    /// <summary>One console line stamped with <paramref name="time"/>'s current UTC time.</summary>
    public static string Format(TimeProvider time, string text)
    {
        ArgumentNullException.ThrowIfNull(time);
        return Format(time.GetUtcNow(), text);
    }

    /// <summary><c>Windows is being configured. SysprepState=IMAGE_STATE_…</c>.</summary>
    public static string BeingConfigured(string sysprepState) => FirstBootConsole.BeingConfigured(sysprepState);

    /// <summary><c>Launch: Reseal v0.1.0</c> (the agent line, in EC2Launch's <c>Launch: EC2 Launch v2.0.0</c> form).</summary>
    public static string Agent(string version) => "Launch: Reseal v" + Clean(version);

    /// <summary><c>Instance-ID: i-…</c>.</summary>
    public static string InstanceId(string instanceId) => "Instance-ID: " + Clean(instanceId);

    /// <summary><c>HOSTNAME: NAME</c>.</summary>
    public static string HostName(string hostName) => "HOSTNAME: " + Clean(hostName);

    /// <summary><c>RDPCERTIFICATE-SUBJECTNAME: NAME</c>.</summary>
    public static string RdpCertificateSubject(string subjectName) => "RDPCERTIFICATE-SUBJECTNAME: " + Clean(subjectName);

    /// <summary><c>RDPCERTIFICATE-THUMBPRINT: HEX</c>: the upper-case SHA-1 of the certificate's DER bytes.</summary>
    public static string RdpCertificateThumbprint(ReadOnlySpan<byte> certificateDer)
    {
#pragma warning disable CA5350 // A certificate thumbprint is SHA-1 by definition (what Windows and the EC2 console show); not a security use.
        return "RDPCERTIFICATE-THUMBPRINT: " + Convert.ToHexString(System.Security.Cryptography.SHA1.HashData(certificateDer));
#pragma warning restore CA5350
    }

    /// <summary><c>Username: NAME</c> (when no password is published, for example <c>doNothing</c>).</summary>
    public static string UserName(string userName) => "Username: " + Clean(userName);

    /// <summary><c>User data format: NAME</c> (<c>no_user_data</c>, <c>xml</c>, <c>yaml_1.1</c>…).</summary>
    public static string UserDataFormat(string formatName) => "User data format: " + Clean(formatName);

    /// <summary><c>Message: Invalid administrator username: NAME</c>.</summary>
    public static string InvalidAdministratorUserName(string userName) => "Message: Invalid administrator username: " + Clean(userName);

    /// <summary><c>Unable to send the password to console: REASON</c> (no launch key, for example).</summary>
    public static string UnableToSendPassword(string reason) => "Unable to send the password to console: " + Clean(reason);

    /// <summary>
    /// The password block in the multi-line form real EC2 output shows: <c>Username:</c> and <c>Password: &lt;Password&gt;</c>
    /// carry the prefix, the base64 ciphertext and <c>&lt;/Password&gt;</c> stand alone on their lines (protocols.md §6).
    /// </summary>
    public static string PasswordBlock(DateTimeOffset at, string userName, string ciphertextBase64)
    {
        var lines = ConsolePasswordBlock.Format(Clean(userName), ciphertextBase64);
        var text = new StringBuilder();
        for (var i = 0; i < lines.Count; i++)
        {
            text.Append(i < 2 ? Prefix(at) : string.Empty).Append(lines[i]).Append(LineEnd);
        }

        return text.ToString();
    }

    /// <summary>
    /// The one JSON line after the run: <c>{"type":"ResealAgentRun","instanceId":…,"readyAfterMs":…,"tasks":[{"stage",
    /// "task","entry","outcome","durationMs","exitCode","message"}]}</c>, tasks in run order. No prefix-less line
    /// breaks inside, so it is one console line.
    /// </summary>
    public static string Summary(DateTimeOffset at, string instanceId, TimeSpan? readyAfter, IEnumerable<TaskOutcome> outcomes)
    {
        ArgumentNullException.ThrowIfNull(outcomes);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("type", SummaryType);
            json.WriteString("instanceId", instanceId);
            if (readyAfter is { } ready)
            {
                json.WriteNumber("readyAfterMs", (long)ready.TotalMilliseconds);
            }

            json.WriteStartArray("tasks");
            foreach (var outcome in outcomes)
            {
                json.WriteStartObject();
                json.WriteString("stage", outcome.Stage.ToYamlName());
                json.WriteString("task", outcome.Task);
                json.WriteNumber("entry", outcome.Entry);
                json.WriteString("outcome", JsonNamingPolicy.CamelCase.ConvertName(outcome.Outcome.ToString()));
                json.WriteNumber("durationMs", (long)outcome.Duration.TotalMilliseconds);
                if (outcome.ExitCode is { } code)
                {
                    json.WriteNumber("exitCode", code);
                }

                if (outcome.Message is { } message)
                {
                    json.WriteString("message", message);
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Format(at, Encoding.UTF8.GetString(buffer.ToArray()));
    }

    /// <summary>
    /// <paramref name="value"/> with every control character (CR, LF, the other C0 and C1 codes, DEL) replaced by a
    /// space, so it stays on its own console line and cannot start a forged one.
    /// </summary>
    internal static string OneLine(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return value.Any(char.IsControl) ? new string([.. value.Select(c => char.IsControl(c) ? ' ' : c)]) : value;
    }

    private static string Clean(string value) => FirstBootConsole.Clean(value);
}
