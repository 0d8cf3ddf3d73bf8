namespace Reseal.Agent.Boot.Runner;

/// <summary>
/// Thrown once an agent run is over when a task hit a bug in reseal (<see cref="BootRunResult.Bugs"/>): the state is
/// saved and the other tasks ran, and the process now crashes loudly instead of calling the bug a task failure. Its
/// message names the tasks in the agent's terms; the first bug's exception is its inner exception, unless that task
/// handles secrets (its message could quote one), in which case <see cref="TaskBug.Detail"/> is in agent.log only.
/// </summary>
public sealed class AgentBugException : Exception
{
    /// <summary>Creates the exception for the bugs of one run.</summary>
    public AgentBugException(IReadOnlyList<TaskBug> bugs)
        : base(Describe(bugs), bugs is [{ HandlesSecrets: false } first, ..] ? first.Exception : null)
    {
        Bugs = bugs;
    }

    /// <summary>The tasks that hit a bug, in the order they ended.</summary>
    public IReadOnlyList<TaskBug> Bugs { get; }

    private static string Describe(IReadOnlyList<TaskBug> bugs)
    {
        ArgumentNullException.ThrowIfNull(bugs);
        return $"a bug in reseal stopped {string.Join(", ", bugs.Select(b => b.Describe()))}; the agent state is saved, the other tasks ran, and agent.log has the details";
    }
}
