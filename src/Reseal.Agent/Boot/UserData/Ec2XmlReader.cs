// EC2 XML user data (ec2-windows-user-data.md; agents.md §1): not an XML document but tagged blocks in free text.
//
//   <script>echo %DATE% >> C:\log.txt</script>          cmd.exe batch
//   <powershell>New-Item C:\x.txt -ItemType file</powershell>
//   <persist>true</persist>                              run at every boot, not only the first
//   <runAsLocalSystem>true</runAsLocalSystem>            run as LocalSystem instead of the administrator
//   <powershellArguments>-ExecutionPolicy Bypass</powershellArguments>
//
// Tags are matched case-insensitively. <script> runs before <powershell>. EC2Launch v2 converts this format to a
// detached executeScript, so the scripts are detached (their exit codes are not waited for).
using Reseal.Agent.Boot.Config;

namespace Reseal.Agent.Boot.UserData;

/// <summary>Reads EC2's legacy XML-tag user data.</summary>
internal static class Ec2XmlReader
{
    private static readonly string[] Tags = ["script", "powershell", "persist", "runAsLocalSystem", "powershellArguments"];

    /// <summary>False (and no diagnostics) when the text has neither &lt;script&gt; nor &lt;powershell&gt;.</summary>
    public static bool TryRead(UserDataContext context, string text, string origin)
    {
        if (Find(text, "<script>", 0) < 0 && Find(text, "<powershell>", 0) < 0)
        {
            return false;
        }

        var blocks = new Dictionary<string, (string Value, int Index)>(StringComparer.Ordinal);
        var covered = new List<(int Start, int End)>();
        foreach (var tag in Tags)
        {
            var open = "<" + tag + ">";
            var close = "</" + tag + ">";
            var start = Find(text, open, 0);
            if (start < 0)
            {
                continue;
            }

            var contentStart = start + open.Length;
            var end = Find(text, close, contentStart);
            if (end < 0)
            {
                var (line, column) = Position(text, start);
                context.Error(BootCodes.UserDataMalformed, line, column, origin, $"'{open}' has no '{close}'; the block is not run");
                covered.Add((start, text.Length));
                continue;
            }

            blocks[tag] = (text[contentStart..end], start);
            covered.Add((start, end + close.Length));
            if (Find(text, open, end) is var again and >= 0)
            {
                var (line, column) = Position(text, again);
                context.Warning(BootCodes.UserDataUnsupported, line, column, origin, $"a second '{open}' block is ignored; put everything in one");
            }
        }

        ReportStrayText(context, text, covered, origin);
        var persist = Flag(context, text, blocks, "persist", origin);
        var localSystem = Flag(context, text, blocks, "runAsLocalSystem", origin);
        var frequency = persist ? TaskFrequency.Always : TaskFrequency.Once;
        var runAs = localSystem ? RunAs.LocalSystem : RunAs.Admin;
        if (blocks.TryGetValue("script", out var script))
        {
            context.Items.Add(new ScriptItem(ScriptLanguage.Batch, Trim(script.Value), runAs, frequency, true, [],
                ExitCodeConvention.Ec2Launch, null, origin + " <script>"));
        }

        if (blocks.TryGetValue("powershell", out var powershell))
        {
            var arguments = blocks.TryGetValue("powershellArguments", out var args) ? SplitArguments(args.Value) : [];
            context.Items.Add(new ScriptItem(ScriptLanguage.PowerShell, Trim(powershell.Value), runAs, frequency, true, arguments,
                ExitCodeConvention.Ec2Launch, null, origin + " <powershell>", ArgumentsForInterpreter: true));
        }
        else if (blocks.TryGetValue("powershellArguments", out var orphan))
        {
            var (line, column) = Position(text, orphan.Index);
            context.Warning(BootCodes.UserDataUnsupported, line, column, origin, "<powershellArguments> without a <powershell> block is ignored");
        }

        context.Placement = UserDataPlacement.BeforePostReady;
        return true;
    }

    private static bool Flag(UserDataContext context, string text, Dictionary<string, (string Value, int Index)> blocks, string tag, string origin)
    {
        if (!blocks.TryGetValue(tag, out var block))
        {
            return false;
        }

        var value = block.Value.Trim();
        if (value.Equals("true", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (!value.Equals("false", StringComparison.OrdinalIgnoreCase))
        {
            var (line, column) = Position(text, block.Index);
            context.Warning(BootCodes.UserDataMalformed, line, column, origin, $"<{tag}> must be true or false, got '{UserDataContext.Shorten(value)}'; read as false");
        }

        return false;
    }

    private static void ReportStrayText(UserDataContext context, string text, List<(int Start, int End)> covered, string origin)
    {
        covered.Sort();
        var position = 0;
        foreach (var (start, end) in covered.Append((text.Length, text.Length)))
        {
            if (start > position)
            {
                var stray = text[position..start];
                var offset = stray.Length - stray.TrimStart().Length;
                if (!string.IsNullOrWhiteSpace(stray))
                {
                    var (line, column) = Position(text, position + offset);
                    context.Warning(BootCodes.UserDataUnsupported, line, column, origin,
                        $"text outside the <script>/<powershell> blocks is ignored: '{UserDataContext.Shorten(stray.Trim())}'");
                }
            }

            position = Math.Max(position, end);
        }
    }

    private static int Find(string text, string tag, int from) => text.IndexOf(tag, from, StringComparison.OrdinalIgnoreCase);

    // Drops the line break right after the opening tag and before the closing one; keeps the script as written.
    private static string Trim(string content) => content.Trim('\r', '\n');

    internal static (int Line, int Column) Position(string text, int index)
    {
        var line = 1;
        var lineStart = 0;
        for (var i = 0; i < index && i < text.Length; i++)
        {
            if (text[i] == '\n')
            {
                line++;
                lineStart = i + 1;
            }
        }

        return (line, index - lineStart + 1);
    }

    /// <summary>Splits a command line into arguments at white space, honouring double quotes.</summary>
    internal static IReadOnlyList<string> SplitArguments(string line)
    {
        var arguments = new List<string>();
        var current = new System.Text.StringBuilder();
        var quoted = false;
        var any = false;
        foreach (var c in line)
        {
            if (c == '"')
            {
                quoted = !quoted;
                any = true;
            }
            else if (char.IsWhiteSpace(c) && !quoted)
            {
                if (any)
                {
                    arguments.Add(current.ToString());
                    current.Clear();
                    any = false;
                }
            }
            else
            {
                current.Append(c);
                any = true;
            }
        }

        if (any)
        {
            arguments.Add(current.ToString());
        }

        return arguments;
    }
}
