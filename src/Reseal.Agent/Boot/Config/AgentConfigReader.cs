// agent-config.yml, EC2Launch v2's schema (agents.md §1; ec2launch-v2-settings.md):
//
//   version: 1.0
//   config:
//   - stage: boot                  # boot | network | preReady | postReady (case-sensitive)
//     tasks:
//     - task: extendRootPartition  # a registered task (TaskRegistry), allowed in this stage, once per stage
//   - stage: preReady
//     tasks:
//     - task: setAdminAccount
//       inputs:                    # per-task shape (the task's Inputs schema and Check)
//         password:
//           type: random
//       frequency: once            # Reseal addition: once | always
//       independent: true          # Reseal addition: may run in parallel with neighbouring independent tasks
//
// Every problem is reported with its line and column; nothing is thrown for bad input.
using System.Text;
using Reseal.Agent.Boot.Tasks;
using Reseal.Agent.Boot.Yaml;

namespace Reseal.Agent.Boot.Config;

/// <summary>Reads and validates <c>agent-config.yml</c>.</summary>
public static class AgentConfigReader
{
    /// <summary>Files larger than this (1 MiB) are refused unread; the default config is under 2 KiB.</summary>
    public const int MaxFileBytes = 1024 * 1024;

    /// <summary>The versions this reader accepts.</summary>
    public static IReadOnlyList<string> SupportedVersions { get; } = ["1.0"];

    private static readonly string[] TopKeys = ["version", "config", "metadata"];
    private static readonly string[] MetadataKeys = ["sources", "endpoints", "waitSeconds"];
    private static readonly string[] StageKeys = ["stage", "tasks"];

    /// <summary>
    /// Reads the file at <paramref name="path"/> (size-checked before reading; must be UTF-8); tasks are checked against
    /// <paramref name="tasks"/> (the built-in tasks when null).
    /// </summary>
    public static AgentConfigResult ReadFile(string path, TaskRegistry? tasks = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            return new(null, [BootDiagnostic.Error(BootCodes.FileNotReadable, 0, 0, "the file does not exist", path)]);
        }

        if (info.Length > MaxFileBytes)
        {
            return new(null, [BootDiagnostic.Error(BootCodes.TooLarge, 0, 0,
                $"the file is {info.Length} bytes, more than the {MaxFileBytes} allowed for a configuration; refused unread", path)]);
        }

