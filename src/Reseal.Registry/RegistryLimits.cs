namespace Reseal.Registry;

/// <summary>
/// Windows' registry element size limits (learn.microsoft.com/windows/win32/sysinfo/registry-element-size-limits):
/// a key name is at most 255 characters, a value name at most 16,383, and a tree at most 512 levels deep. Paths and
/// names from users are checked against them at the edge, with a message saying which limit and by how much.
/// </summary>
public static class RegistryLimits
{
    /// <summary>Longest key name (one path component), in UTF-16 characters.</summary>
    public const int MaxKeyNameLength = 255;

    /// <summary>Longest value name, in UTF-16 characters.</summary>
    public const int MaxValueNameLength = 16383;

    /// <summary>Deepest key nesting below the root.</summary>
    public const int MaxDepth = 512;

    /// <summary>Why a key path (backslash-separated, relative to the root) breaks a limit, or null when it does not.</summary>
    public static string? CheckKeyPath(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var depth = 0;
        foreach (var range in path.AsSpan().Split('\\'))
        {
            var length = range.End.GetOffset(path.Length) - range.Start.GetOffset(path.Length);
            if (length == 0)
            {
                continue;
            }

            if (++depth > MaxDepth)
            {
                return $"the key path is more than {MaxDepth} levels deep (Windows' limit)";
            }

            if (length > MaxKeyNameLength)
            {
                return $"key name {depth} of the path is {length} characters long, more than the {MaxKeyNameLength} Windows allows";
            }
        }

        return null;
    }

    /// <summary>Why a value name breaks a limit, or null when it does not.</summary>
    public static string? CheckValueName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.Length > MaxValueNameLength
            ? $"the value name is {name.Length} characters long, more than the {MaxValueNameLength} Windows allows"
            : null;
    }
}
