using Reseal.Unattend.Catalog;

namespace Reseal.Unattend.Model;

/// <summary>What an answer file says about the image it is for: its Windows release and processor architectures.</summary>
public static class AnswerFileTargets
{
    /// <summary>The processor architectures WSIM writes.</summary>
    public static IReadOnlySet<string> KnownArchitectures { get; } = new HashSet<string>(StringComparer.Ordinal) { "x86", "amd64", "wow64", "arm64" };

    /// <summary>
    /// The release the file's <c>cpi:offlineImage cpi:source</c> names (the image WSIM validated the file against), or null.
    /// </summary>
    public static WindowsRelease? OfflineImageRelease(AnswerFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        var image = file.Root.Element(UnattendNames.OfflineImage);
        return WindowsRelease.FromImageName(image?.Attribute(UnattendNames.Cpi + "source")?.Value);
    }

    /// <summary>
    /// The image architectures the file's components name, in order of appearance; <c>wow64</c> (the 32-bit half of a
    /// 64-bit image) and unknown values are left out.
    /// </summary>
    public static IReadOnlyList<string> Architectures(AnswerFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        var found = new List<string>();
        foreach (var settings in file.Passes)
        {
            foreach (var component in settings.Components)
            {
                if (component.ProcessorArchitecture is { } arch && arch != "wow64" && KnownArchitectures.Contains(arch) && !found.Contains(arch))
                {
                    found.Add(arch);
                }
            }
        }

        return found;
    }

    /// <summary>True when a component of <paramref name="componentArchitecture"/> applies to an image of <paramref name="imageArchitecture"/>.</summary>
    public static bool Applies(string? componentArchitecture, string imageArchitecture) =>
        componentArchitecture == imageArchitecture || (componentArchitecture == "wow64" && imageArchitecture == "amd64");
}
