using Reseal.Windows.Ports;

namespace Reseal.Windows.Events;

/// <summary>
/// An event source's registration: <c>HKLM\SYSTEM\CurrentControlSet\Services\EventLog\Application\&lt;source&gt;</c> with
/// <c>EventMessageFile</c> (REG_EXPAND_SZ) and <c>TypesSupported</c> (7: error, warning, information). Event Viewer
/// formats an event by looking its ID up in the message file; without a registration it still shows the event, with
/// "The description for Event ID … cannot be found". Works on any <see cref="IRegistry"/>, so a seal can register the
/// source in an offline image too.
/// <para>
/// The message file: Reseal uses a generic one, whose message for every ID 0–65535 is just the first insertion string,
/// so each event shows the text the agent wrote. A self-contained .NET app does not carry one (the runtime's
/// <c>System.Diagnostics.EventLog.Messages.dll</c> ships with the ASP.NET Core and Windows Desktop runtimes and the
/// System.Diagnostics.EventLog package, not with Microsoft.NETCore.App), so <see cref="ChooseMessageFile"/> takes that
/// DLL when it sits next to reseal.exe and otherwise .NET Framework 4's <c>EventLogMessages.dll</c>, which is part of
/// every supported Windows Server and Windows 10/11 (.NET Framework 4.x is in the box).
/// </para>
/// </summary>
public static class EventLogSource
{
    /// <summary>The Application log's sources, below <see cref="RegistryHive.System"/>.</summary>
    public const string ApplicationLogKey = @"CurrentControlSet\Services\EventLog\Application";

    /// <summary>.NET Framework 4's generic message file (expanded by Event Viewer).</summary>
    public const string FrameworkMessageFile = @"%SystemRoot%\Microsoft.NET\Framework64\v4.0.30319\EventLogMessages.dll";

    /// <summary>The .NET (Core) runtime's generic message file name, used when it is next to the executable.</summary>
    public const string RuntimeMessageFileName = "System.Diagnostics.EventLog.Messages.dll";

    /// <summary>TypesSupported: EVENTLOG_ERROR_TYPE | EVENTLOG_WARNING_TYPE | EVENTLOG_INFORMATION_TYPE.</summary>
    public const uint TypesSupported = 0x7;

    /// <summary>The source's key below <see cref="RegistryHive.System"/>.</summary>
    public static string KeyPath(string source)
    {
        ValidateSource(source);
        return ApplicationLogKey + "\\" + source;
    }

    /// <summary>
    /// The message file to register: <see cref="RuntimeMessageFileName"/> in <paramref name="executableDirectory"/> when
    /// <paramref name="fileExists"/> says it is there, else <see cref="FrameworkMessageFile"/>.
    /// </summary>
    public static string ChooseMessageFile(string executableDirectory, Func<string, bool> fileExists)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(executableDirectory);
        ArgumentNullException.ThrowIfNull(fileExists);
        var local = executableDirectory.TrimEnd('\\') + "\\" + RuntimeMessageFileName;
        return fileExists(local) ? local : FrameworkMessageFile;
    }

    /// <summary>Registers (or re-points) a source in the Application log.</summary>
    public static void Register(IRegistry registry, string source, string messageFile)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentException.ThrowIfNullOrWhiteSpace(messageFile);
        var key = KeyPath(source);
        registry.SetValue(RegistryHive.System, key, "EventMessageFile", RegistryData.FromString(messageFile, expandable: true));
        registry.SetValue(RegistryHive.System, key, "TypesSupported", RegistryData.FromDWord(TypesSupported));
    }

    /// <summary>The registered message file, or null when the source is not registered.</summary>
    public static string? FindMessageFile(IRegistry registry, string source)
    {
        ArgumentNullException.ThrowIfNull(registry);
        return registry.GetString(RegistryHive.System, KeyPath(source), "EventMessageFile");
    }

    /// <summary>Removes a source's registration; false when there was none. Events already written stay in the log.</summary>
    public static bool Unregister(IRegistry registry, string source)
    {
        ArgumentNullException.ThrowIfNull(registry);
        return registry.DeleteKey(RegistryHive.System, KeyPath(source));
    }

    private static void ValidateSource(string source)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(source);
        if (source.Length > 211 || source.IndexOfAny(['\\', '/']) >= 0 || source.Any(char.IsControl))
        {
            throw new ArgumentException($"'{source}' is not an event source name (no slash, backslash or control character)", nameof(source));
        }
    }
}
