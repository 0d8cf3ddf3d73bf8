using System.Text;
using System.Text.RegularExpressions;

namespace Reseal.Sysprep.Inspection;

/// <summary>
/// Hides passwords in scripts before they are shown (DESIGN.md: passwords are never logged or printed in clear):
/// <c>net user NAME PASSWORD</c>, <c>/p:</c>-style switches, PowerShell <c>-Password</c> values,
/// <c>ConvertTo-SecureString</c> literals (and every literal on a line with <c>-AsPlainText</c>), the content of
/// <c>&lt;Password&gt;</c> and <c>&lt;AdministratorPassword&gt;</c> elements, and <c>…password…=value</c> assignments.
/// </summary>
public static partial class ScriptRedaction
{
    /// <summary>What a hidden password is shown as.</summary>
    public const string Mask = "********";

    /// <summary>The script with every password it recognizably holds replaced by <see cref="Mask"/>.</summary>
    public static string Redact(string script)
    {
        ArgumentNullException.ThrowIfNull(script);
        var text = PasswordElement().Replace(script, m => m.Groups["open"].Value + Mask + m.Groups["close"].Value);
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            lines[i] = RedactLine(lines[i]);
        }

        return string.Join('\n', lines);
    }

    private static string RedactLine(string line)
    {
        line = RedactNetUser(line);
        line = SlashSwitch().Replace(line, m => m.Groups["name"].Value + Mask);
        line = DashPassword().Replace(line, m => IsLiteral(m.Groups["value"].Value) ? m.Groups["name"].Value + Mask : m.Value);
        line = SecureString().Replace(line, m => IsLiteral(m.Groups["value"].Value) ? m.Groups["name"].Value + Mask : m.Value);
        if (line.Contains("-AsPlainText", StringComparison.OrdinalIgnoreCase))
        {
            line = QuotedLiteral().Replace(line, Mask);
        }

        line = Assignment().Replace(line, m => IsLiteral(m.Groups["value"].Value) ? m.Groups["name"].Value + Mask : m.Value);
        return line;
    }

    /// <summary><c>net user NAME PASSWORD [/add …]</c> (also <c>net1</c>, <c>net.exe</c>, switches anywhere): the second positional argument.</summary>
    private static string RedactNetUser(string line)
    {
        var command = NetUser().Match(line);
        if (!command.Success)
        {
            return line;
        }

        var result = new StringBuilder(line);
        var positional = 0;
        foreach (Match token in CmdToken().Matches(line, command.Index + command.Length))
        {
            var value = token.Value;
            if (value[0] is '&' or '|' or '<' or '>' or ')')
            {
                break;
            }

            if (value[0] == '/')
            {
                continue;
            }

            if (++positional == 2)
            {
                // "*" prompts, and a lone %VARIABLE% is not written in the script: neither is a password to hide.
                if (value != "*" && !CmdVariable().IsMatch(value))
                {
                    result.Remove(token.Index, token.Length).Insert(token.Index, Mask);
                }

                break;
            }
        }

        return result.ToString();
    }

    /// <summary>A value written in the script, not taken from a variable or a subexpression.</summary>
    private static bool IsLiteral(string value) => value.Length > 0 && value[0] is not ('$' or '(' or '%');

    [GeneratedRegex(@"(?<open><(?<tag>AdministratorPassword|Password)\b[^>]*>).*?(?<close></\k<tag>\s*>)", RegexOptions.IgnoreCase | RegexOptions.Singleline | RegexOptions.CultureInvariant)]
    private static partial Regex PasswordElement();

    [GeneratedRegex(@"(?<![\w.\-])net1?(?:\.exe)?\s+user(?=\s)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex NetUser();

    [GeneratedRegex(@"""[^""]*""?|[&|<>)]+|[^\s&|<>)""]+", RegexOptions.CultureInvariant)]
    private static partial Regex CmdToken();

    [GeneratedRegex(@"(?<name>(?<=^|[\s""'])/(?:p|pw|pwd|pass|password|rp)[:=])(?<value>""[^""]*""?|'[^']*'?|[^\s&|]+)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SlashSwitch();

    [GeneratedRegex(@"(?<name>-\w*Password(?::|\s+))(?<value>""[^""]*""?|'[^']*'?|[^\s;|)]+)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex DashPassword();

    [GeneratedRegex(@"(?<name>ConvertTo-SecureString\s+(?:-String\s+)?)(?<value>""[^""]*""?|'[^']*'?|[^\s;|)\-][^\s;|)]*)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SecureString();

    [GeneratedRegex(@"^%~?\w+%$", RegexOptions.CultureInvariant)]
    private static partial Regex CmdVariable();

    [GeneratedRegex(@"""[^""]*""|'[^']*'", RegexOptions.CultureInvariant)]
    private static partial Regex QuotedLiteral();

    [GeneratedRegex(@"(?<name>\b\w*(?:password|passwd|pwd)\w*[""']?\s*[=:]\s*)(?<value>""[^""]*""?|'[^']*'?|[^\s&|;]+)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Assignment();
}
