using System.Buffers.Binary;
using System.Globalization;
using Reseal.Registry;
using Reseal.Windows.Ports;

namespace Reseal.Windows.Serial;

/// <summary>
/// A Boot Configuration Data store read as the registry holds it: <c>Objects\{object id}\Elements\{element type as 8
/// hex digits}</c>, value <c>Element</c>. Booleans are one byte, integers little-endian (1 to 8 bytes), objects a GUID
/// string. The running Windows mounts its system store at <c>HKLM\BCD00000000</c>; offline it is the hive file
/// <c>\Boot\BCD</c> (BIOS) or <c>\EFI\Microsoft\Boot\BCD</c> (UEFI) on the system partition.
/// </summary>
public interface IBcdStore
{
    /// <summary>Where the store was read from (for messages).</summary>
    string Source { get; }

    /// <summary>The raw value of an element (REG_BINARY bytes, or the UTF-16 text of a REG_SZ), or null when absent.</summary>
    RegistryData? GetElement(string objectId, uint elementType);
}

/// <summary>A BCD store in a hive file (the system partition's <c>Boot\BCD</c>), read with Reseal.Registry.</summary>
public sealed class BcdHiveStore : IBcdStore
{
    private readonly Hive _hive;

    private BcdHiveStore(Hive hive, string source)
    {
        _hive = hive;
        Source = source;
    }

    /// <inheritdoc/>
    public string Source { get; }

    /// <summary>Opens a BCD hive file; throws <see cref="HiveFormatException"/> (naming the file) when it is not a hive.</summary>
    public static BcdHiveStore Open(string path) => new(Hive.Open(path), path);

    /// <inheritdoc/>
    public RegistryData? GetElement(string objectId, uint elementType)
    {
        ArgumentNullException.ThrowIfNull(objectId);
        var value = _hive.OpenKey(EmsDetection.ElementPath(objectId, elementType))?.GetValue("Element");
        return value is { } v ? new RegistryData(v.RawType, v.GetData()) : null;
    }
}

/// <summary>
/// Whether Emergency Management Services (EMS) and its Special Administration Console (SAC) may own a serial port, as
/// the boot configuration and the <c>sacdrv</c> driver say. <c>bcdedit /ems {entry} on</c> sets
/// <c>BcdOSLoaderBoolean_EmsEnabled</c> (0x260000B0) on the loader entry, <c>bcdedit /bootems</c>
/// <c>BcdLibraryBoolean_EmsEnabled</c> (0x16000020), and <c>bcdedit /emssettings EMSPORT:n EMSBAUDRATE:b</c> the port
/// (0x15000022) and rate (0x15000023) of the <c>{emssettings}</c> object; with <c>/emssettings BIOS</c> or on UEFI the
/// firmware's SPCR table picks the port, so no port is stored (docs/windows-behaviour.md has the sources).
/// </summary>
/// <param name="LoaderEms">EMS for the default boot entry (<c>ems</c>), or null when the store says nothing.</param>
/// <param name="BootEms">EMS for the boot applications (<c>bootems</c> in <c>{emssettings}</c> or <c>{bootmgr}</c>).</param>
/// <param name="EmsPort">The COM port number EMS uses (<c>emsport</c>), or null when the firmware decides.</param>
/// <param name="EmsBaudRate">Its rate (<c>emsbaudrate</c>), or null.</param>
/// <param name="BcdSource">Where the boot configuration was read, or null when it could not be.</param>
/// <param name="BcdProblem">Why the boot configuration could not be read, or null.</param>
/// <param name="Sac">The <c>sacdrv</c> driver (SAC), or null when it is not installed or was not checked.</param>
/// <param name="SacChecked">The services were read (false: no service port was given, or reading failed).</param>
public sealed record EmsFacts(bool? LoaderEms, bool? BootEms, int? EmsPort, int? EmsBaudRate, string? BcdSource, string? BcdProblem, ServiceInfo? Sac, bool SacChecked)
{
    /// <summary>EMS is on for the default entry and uses <paramref name="comPort"/> (or a port the firmware picks).</summary>
    public bool EmsOn(int comPort) => LoaderEms == true && (EmsPort is null || EmsPort == comPort);

    /// <summary>The SAC driver runs in this boot: EMS is active and holds its port.</summary>
    public bool SacRunning => Sac?.State == ServiceRunState.Running;

    /// <summary>Says who may own <paramref name="portName"/> (e.g. <c>COM1</c>), for console.log and agent.log.</summary>
    public string Describe(string portName)
    {
        ArgumentNullException.ThrowIfNull(portName);
        var number = EmsDetection.PortNumber(portName);
        var emsPort = EmsPort is { } p ? $"COM{p}" : "the port the firmware's SPCR table names";
        var rate = EmsBaudRate is { } b ? $" at {b} baud" : "";
        var parts = new List<string>();
        if (LoaderEms == true)
        {
            parts.Add($"Emergency Management Services is on for the default boot entry (bcdedit /ems), redirected to {emsPort}{rate} ({BcdSource})");
        }
        else if (BcdSource is not null)
        {
            parts.Add($"Emergency Management Services is off for the default boot entry ({BcdSource})");
        }
        else
        {
            parts.Add($"the boot configuration could not be read ({BcdProblem ?? "no store"})");
        }

        if (BootEms == true)
        {
            parts.Add("EMS is on for the boot manager too (bcdedit /bootems)");
        }

        parts.Add(Sac switch
        {
            null when !SacChecked => "whether the SAC driver (sacdrv) runs was not checked",
            null => "the SAC driver (sacdrv) is not installed",
            { State: ServiceRunState.Running } => "the Special Administration Console driver (sacdrv) is running",
            { State: ServiceRunState.Unknown } => "the SAC driver (sacdrv) is installed; whether it runs is not known",
            _ => $"the SAC driver (sacdrv) is installed but {Sac.State.ToString().ToLowerInvariant()}",
        });

        var verdict = (EmsOn(number ?? -1) || SacRunning) && (EmsPort is null || EmsPort == number)
            ? $"SAC most likely holds {portName}: turn EMS off (bcdedit /ems {{current}} off, then restart) to give it back to the agent"
            : $"nothing here says SAC holds {portName}";
        return string.Join("; ", parts) + "; " + verdict;
    }
}

