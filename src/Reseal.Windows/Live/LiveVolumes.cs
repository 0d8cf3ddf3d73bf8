using System.ComponentModel;
using System.Runtime.InteropServices;
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

    /// <inheritdoc/>
    public void SetDriveLetter(string volumeRoot, char letter)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(volumeRoot);
        if (!char.IsAsciiLetter(letter))
        {
            throw new ArgumentOutOfRangeException(nameof(letter), letter, "a drive letter is A to Z");
        }

        // Mount points end with a backslash ("E:\"); the volume name comes back as \\?\Volume{GUID}\.
        var oldRoot = volumeRoot.TrimEnd('\\') + "\\";
        var newRoot = char.ToUpperInvariant(letter) + ":\\";
        var buffer = new char[NativeMethods.VolumeNameLength];
        if (!NativeMethods.GetVolumeNameForVolumeMountPoint(oldRoot, buffer, buffer.Length))
        {
            throw new Win32Exception(Marshal.GetLastPInvokeError(), $"no volume is mounted at {oldRoot}");
        }

        var volume = new string(buffer, 0, Array.IndexOf(buffer, '\0') is var end and >= 0 ? end : buffer.Length);
        if (!NativeMethods.DeleteVolumeMountPoint(oldRoot))
        {
            throw new Win32Exception(Marshal.GetLastPInvokeError(), $"could not remove drive letter {oldRoot}");
        }

        if (!NativeMethods.SetVolumeMountPoint(newRoot, volume))
        {
            var error = Marshal.GetLastPInvokeError();
            // Never leave the volume without a letter: put the old one back before reporting.
            var restored = NativeMethods.SetVolumeMountPoint(oldRoot, volume);
            throw new Win32Exception(error, $"could not mount {volume} at {newRoot}" + (restored ? $"; it stays at {oldRoot}" : $"; it could not be put back at {oldRoot} either"));
        }
    }
}
