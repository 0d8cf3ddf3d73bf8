using System.ComponentModel;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Reseal.Windows.Ports;

namespace Reseal.Windows.Live;

/// <summary>System facts from RtlGetVersion and the registry.</summary>
[SupportedOSPlatform("windows")]
public sealed class LiveSystemInfo : ISystemInfo
{
    private readonly IRegistry _registry;

    /// <summary>Creates the port; throws off Windows.</summary>
    public LiveSystemInfo(IRegistry registry)
    {
        LiveWindows.Guard("LiveSystemInfo");
        _registry = registry;
    }

    /// <inheritdoc/>
    public OsVersion GetOsVersion()
    {
        var fromRegistry = Offline.OfflineSystemInfo.ReadOsVersion(_registry);
        var info = new NativeMethods.OsVersionInfoExW { OsVersionInfoSize = (uint)Marshal.SizeOf<NativeMethods.OsVersionInfoExW>() };
        return NativeMethods.RtlGetVersion(ref info) == 0
            ? fromRegistry with { Major = (int)info.MajorVersion, Minor = (int)info.MinorVersion, Build = (int)info.BuildNumber, ProductType = info.ProductType }
            : fromRegistry;
    }

    /// <inheritdoc/>
    public string? GetComputerName() => Environment.MachineName;

    /// <inheritdoc/>
    public string? GetPendingComputerName() => ComputerNames.ReadPending(_registry);

    /// <inheritdoc/>
    public void SetComputerName(string name)
    {
        if (ComputerNames.Problem(name) is { } problem)
        {
            throw new ArgumentException($"'{name}' is not a valid computer name: {problem}", nameof(name));
        }

        if (!NativeMethods.SetComputerNameEx(NativeMethods.ComputerNamePhysicalDnsHostname, name))
        {
            throw new Win32Exception(Marshal.GetLastPInvokeError(), $"SetComputerNameExW({name}) failed");
        }
    }

    /// <inheritdoc/>
    public (ImageState State, string? RawText) GetImageState()
    {
        var text = _registry.GetValue(RegistryHive.Software, @"Microsoft\Windows\CurrentVersion\Setup\State", "ImageState")?.AsText();
        return (ImageStates.Parse(text), text);
    }

    /// <inheritdoc/>
    public ActivationInfo GetActivation() =>
        new(_registry.GetValue(RegistryHive.Software, @"Microsoft\Windows NT\CurrentVersion\SoftwareProtectionPlatform", "SkipRearm")?.AsDWord() == 1, null, null);
}
