using Reseal.Agent.Boot.ConsoleOutput;
using Reseal.Windows.Ports;

namespace Reseal.Agent.Boot.Host.Phases;

/// <summary>What every phase of one agent run works with: the machine, its paths, the clock, the options, the log and the console.</summary>
/// <param name="Machine">The machine, through its ports.</param>
/// <param name="Paths">Where the agent's files are.</param>
/// <param name="Time">The clock.</param>
/// <param name="Options">How the run is set up.</param>
/// <param name="Log">agent.log.</param>
/// <param name="Console">COM1 and console.log.</param>
internal sealed record AgentRun(IWindowsMachine Machine, AgentPaths Paths, TimeProvider Time, AgentRunOptions Options, AgentLog Log, AgentConsole Console)
{
    /// <summary>Writes one stamped console line.</summary>
    public void Line(string text) => Console.Write(ConsoleLines.Format(Time, text));

    /// <summary>Tells the event sink (the Windows Event Log on a running machine), when there is one.</summary>
    public void Event(AgentEvent agentEvent) => Options.Events?.Invoke(agentEvent);
}