        try
        {
            return Read(Reseal.IO.RegularFile.ReadAllBytes(path, MaxFileBytes), path, tasks);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new(null, [BootDiagnostic.Error(BootCodes.FileNotReadable, 0, 0, "cannot read the file: " + e.Message, path)]);
        }
    }

    /// <summary>Reads UTF-8 bytes (a BOM is allowed); tasks are checked against <paramref name="tasks"/> (built-in when null).</summary>
    public static AgentConfigResult Read(ReadOnlySpan<byte> utf8, string? source = null, TaskRegistry? tasks = null)
    {
        if (utf8.Length > MaxFileBytes)
        {
            return new(null, [BootDiagnostic.Error(BootCodes.TooLarge, 0, 0, $"the configuration is {utf8.Length} bytes, more than the {MaxFileBytes} allowed", source)]);
        }

        if (!TryDecodeUtf8(utf8, out var text, out var badOffset))
        {
            return new(null, [BootDiagnostic.Error(BootCodes.NotText, 0, 0, $"the file is not UTF-8 text (invalid byte at offset {badOffset})", source)]);
        }

        return Read(text, source, tasks);
    }

    /// <summary>Reads YAML text; tasks are checked against <paramref name="registry"/> (the built-in tasks when null).</summary>
    public static AgentConfigResult Read(string text, string? source = null, TaskRegistry? registry = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        var diagnostics = new List<BootDiagnostic>();
        var root = BoundedYamlReader.Read(text, YamlLimits.Config, diagnostics, source);
        if (root is null)
        {
            if (!diagnostics.HasErrors())
            {
                diagnostics.Add(BootDiagnostic.Error(BootCodes.YamlDocumentCount, 1, 1, "the configuration is empty; it needs 'version' and 'config'", source));
            }

            return new(null, diagnostics);
        }

        var tasks = new TaskEntryReader(diagnostics, source, registry);
        if (root is not YamlMappingValue top)
        {
            tasks.Error(BootCodes.WrongShape, root, $"the configuration must be a mapping with 'version' and 'config', not {root.KindName}");
            return new(null, diagnostics);
        }

        foreach (var key in top.Entries.Select(e => e.Key).Where(k => !TopKeys.Contains(k.Text)))
        {
            tasks.Error(BootCodes.UnknownKey, key, $"unknown key '{key.Text}'; the top level has only 'version', 'config' and 'metadata'" + TaskEntryReader.Hint(key.Text, TopKeys));
        }

        var version = ReadVersion(top, tasks);
        var stages = new List<StageConfig>();
        var configNode = top.Get("config");
        if (configNode is null)
        {
            tasks.Error(BootCodes.MissingKey, top, "'config' is missing (a list of stages)");
        }
        else if (configNode is YamlSequenceValue list)
        {
            ReadStages(list, tasks, stages);
        }
        else if (configNode is not YamlScalarValue { IsNull: true })
        {
            tasks.Error(BootCodes.WrongShape, configNode, $"'config' must be a list of stages, not {configNode.KindName}");
        }

        stages.Sort((a, b) => a.Stage.CompareTo(b.Stage));
        var metadata = top.Get("metadata") is { } metadataNode ? ReadMetadata(metadataNode, tasks) : null;
        return new(new AgentConfig(version, stages, metadata), diagnostics);
    }

    private static MetadataSettings? ReadMetadata(YamlValue node, TaskEntryReader tasks)
    {
        if (node is YamlScalarValue { IsNull: true })
        {
            return null;
        }

        if (node is not YamlMappingValue map)
        {
            tasks.Error(BootCodes.WrongShape, node, $"'metadata' must be a mapping with sources, endpoints and waitSeconds, not {node.KindName}");
            return null;
        }

        foreach (var key in map.Entries.Select(e => e.Key).Where(k => !MetadataKeys.Contains(k.Text)))
        {
            tasks.Error(BootCodes.UnknownKey, key, $"unknown key '{key.Text}' in 'metadata'; allowed: sources, endpoints, waitSeconds" + TaskEntryReader.Hint(key.Text, MetadataKeys));
        }

        var sources = new List<string>();
        switch (map.Get("sources"))
        {
            case null or YamlScalarValue { IsNull: true }:
                break;
            case YamlSequenceValue list:
                foreach (var item in list.Items)
                {
                    if (SourceName(item, tasks) is { } name)
                    {
                        if (sources.Contains(name))
                        {
                            tasks.Error(BootCodes.BadValue, item, $"metadata source '{name}' is listed twice");
                        }
                        else
                        {
                            sources.Add(name);
                        }
                    }
                }

                break;
            case var other:
                tasks.Error(BootCodes.WrongShape, other, $"'metadata.sources' must be a list of source names, not {other.KindName}");
                break;
        }

        var endpoints = new Dictionary<string, string>(StringComparer.Ordinal);
        switch (map.Get("endpoints"))
        {
            case null or YamlScalarValue { IsNull: true }:
                break;
            case YamlMappingValue endpointMap:
                foreach (var (key, value) in endpointMap.Entries)
                {
                    if (SourceName(key, tasks) is not { } name)
                    {
                        continue;
                    }

                    if (value is not YamlScalarValue { IsNull: false } text || text.Text.Length == 0)
                    {
                        tasks.Error(BootCodes.WrongShape, value, $"the endpoint of '{name}' must be a URL or a folder, not {value.KindName}");
                    }
                    else if (name is "configdrive" or "nocloud" ? text.Text.Any(char.IsControl)
                        : !Uri.TryCreate(text.Text, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
                    {
                        tasks.Error(BootCodes.BadValue, value, name is "configdrive" or "nocloud"
                            ? $"the folder of '{name}' contains a control character"
                            : $"the endpoint of '{name}' must be an absolute http:// or https:// URL, not {TaskEntryReader.Show(value)}");
                    }
                    else
                    {
                        endpoints[name] = text.Text;
                    }
                }

                break;
            case var other:
                tasks.Error(BootCodes.WrongShape, other, $"'metadata.endpoints' must be a mapping of source name to URL or folder, not {other.KindName}");
                break;
        }

        int? wait = null;
        if (map.Get("waitSeconds") is { } waitNode and not YamlScalarValue { IsNull: true })
        {
            if (waitNode is YamlScalarValue scalar && scalar.AsInteger() is { } seconds and >= 0 and <= 3600)
            {
                wait = (int)seconds;
            }
            else
            {
                tasks.Error(BootCodes.BadValue, waitNode, $"'metadata.waitSeconds' must be a whole number of seconds from 0 to 3600, not {TaskEntryReader.Show(waitNode)}");
            }
        }

        return new MetadataSettings(sources, endpoints, wait);
    }

    private static string? SourceName(YamlValue node, TaskEntryReader tasks)
    {
        if (node is YamlScalarValue { IsNull: false } scalar && MetadataSettings.SourceNames.Contains(scalar.Text.ToLowerInvariant()))
        {
            return scalar.Text.ToLowerInvariant();
        }

        tasks.Error(BootCodes.BadEnumValue, node,
            $"unknown metadata source {TaskEntryReader.Show(node)}; use one of {string.Join(", ", MetadataSettings.SourceNames)}");
        return null;
    }

    private static string ReadVersion(YamlMappingValue top, TaskEntryReader tasks)
    {
        var node = top.Get("version");
        if (node is null or YamlScalarValue { IsNull: true })
        {
            tasks.Error(BootCodes.MissingVersion, node ?? top, "'version' is missing; use version: 1.0");
            return SupportedVersions[0];
        }

        if (node is not YamlScalarValue scalar || !SupportedVersions.Contains(scalar.Text))
        {
            tasks.Error(BootCodes.UnsupportedVersion, node, $"version {TaskEntryReader.Show(node)} is not supported; use version: 1.0");
            return SupportedVersions[0];
        }

        return scalar.Text;
    }

    private static void ReadStages(YamlSequenceValue list, TaskEntryReader tasks, List<StageConfig> stages)
    {
        var seen = new Dictionary<AgentStage, StageConfig>();
        AgentStage? previous = null;
        foreach (var item in list.Items)
        {
            if (item is not YamlMappingValue entry)
            {
                tasks.Error(BootCodes.WrongShape, item, $"a stage entry must be a mapping with 'stage' and 'tasks', not {item.KindName}");
                continue;
            }

            foreach (var key in entry.Entries.Select(e => e.Key).Where(k => !StageKeys.Contains(k.Text)))
            {
                var hint = key.Text == "task" ? "; tasks go in a 'tasks' list" : TaskEntryReader.Hint(key.Text, StageKeys);
                tasks.Error(BootCodes.UnknownKey, key, $"unknown key '{key.Text}' in a stage entry; allowed: stage, tasks" + hint);
            }

            if (entry.Get("stage") is not YamlScalarValue { IsNull: false } nameNode)
            {
                tasks.Error(BootCodes.MissingKey, entry.Get("stage") ?? entry, "the stage entry has no 'stage' name");
                continue;
            }

            if (AgentStageNames.FromConfigName(nameNode.Text) is not { } stage)
            {
                var hint = nameNode.Text.Equals("userData", StringComparison.OrdinalIgnoreCase)
                    ? "; user data runs in its own implied stage: put those tasks in the instance's user data"
                    : TaskEntryReader.Hint(nameNode.Text, AgentStageNames.ConfigStages.Select(s => s.ToYamlName()));
                tasks.Error(BootCodes.UnknownStage, nameNode, $"unknown stage '{nameNode.Text}'; stages are boot, network, preReady, postReady{hint}");
                continue;
            }

            var where = $"stage {stage.ToYamlName()}";
            if (seen.TryGetValue(stage, out var first))
            {
                tasks.Error(BootCodes.DuplicateStage, nameNode,
                    $"stage {stage.ToYamlName()} is listed twice (first at {first.Line}:{first.Column}); merge the two task lists");
                tasks.ReadTasks(entry.Get("tasks"), stage, where); // still report the problems in it
                continue;
            }

            if (previous is { } before && stage < before)
            {
                tasks.Warning(BootCodes.StageOrder, nameNode,
                    $"stage {stage.ToYamlName()} is listed after {before.ToYamlName()}; stages always run in the order boot, network, preReady, postReady");
            }

            previous = stage;
            if (entry.Get("tasks") is null)
            {
                tasks.Error(BootCodes.MissingKey, nameNode, $"stage {stage.ToYamlName()} has no 'tasks' list");
            }

            var config = new StageConfig(stage, tasks.ReadTasks(entry.Get("tasks"), stage, where), nameNode.Line, nameNode.Column);
            seen.Add(stage, config);
            stages.Add(config);
        }
    }

    internal static bool TryDecodeUtf8(ReadOnlySpan<byte> bytes, out string text, out int badOffset)
    {
        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            bytes = bytes[3..];
        }

        var status = System.Text.Unicode.Utf8.ToUtf16(bytes, new char[bytes.Length], out var read, out var written, replaceInvalidSequences: false);
        if (status != System.Buffers.OperationStatus.Done)
        {
            (text, badOffset) = (string.Empty, read);
            return false;
        }

        text = Encoding.UTF8.GetString(bytes);
        badOffset = -1;
        _ = written;
        return true;
    }
}
