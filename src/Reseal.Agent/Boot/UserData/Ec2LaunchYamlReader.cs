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
using System.Text;
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

    private static void AddItems(UserDataContext context, TaskConfig task, string origin)
    {
        var entries = task.Entries;
        for (var i = 0; i < entries.Count; i++)
        {
            var entry = entries[i];
            var where = task.Definition.HasInputList ? $"{origin} {task.Name}[{i}]" : $"{origin} {task.Name}";
            var runAs = entry.Text("runAs") == "localSystem" ? RunAs.LocalSystem : RunAs.Admin;
            switch (task.Name)
            {
                case "executeScript" when entry.Text("content") is { } content:
                    var language = entry.Text("type") == "batch" ? ScriptLanguage.Batch : ScriptLanguage.PowerShell;
                    context.Items.Add(new ScriptItem(language, content, runAs, task.FrequencyOf(entry), entry.Flag("detach") ?? false,
                        entry.Texts("arguments"), ExitCodeConvention.Ec2Launch, null, where));
                    break;
                case "executeProgram" when entry.Text("path") is { } path:
                    context.Items.Add(new ProgramItem(path, entry.Texts("arguments"), runAs, task.FrequencyOf(entry), where));
                    break;
                case "writeFile" when entry.Text("destination") is { } destination:
                    context.Items.Add(new WriteFileItem(destination, Encoding.UTF8.GetBytes(entry.Text("content") ?? string.Empty), false, null,
                        task.FrequencyOf(entry), where));
                    break;
                case "setHostName" when entry.Text("hostName") is { } hostName:
                    context.Items.Add(new HostNameItem(hostName, entry.Flag("reboot") ?? false, where));
                    break;
                case "executeScript" or "executeProgram" or "writeFile":
                    break; // the missing required input is already reported
                default:
                    context.Items.Add(new AgentTaskItem(task, where));
                    return;
            }
        }
    }
}
