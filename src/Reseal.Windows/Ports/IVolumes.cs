namespace Reseal.Windows.Ports;

/// <summary>A mounted volume.</summary>
public sealed record VolumeInfo(string RootPath, string? Label, string? FileSystem, long? TotalBytes, long? FreeBytes);

/// <summary>The machine's volumes.</summary>
public interface IVolumes
{
    /// <summary>The volumes that are ready, sorted by root.</summary>
    IReadOnlyList<VolumeInfo> ListVolumes();

    /// <summary>
    /// Moves the volume mounted at <paramref name="volumeRoot"/> (<c>E:\</c>) to drive letter <paramref name="letter"/>
    /// (A–Z): its volume name is read, the old letter removed and the new one set, as Microsoft's "Editing drive letter
    /// assignments" does (GetVolumeNameForVolumeMountPoint, DeleteVolumeMountPoint, SetVolumeMountPoint). When the new
    /// letter cannot be set the old one is put back before the error is thrown. Needs a running Windows.
    /// </summary>
    /// <exception cref="System.ComponentModel.Win32Exception">A call failed (the letter is in use, no such volume).</exception>
    /// <exception cref="PlatformNotSupportedException">Not a running Windows.</exception>
    void SetDriveLetter(string volumeRoot, char letter);
}
