using System.Text;

namespace Reseal.Windows.Service;

/// <summary>
/// A service's command line (its <c>ImagePath</c>, the <c>lpBinaryPathName</c> of CreateService). The executable is always
/// quoted: the SCM starts an unquoted <c>C:\Program Files\Reseal\reseal.exe</c> by trying <c>C:\Program.exe</c> first,
/// so anyone who can write <c>C:\Program.exe</c> runs as LocalSystem (the "unquoted service path" escalation).
/// Arguments are quoted the way <c>CommandLineToArgvW</c> and the C runtime split them back.
/// </summary>
public static class ServiceCommandLine
{
    /// <summary>
    /// <c>"C:\Program Files\Reseal\reseal.exe" agent service</c> from the executable and its arguments. The executable must
    /// be a full path (<c>C:\...</c> or <c>\\server\share\...</c>) without quotes or control characters.
    /// </summary>
    public static string Build(string executablePath, IEnumerable<string> arguments)
    {
        ValidateExecutablePath(executablePath);
        ArgumentNullException.ThrowIfNull(arguments);
        var text = new StringBuilder().Append('"').Append(executablePath).Append('"');
        foreach (var argument in arguments)
        {
            ArgumentNullException.ThrowIfNull(argument, nameof(arguments));
            text.Append(' ');
            AppendArgument(text, argument);
        }

        return text.ToString();
    }

    /// <summary>One argument as CommandLineToArgvW reads it back: bare when it has no space, tab or quote; otherwise quoted with backslashes escaped.</summary>
    public static string QuoteArgument(string argument)
    {
        ArgumentNullException.ThrowIfNull(argument);
        var text = new StringBuilder();
        AppendArgument(text, argument);
        return text.ToString();
    }

    /// <summary>
    /// True when an existing service command line has the unquoted-path problem: it does not start with a quote and has a
    /// space before the end of its executable (the first <c>.exe</c>), so Windows would try a shorter path first.
    /// </summary>
    public static bool IsUnquotedPathWithSpaces(string imagePath)
    {
        ArgumentNullException.ThrowIfNull(imagePath);
        var trimmed = imagePath.TrimStart();
        if (trimmed.Length == 0 || trimmed[0] == '"')
        {
            return false;
        }

        var exe = trimmed.IndexOf(".exe", StringComparison.OrdinalIgnoreCase);
        var executable = exe < 0 ? trimmed : trimmed[..(exe + 4)];
        return executable.Contains(' ', StringComparison.Ordinal);
    }

    /// <summary>Throws <see cref="ArgumentException"/> unless the path is a full Windows path a service can be started from.</summary>
    public static void ValidateExecutablePath(string executablePath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(executablePath);
        if (executablePath.Contains('"', StringComparison.Ordinal) || executablePath.Any(char.IsControl))
        {
            throw new ArgumentException($"a service executable path cannot contain quotes or control characters: {executablePath}", nameof(executablePath));
        }

        var drive = executablePath.Length >= 3 && char.IsAsciiLetter(executablePath[0]) && executablePath[1] == ':' && executablePath[2] == '\\';
        var unc = executablePath.StartsWith(@"\\", StringComparison.Ordinal) && executablePath.Length > 2;
        if (!drive && !unc)
        {
            throw new ArgumentException($"a service executable needs a full Windows path (C:\\... or \\\\server\\share\\...), not '{executablePath}'", nameof(executablePath));
        }

        if (executablePath.EndsWith('\\'))
        {
            throw new ArgumentException($"a service executable path names a file, not a folder: {executablePath}", nameof(executablePath));
        }
    }

    private static void AppendArgument(StringBuilder text, string argument)
    {
        if (argument.Length > 0 && argument.IndexOfAny([' ', '\t', '\n', '\v', '"']) < 0)
        {
            text.Append(argument);
            return;
        }

        // CommandLineToArgvW: 2n backslashes before a quote are n backslashes and the quote delimits; 2n+1 are n and a
        // literal quote; backslashes elsewhere are literal. So double the run before a quote and before the closing quote.
        text.Append('"');
        var backslashes = 0;
        foreach (var c in argument)
        {
            if (c == '\\')
            {
                backslashes++;
                continue;
            }

            if (c == '"')
            {
                text.Append('\\', (backslashes * 2) + 1).Append('"');
            }
            else
            {
                text.Append('\\', backslashes).Append(c);
            }

            backslashes = 0;
        }

        text.Append('\\', backslashes * 2).Append('"');
    }
}
