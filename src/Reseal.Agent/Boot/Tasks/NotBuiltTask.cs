using Reseal.Agent.Boot.Config;
using Reseal.Agent.Boot.Runner;

namespace Reseal.Agent.Boot.Tasks;

/// <summary>
/// A task EC2Launch v2 documents that this version validates but does not carry out: a configuration naming it stays
/// valid (it came from EC2Launch v2) and each run reports it as skipped with <see cref="Reason"/>.
/// </summary>
public sealed class NotBuiltTask : BootTask
{
    /// <summary>
    /// A task this version knows the name and inputs of but does not carry out. None of the built-in tasks is one any more
    /// (<c>setWallpaper</c> was the last); the type stays for a task documented before it is built.
    /// </summary>
    public NotBuiltTask(string name, FrequencyRule frequency, IReadOnlyList<AgentStage> stages, InputSchema? inputs, string summary, string reason)
        : base(name, frequency, stages, inputs, summary) => Reason = reason;

    /// <summary>Why it is skipped.</summary>
    public string Reason { get; }

    /// <inheritdoc/>
    public override string? WouldSkip(PlanFacts facts) => Reason;

    /// <inheritdoc/>
    public override Task<TaskExecutionResult> RunAsync(BootTaskRun run, CancellationToken cancellationToken) =>
        Task.FromResult(TaskExecutionResult.Skip(Reason));
}
