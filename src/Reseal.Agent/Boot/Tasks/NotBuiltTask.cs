using Reseal.Agent.Boot.Config;
using Reseal.Agent.Boot.Runner;

namespace Reseal.Agent.Boot.Tasks;

/// <summary>
/// A task EC2Launch v2 documents that this version validates but does not carry out: a configuration naming it stays
/// valid (it came from EC2Launch v2) and each run reports it as skipped with <see cref="Reason"/>.
/// </summary>
public sealed class NotBuiltTask : BootTask
{
    private NotBuiltTask(string name, FrequencyRule frequency, IReadOnlyList<AgentStage> stages, InputSchema? inputs, string summary, string reason)
        : base(name, frequency, stages, inputs, summary) => Reason = reason;

    /// <summary>The attributes <c>setWallpaper</c> can print (EC2Launch v2's list).</summary>
    public static IReadOnlyList<string> WallpaperAttributes { get; } =
        ["hostName", "instanceId", "privateIpAddress", "publicIpAddress", "instanceSize", "availabilityZone", "architecture", "memory", "network"];

    /// <summary><c>setWallpaper</c>.</summary>
    public static NotBuiltTask SetWallpaper { get; } = new("setWallpaper", FrequencyRule.Always, [AgentStage.PreReady, AgentStage.UserData],
        InputSchema.MapOf(
            new InputField("path", InputSchema.Text),
            new InputField("attributes", InputSchema.ListOf(InputSchema.OneOf([.. WallpaperAttributes]))),
            new InputField("instanceTags", InputSchema.ListOf(InputSchema.Text))),
        "draw instance facts on the desktop wallpaper", "setWallpaper is not built in this version (drawing on the desktop needs a user session)");

    /// <summary>Why it is skipped.</summary>
    public string Reason { get; }

    /// <inheritdoc/>
    public override string? WouldSkip(PlanFacts facts) => Reason;

    /// <inheritdoc/>
    public override Task<TaskExecutionResult> RunAsync(BootTaskRun run, CancellationToken cancellationToken) =>
        Task.FromResult(TaskExecutionResult.Skip(Reason));
}
