using System.Runtime.Versioning;
using Reseal.Windows.Ports;

namespace Reseal.Windows.Live;

/// <summary>Volumes through DriveInfo.</summary>
[SupportedOSPlatform("windows")]
public sealed class LiveVolumes : IVolumes
{
    /// <summary>Creates the port; throws off Windows.</summary>
    public LiveVolumes() => LiveWindows.Guard("LiveVolumes");

    /// <inheritdoc/>
    public IReadOnlyList<VolumeInfo> ListVolumes() =>
        DriveInfo.GetDrives().Where(d => d.IsReady)
            .Select(d => new VolumeInfo(d.RootDirectory.FullName, d.VolumeLabel, d.DriveFormat, d.TotalSize, d.AvailableFreeSpace))
            .OrderBy(v => v.RootPath, StringComparer.OrdinalIgnoreCase).ToList();
}
