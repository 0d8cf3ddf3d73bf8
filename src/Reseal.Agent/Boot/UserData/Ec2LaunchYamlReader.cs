// EC2Launch v2 YAML user data (ec2launch-v2-settings.md; agents.md §1):
//
//   version: 1.1              # 1.0 (runs after the postReady tasks) or 1.1 (runs before them; 2.0.1245 and later)
//   tasks:
//   - task: executeScript     # the agent-config task entries, in the implied UserData stage
//     inputs:
//     - frequency: always
//       type: powershell
//       runAs: localSystem
//       content: |-
//         New-Item -Path 'C:\PowerShellTest.txt' -ItemType File
//
// The tasks are validated exactly as agent-config.yml tasks are (TaskEntryReader), against the UserData stage.
using System.Text.RegularExpressions;
using Reseal.Agent.Boot.Config;
using Reseal.Agent.Boot.Yaml;

namespace Reseal.Agent.Boot.UserData;

/// <summary>Reads EC2Launch v2 YAML user data.</summary>
internal static partial class Ec2LaunchYamlReader
{
    private static readonly string[] TopKeys = ["version", "tasks"];

    [GeneratedRegex(@"^version\s*:", RegexOptions.Multiline | RegexOptions.CultureInvariant, 1000)]
    private static partial Regex VersionLine();

    [GeneratedRegex(@"^tasks\s*:", RegexOptions.Multiline | RegexOptions.CultureInvariant, 1000)]
    private static partial Regex TasksLine();

    [GeneratedRegex(@"^version\s*:\s*['""]?1\.1\b", RegexOptions.Multiline | RegexOptions.CultureInvariant, 1000)]
    private static partial Regex Version11Line();

    /// <summary>True when a line starts with <c>version:</c> and one with <c>tasks:</c>.</summary>
    public static bool LooksLikeYaml(string text) => VersionLine().IsMatch(text) && TasksLine().IsMatch(text);

    public static UserDataFormat? Read(UserDataContext context, string text, string origin)
    {
        var root = BoundedYamlReader.Read(text, YamlLimits.UserData, context.Diagnostics, origin);
        var guessed = Version11Line().IsMatch(text) ? UserDataFormat.Ec2LaunchYaml11 : UserDataFormat.Ec2LaunchYaml10;
        if (root is null)
        {
            return guessed; // the syntax error (or refusal) is reported; the shape says what it was meant to be
        }

        var reader = new TaskEntryReader(context.Diagnostics, origin, context.Tasks);
        if (root is not YamlMappingValue top)
        {
            return null;
        }

        foreach (var key in top.Entries.Select(e => e.Key).Where(k => !TopKeys.Contains(k.Text)))
        {
            reader.Error(BootCodes.UnknownKey, key, $"unknown key '{key.Text}' in YAML user data; it has only 'version' and 'tasks'");
        }

        var format = guessed;
        switch (top.Get("version"))
        {
            case YamlScalarValue { Text: "1.0" }:
                format = UserDataFormat.Ec2LaunchYaml10;
                break;
            case YamlScalarValue { Text: "1.1" }:
                format = UserDataFormat.Ec2LaunchYaml11;
                break;
            case { } other:
                reader.Error(BootCodes.UnsupportedVersion, other, $"YAML user data version {TaskEntryReader.Show(other)} is not supported; use 1.0 or 1.1");
                break;
            default:
                reader.Error(BootCodes.MissingVersion, top, "YAML user data needs 'version' (1.0 or 1.1)");
                break;
        }

        context.Placement = format == UserDataFormat.Ec2LaunchYaml10 ? UserDataPlacement.AfterPostReady : UserDataPlacement.BeforePostReady;
        foreach (var task in reader.ReadTasks(top.Get("tasks"), AgentStage.UserData, "user data"))
        {
            AddItems(context, task, origin);
        }

        return format;
    }

    // What each task adds is the task's own business (BootTask.UserDataItems): scripts, programs and files become the
    // items the other formats give; the other tasks run as config tasks do.
    private static void AddItems(UserDataContext context, TaskConfig task, string origin) =>
        context.Items.AddRange(task.Definition.UserDataItems(task, origin));
}
