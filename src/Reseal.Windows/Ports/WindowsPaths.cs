namespace Reseal.Windows.Ports;

/// <summary>Windows path helpers that do not depend on the host OS: expansion of the well-known variables and splitting.</summary>
public static class WindowsPaths
{
    /// <summary>
    /// Expands <c>%WINDIR%</c>, <c>%SystemRoot%</c>, <c>%SystemDrive%</c>, <c>%ProgramFiles%</c>, <c>%ProgramFiles(x86)%</c>,
    /// <c>%ProgramData%</c> and <c>%ALLUSERSPROFILE%</c> (any case) as on a default installation; turns <c>/</c> into
    /// <c>\</c> and a root-relative <c>\x</c> into <c>C:\x</c>. Other variables are an error: guessing them would touch the wrong file.
    /// </summary>
    public static string Expand(string windowsPath, char systemDrive = 'C')
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(windowsPath);
        var drive = char.ToUpperInvariant(systemDrive) + ":";
        var path = windowsPath.Replace('/', '\\');
        var text = new System.Text.StringBuilder();
        var at = 0;
        while (at < path.Length)
        {
            var open = path.IndexOf('%', at);
            if (open < 0)
            {
                text.Append(path, at, path.Length - at);
                break;
            }

            var close = path.IndexOf('%', open + 1);
            if (close < 0)
            {
                throw new ArgumentException($"unbalanced % in path '{windowsPath}'", nameof(windowsPath));
            }

            text.Append(path, at, open - at);
            var name = path[(open + 1)..close];
            text.Append(name.ToUpperInvariant() switch
            {
                "WINDIR" or "SYSTEMROOT" => drive + @"\Windows",
                "SYSTEMDRIVE" => drive,
                "PROGRAMFILES" => drive + @"\Program Files",
                "PROGRAMFILES(X86)" => drive + @"\Program Files (x86)",
                "PROGRAMDATA" or "ALLUSERSPROFILE" => drive + @"\ProgramData",
                _ => throw new ArgumentException($"unknown variable %{name}% in path '{windowsPath}'", nameof(windowsPath)),
            });
            at = close + 1;
        }

        var expanded = text.ToString();
        if (expanded.StartsWith('\\') && !expanded.StartsWith(@"\\", StringComparison.Ordinal))
        {
            expanded = drive + expanded;
        }

        return expanded;
    }

    /// <summary>
    /// The components of an absolute path on the system drive, after expansion. Throws <see cref="ArgumentException"/>
    /// for another drive, a UNC or device path, a relative path, or a <c>..</c> component (no escaping the tree).
    /// </summary>
    public static IReadOnlyList<string> Components(string windowsPath, char systemDrive = 'C')
    {
        var expanded = Expand(windowsPath, systemDrive);
        if (expanded.Length < 2 || expanded[1] != ':' || !char.IsAsciiLetter(expanded[0]))
        {
            throw new ArgumentException($"'{windowsPath}' is not an absolute Windows path (C:\\…)", nameof(windowsPath));
        }

        if (char.ToUpperInvariant(expanded[0]) != char.ToUpperInvariant(systemDrive))
        {
            throw new ArgumentException($"'{windowsPath}' is on drive {char.ToUpperInvariant(expanded[0])}:, but this tree is drive {char.ToUpperInvariant(systemDrive)}:", nameof(windowsPath));
        }

        if (expanded.Length > 2 && expanded[2] != '\\')
        {
            throw new ArgumentException($"'{windowsPath}' is drive-relative; give a full path", nameof(windowsPath));
        }

        var parts = new List<string>();
        foreach (var part in expanded[2..].Split('\\', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == ".")
            {
                continue;
            }

            if (part == ".." || part.IndexOfAny([':', '*', '?', '"', '<', '>', '|', '\0']) >= 0)
            {
                throw new ArgumentException($"'{windowsPath}' has a component '{part}' that is not allowed here", nameof(windowsPath));
            }

            parts.Add(part.TrimEnd(' ', '.') is { Length: > 0 } trimmed ? trimmed : part);
        }

        return parts;
    }
}
