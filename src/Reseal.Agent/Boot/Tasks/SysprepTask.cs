using System.Globalization;
using System.Text.Json;
using Reseal.Agent.Boot.Config;
using Reseal.Agent.Boot.Host;
using Reseal.Agent.Boot.Runner;
using Reseal.Windows.Ports;

namespace Reseal.Agent.Boot.Tasks;

/// <summary>
/// The user-data <c>sysprep</c> task (EC2Launch v2's <c>clean</c> and <c>shutdown</c> inputs): seals this instance again
/// with <c>reseal seal</c> and waits for it, so the state records the seal's real outcome (docs/windows-behaviour.md,
/// "The sysprep task"):
/// <list type="bullet">
/// <item>Refused while Windows Setup runs (Sysprep cannot generalize a machine Setup has not finished), with a console line.</item>
/// <item><c>reseal seal --yes --quit --format json</c> runs to its end (its own watch bounds Sysprep); <c>--quit</c> so the
/// seal returns and its result is read; the agent powers the machine off afterwards when <c>shutdown: true</c>.</item>
/// <item>Done only when the seal succeeded; a failed seal (undone by the seal itself) is Failed with its message. When
/// ImageState says the machine is generalized, nothing else runs in this boot and the session clears the agent state again
/// (the run saved it after the seal), so the image carries none.</item>
/// <item><c>clean</c> is applied by the session once the run's logs are closed: the seal cannot delete the agent's open
/// console.log and agent.log.</item>
/// </list>
/// Microsoft does not support running Sysprep as LocalSystem, which the agent's service is; EC2Launch v2's task does the
/// same. The log says so.
/// </summary>
public sealed class SysprepTask() : BootTask(
    "sysprep",
    FrequencyRule.Once,
    [AgentStage.UserData],
    InputSchema.MapOf(new InputField("clean", InputSchema.Flag), new InputField("shutdown", InputSchema.Flag)),
    "run Sysprep on this instance")
{
    /// <summary>How long the seal may run (its own limits: 10 min hook, 2 h Sysprep; plus margin).</summary>
    public static readonly TimeSpan SealLimit = TimeSpan.FromHours(2.5);

    /// <summary>A second Sysprep would generalize the machine again.</summary>
    public override bool MustNotRepeat => true;

    /// <inheritdoc/>
    public override Task<TaskExecutionResult> RunAsync(BootTaskRun run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        return RunAsync(run.Inputs, run.Context, run.Console, cancellationToken);
    }

    /// <summary>Runs the task.</summary>
    public static async Task<TaskExecutionResult> RunAsync(InputMap inputs, BootTaskContext context, ITaskConsole console, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(console);
        var machine = context.Machine;
        var setup = SetupProgress.Read(machine);
        if (setup.InsideSetup)
        {
            console.WriteLine("Message: sysprep task refused: Windows Setup is still running; Sysprep cannot run before Setup has finished");
            return TaskExecutionResult.Failed($"refused: Windows Setup is still running ({setup.Describe()}); Sysprep cannot generalize a machine Setup has not finished. The task is tried again at the next run");
        }

        var shutdown = inputs.Flag("shutdown") ?? false;
        var clean = inputs.Flag("clean") ?? false;
        var exe = machine.Files.Expand(context.ResealExecutable);
        string[] arguments = ["seal", "--yes", "--quit", "--format", "json"];
        console.WriteLine("Message: sysprep task: sealing this instance with reseal seal (Sysprep runs as LocalSystem, which Microsoft does not support)");
        ProcessOutcome outcome;
        try
        {
            outcome = await machine.Processes.RunAsync(new ProcessRequest(exe, arguments, SealLimit), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or PlatformNotSupportedException or System.ComponentModel.Win32Exception)
        {
            return TaskExecutionResult.Failed($"reseal seal could not be started: {e.Message}");
        }

        var (sealOutcome, message) = ReadResult(outcome.StandardOutput);
        var after = SetupProgress.Read(machine);
        var generalized = after.ImageState is ImageState.GeneralizeResealToOobe or ImageState.GeneralizeResealToAudit;
        var summary = string.Create(CultureInfo.InvariantCulture,
            $"reseal seal exited with {outcome.ExitCode}{(outcome.TimedOut ? " (stopped at its time limit)" : "")}: {message ?? LastLine(outcome.StandardError) ?? "no message"}; ImageState {after.ImageStateText ?? "(absent)"}");
        var followUp = new SealFollowUp(shutdown, clean);
        if (outcome.ExitCode == 0 && !outcome.TimedOut && generalized && sealOutcome is null or "Sealed")
        {
            console.WriteLine("Message: sysprep task: the instance is sealed" + (shutdown ? "; shutting down" : "; it keeps running, generalized"));
            return TaskExecutionResult.Done(summary + " (Sysprep as LocalSystem is not supported by Microsoft)") with { Sealed = followUp };
        }

        console.WriteLine("Message: sysprep task failed: " + ConsoleOutput.ConsoleLines.OneLine(message ?? $"reseal seal exited with {outcome.ExitCode.ToString(CultureInfo.InvariantCulture)}"));
        return generalized
            ? TaskExecutionResult.Failed(summary + "; the machine is generalized nonetheless: nothing else runs in this boot") with { Sealed = followUp with { Shutdown = false } }
            : TaskExecutionResult.Failed(summary);
    }

    private static (string? Outcome, string? Message) ReadResult(string standardOutput)
    {
        var start = standardOutput.IndexOf('{', StringComparison.Ordinal);
        if (start < 0)
        {
            return (null, null);
        }

        try
        {
            using var document = JsonDocument.Parse(standardOutput[start..]);
            string? Text(string name) => document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            return (Text("outcome"), Text("message"));
        }
        catch (JsonException)
        {
            return (null, null);
        }
    }

    private static string? LastLine(string text) =>
        text.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.Length > 0);
}
