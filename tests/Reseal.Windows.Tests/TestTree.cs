using Reseal.TestSupport;

namespace Reseal.Windows.Tests;

/// <summary>Helpers only the Windows tests need; trees themselves come from <see cref="WindowsTree"/>.</summary>
internal static class TestTree
{
    /// <summary>hivexregedit --merge cannot create a key whose parent is missing: add an empty section for every ancestor first.</summary>
    public static string WithAncestors(string reg)
    {
        var lines = reg.Split('\n');
        var keys = lines.Where(l => l.StartsWith('[')).Select(l => l.Trim().Trim('[', ']')).ToList();
        var ancestors = new List<string>();
        foreach (var key in keys)
        {
            var parts = key.Split('\\');
            for (var i = 3; i < parts.Length; i++)
            {
                var ancestor = string.Join('\\', parts[..i]);
                if (!ancestors.Contains(ancestor))
                {
                    ancestors.Add(ancestor);
                }
            }
        }

        return lines[0] + "\n\n" + string.Join("", ancestors.Select(a => $"[{a}]\n\n")) + string.Join('\n', lines.Skip(1));
    }

    /// <summary>Runs a Debian tool with LC_ALL=C.UTF-8, skipping the test when it is not installed.</summary>
    public static ProcessResult Tool(string name, string package, params string[] arguments)
    {
        var path = ExternalTool.Require(name, package);
        return ExternalTool.Run(path, arguments);
    }
}