/// <summary>Reads <see cref="EmsFacts"/> from a BCD store and the services.</summary>
public static class EmsDetection
{
    /// <summary><c>{emssettings}</c>, the global EMS settings object.</summary>
    public const string EmsSettingsObject = "{0ce4991b-e6b3-4b16-b23c-5e0d9250e5d9}";

    /// <summary><c>{bootmgr}</c>, the Windows Boot Manager.</summary>
    public const string BootManagerObject = "{9dea862c-5cdd-4e70-acc1-f32b344d4795}";

    /// <summary>The SAC driver's service name.</summary>
    public const string SacService = "sacdrv";

    /// <summary>BcdBootMgrObject_DefaultObject: the default boot entry.</summary>
    public const uint DefaultObject = 0x23000003;

    /// <summary>BcdOSLoaderBoolean_EmsEnabled (<c>bcdedit /ems</c>).</summary>
    public const uint LoaderEmsEnabled = 0x260000B0;

    /// <summary>BcdLibraryBoolean_EmsEnabled (<c>bcdedit /bootems</c>).</summary>
    public const uint LibraryEmsEnabled = 0x16000020;

    /// <summary>BcdLibraryInteger_EmsPort (<c>/emssettings EMSPORT</c>).</summary>
    public const uint EmsPortElement = 0x15000022;

    /// <summary>BcdLibraryInteger_EmsBaudRate (<c>/emssettings EMSBAUDRATE</c>).</summary>
    public const uint EmsBaudRateElement = 0x15000023;

    /// <summary>The key of an element below the store's root.</summary>
    public static string ElementPath(string objectId, uint elementType) =>
        $@"Objects\{objectId}\Elements\{elementType.ToString("x8", CultureInfo.InvariantCulture)}";

    /// <summary>
    /// Reads the facts. A store that cannot be read (absent, not a hive, access denied) is said in
    /// <see cref="EmsFacts.BcdProblem"/>; services that cannot be read leave <see cref="EmsFacts.Sac"/> null.
    /// </summary>
    public static EmsFacts Read(Func<IBcdStore> openStore, IServices? services)
    {
        ArgumentNullException.ThrowIfNull(openStore);
        bool? loader = null, boot = null;
        int? port = null, rate = null;
        string? source = null, problem = null;
        try
        {
            var store = openStore();
            source = store.Source;
            var entry = Text(store.GetElement(BootManagerObject, DefaultObject));
            loader = entry is null ? null : Boolean(store.GetElement(entry, LoaderEmsEnabled));
            boot = Boolean(store.GetElement(EmsSettingsObject, LibraryEmsEnabled)) ?? Boolean(store.GetElement(BootManagerObject, LibraryEmsEnabled));
            port = Integer(store.GetElement(EmsSettingsObject, EmsPortElement));
            rate = Integer(store.GetElement(EmsSettingsObject, EmsBaudRateElement));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or HiveFormatException or System.Security.SecurityException or PlatformNotSupportedException)
        {
            problem = e.Message;
        }

        ServiceInfo? sac = null;
        var sacChecked = false;
        try
        {
            sac = services?.Find(SacService);
            sacChecked = services is not null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.ComponentModel.Win32Exception)
        {
            problem = (problem is null ? "" : problem + "; ") + $"services could not be read: {e.Message}";
        }

        return new EmsFacts(loader, boot, port, rate, source, problem, sac, sacChecked);
    }

    /// <summary>The number of a port name such as <c>COM1</c> or <c>\\.\COM4</c>, or null.</summary>
    public static int? PortNumber(string portName)
    {
        ArgumentNullException.ThrowIfNull(portName);
        var name = portName.StartsWith(@"\\.\", StringComparison.Ordinal) ? portName[4..] : portName;
        return name.StartsWith("COM", StringComparison.OrdinalIgnoreCase) && int.TryParse(name.AsSpan(3), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;
    }

    private static string? Text(RegistryData? data) => data is { IsString: true } ? data.AsString()?.Trim() : null;

    private static bool? Boolean(RegistryData? data) => data is { IsString: false, Bytes.Length: >= 1 } ? data.Bytes.Any(b => b != 0) : null;

    private static int? Integer(RegistryData? data)
    {
        if (data is not { IsString: false, Bytes.Length: >= 1 and <= 8 })
        {
            return null;
        }

        Span<byte> padded = stackalloc byte[8];
        data.Bytes.AsSpan().CopyTo(padded);
        var value = BinaryPrimitives.ReadUInt64LittleEndian(padded);
        return value <= int.MaxValue ? (int)value : null;
    }
}
