using System.Collections.Immutable;
using Reseal.Windows.Ports;

namespace Reseal.Sysprep.Seal;

/// <summary>
/// Reads for planning that must not fail the plan: a file that cannot be read (I/O error, access denied, a path the
/// machine cannot expand) counts as absent, and the check that needs it says so.
/// </summary>
internal static class SafeFiles
{
    public static bool Exists(IWindowsFiles files, string path)
    {
        try
        {
            return files.FileExists(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return false;
        }
    }

    public static long? Length(IWindowsFiles files, string path)
    {
        try
        {
            return files.GetFileLength(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return null;
        }
    }

    public static ImmutableArray<byte> Read(IWindowsFiles files, string path)
    {
        try
        {
            return files.FileExists(path) ? [.. files.ReadAllBytes(path)] : default;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return default;
        }
    }

    public static ImmutableArray<string> List(IWindowsFiles files, string directory)
    {
        try
        {
            return [.. files.ListFiles(directory)];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return [];
        }
    }
}
