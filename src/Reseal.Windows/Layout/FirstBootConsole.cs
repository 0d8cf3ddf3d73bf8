using System.Globalization;

namespace Reseal.Windows.Layout;

/// <summary>
/// The serial-console (COM1) line format the seal and the agent share (protocols.md §1): each line is
/// <c>YYYY/MM/DD HH:MM:SSZ: text</c> in UTC, ending with CRLF; tools watching an image being built and a clone booting
/// match these texts. The agent's own lines are built on these (its ConsoleLines).
/// </summary>
public static class FirstBootConsole
{
    /// <summary>The line end on the console.</summary>
    public const string LineEnd = "\r\n";

    /// <summary>First line after specialize (every agent).</summary>
    public const string SysprepComplete = "Windows sysprep configuration complete.";

    /// <summary><c>2020/08/13 17:28:02Z: </c> for <paramref name="at"/> (converted to UTC).</summary>
    public static string Prefix(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy'/'MM'/'dd HH':'mm':'ss'Z: '", CultureInfo.InvariantCulture);

    /// <summary><c>Windows is being configured. SysprepState=IMAGE_STATE_…</c> (at each ImageState change while sealing).</summary>
    public static string BeingConfigured(string sysprepState) => "Windows is being configured. SysprepState=" + Clean(sysprepState);

    /// <summary>
    /// A value from outside with control characters made spaces, so it cannot start a forged console line (a fake
    /// <c>Password:</c> block, say).
    /// </summary>
    public static string Clean(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return value.Any(char.IsControl) ? new string([.. value.Select(c => char.IsControl(c) ? ' ' : c)]).Trim() : value;
    }
}
