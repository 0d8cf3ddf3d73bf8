// The INI dialect oslo.config reads for Cloudbase-Init (cloudbase-init.conf):
//
//   # comment            ; comment
//   [DEFAULT]                               section names are case-sensitive; options before any section are an error
//   username=Administrator                  "key = value" or "key: value"; blanks around the key and value are dropped
//   plugins=cloudbaseinit.plugins.a.B,
//     cloudbaseinit.plugins.c.D             an indented line continues the value above it
//
// Every option keeps its line; a line that is none of these is an error naming it.
namespace Reseal.Agent.Boot.Migration;

/// <summary>One option of an INI file.</summary>
internal sealed record IniOption(string Section, string Key, string Value, int Line);

/// <summary>Reads the INI text Cloudbase-Init's configuration files use.</summary>
internal static class IniFile
{
    public static List<IniOption>? Parse(string text, string file, MigrationBuilder builder)
    {
        var options = new List<IniOption>();
        string? section = null;
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var raw = lines[i].TrimEnd('\r');
            var line = raw.Trim();
            if (line.Length == 0 || line[0] is '#' or ';')
            {
                continue;
            }

            if (raw[0] is ' ' or '\t' && options.Count > 0 && options[^1].Line <= i)
            {
                var last = options[^1];
                options[^1] = last with { Value = last.Value.Length == 0 ? line : last.Value + "\n" + line };
                continue;
            }

            if (line[0] == '[')
            {
                if (!line.EndsWith(']') || line.Length < 3)
                {
                    builder.Error(BootCodes.MigrationMalformed, file, i + 1, $"a section header must be [name], not '{Clip(line)}'");
                    return null;
                }

                section = line[1..^1].Trim();
                continue;
            }

            var separator = line.IndexOfAny(['=', ':']);
            if (separator <= 0)
            {
                builder.Error(BootCodes.MigrationMalformed, file, i + 1, $"not an INI line (expected 'option = value', '[section]' or a # comment): '{Clip(line)}'");
                return null;
            }

            if (section is null)
            {
                builder.Error(BootCodes.MigrationMalformed, file, i + 1, "an option before any [section]; Cloudbase-Init's options go under [DEFAULT]");
                return null;
            }

            options.Add(new IniOption(section, line[..separator].Trim(), line[(separator + 1)..].Trim(), i + 1));
        }

        return options;
    }

    private static string Clip(string line) => line.Length <= 60 ? line : line[..60] + "…";
}
