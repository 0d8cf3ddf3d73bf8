namespace Reseal.Windows.Ports;

/// <summary>A mounted volume.</summary>
public sealed record VolumeInfo(string RootPath, string? Label, string? FileSystem, long? TotalBytes, long? FreeBytes);

/// <summary>The machine's volumes.</summary>
public interface IVolumes
{
    /// <summary>The volumes that are ready, sorted by root.</summary>
    IReadOnlyList<VolumeInfo> ListVolumes();
}
