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

    /// <inheritdoc/>
    public bool? IsActivated() => ReadActivated();

    /// <summary>
    /// Whether Windows is activated, from the Software Licensing service: SLGetLicensingStatusInformation for Windows'
    /// application ID lists every SKU's state, and Windows is activated when one of them is licensed (the SKU with the
    /// installed key; the others stay unlicensed, a key in its grace period is not activated), the state WMI's
    /// SoftwareLicensingProduct.LicenseStatus reports as 1. Null when the service cannot be asked or answers with an
    /// error (Wine 8's slc.dll forwards to a stub in sppc.dll that answers SL_E_RIGHT_NOT_CONSUMED; docs/windows-behaviour.md).
    /// </summary>
    internal static unsafe bool? ReadActivated()
    {
        try
        {
            if (NativeMethods.SLOpen(out var handle) < 0)
            {
                return null;
            }

            try
            {
                var application = NativeMethods.WindowsApplicationId;
                if (NativeMethods.SLGetLicensingStatusInformation(handle, &application, null, null, out var count, out var statuses) < 0 || statuses == 0)
                {
                    return null;
                }

                try
                {
                    return count is > 0 and <= MaxSkus
                        ? NativeMethods.AnyLicensed(new ReadOnlySpan<NativeMethods.LicensingStatus>((void*)statuses, (int)count))
                        : null;
                }
                finally
                {
                    NativeMethods.LocalFree(statuses);
                }
            }
            finally
            {
                _ = NativeMethods.SLClose(handle);
            }
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
    }

    /// <summary>More SKUs than any Windows installs (a Server edition lists a few dozen): a count beyond it is not believed.</summary>
    private const uint MaxSkus = 4096;
}
