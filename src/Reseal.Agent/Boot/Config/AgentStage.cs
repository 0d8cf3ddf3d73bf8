namespace Reseal.Agent.Boot.Config;

/// <summary>
/// The stages, in run order (agents.md §1): boot → network → preReady → "Windows is Ready to use" → postReady. User data
/// runs in the implied UserData stage: YAML 1.1 and XML user data before the postReady tasks, YAML 1.0 after them.
/// </summary>
public enum AgentStage
{
    /// <summary><c>boot</c>: before the network (extendRootPartition).</summary>
    Boot,

    /// <summary><c>network</c>: once the network and metadata answer.</summary>
    Network,

    /// <summary><c>preReady</c>: before "Windows is Ready to use" (password, DNS suffix, activation, wallpaper).</summary>
    PreReady,

    /// <summary><c>postReady</c>: after "Windows is Ready to use" (SSM, volumes, host name).</summary>
    PostReady,

    /// <summary>The implied stage of tasks that come from user data; not a name agent-config.yml accepts.</summary>
    UserData,
}

/// <summary>How often a task runs.</summary>
public enum TaskFrequency
{
    /// <summary>Once per instance id (the first boot after Sysprep, or of a new clone).</summary>
    Once,

    /// <summary>Every time the agent runs.</summary>
    Always,
}

/// <summary>Names of stages and frequencies as the YAML spells them.</summary>
public static class AgentStageNames
{
    /// <summary>The stages agent-config.yml accepts, in run order.</summary>
    public static IReadOnlyList<AgentStage> ConfigStages { get; } = [AgentStage.Boot, AgentStage.Network, AgentStage.PreReady, AgentStage.PostReady];

    /// <summary>The YAML name: <c>boot</c>, <c>network</c>, <c>preReady</c>, <c>postReady</c>, <c>userData</c>.</summary>
    public static string ToYamlName(this AgentStage stage) => stage switch
    {
        AgentStage.Boot => "boot",
        AgentStage.Network => "network",
        AgentStage.PreReady => "preReady",
        AgentStage.PostReady => "postReady",
        AgentStage.UserData => "userData",
        _ => throw new ArgumentOutOfRangeException(nameof(stage), stage, null),
    };

    /// <summary>The stage a config names (case-sensitive, as EC2Launch v2 reads it), or null.</summary>
    public static AgentStage? FromConfigName(string name) => name switch
    {
        "boot" => AgentStage.Boot,
        "network" => AgentStage.Network,
        "preReady" => AgentStage.PreReady,
        "postReady" => AgentStage.PostReady,
        _ => null,
    };

    /// <summary><c>once</c> or <c>always</c>.</summary>
    public static string ToYamlName(this TaskFrequency frequency) => frequency == TaskFrequency.Once ? "once" : "always";

    /// <summary>The frequency the YAML names, or null.</summary>
    public static TaskFrequency? FrequencyFromName(string name) => name switch
    {
        "once" => TaskFrequency.Once,
        "always" => TaskFrequency.Always,
        _ => null,
    };
}
