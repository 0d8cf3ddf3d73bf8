using Reseal.Agent.Boot.Config;
using Reseal.Agent.Boot.Runner;

namespace Reseal.Agent.Boot.Tasks;

/// <summary><c>setDnsSuffix</c>: set the DNS suffix search list ($REGION and $AZ are replaced).</summary>
public sealed class SetDnsSuffixTask() : BootTask(
    "setDnsSuffix",
    FrequencyRule.Always,
    [AgentStage.PreReady],
    InputSchema.MapOf(new InputField("suffixes", InputSchema.ListOf(InputSchema.Text), Required: true)),
    "set the DNS suffix search list ($REGION and $AZ are replaced)")
{
    /// <inheritdoc/>
    public override void Check(InputMap entry, TaskInputProblems problems)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(problems);
        if (entry.Fields.GetValueOrDefault("suffixes") is not InputList suffixes)
        {
            return;
        }

        foreach (var suffix in suffixes.Items.OfType<InputText>())
        {
            foreach (var variable in Variables(suffix.Value).Where(v => v is not "$REGION" and not "$AZ"))
            {
                problems.Warning(BootCodes.BadValue, suffix, $"'{variable}' is not replaced; only $REGION and $AZ are");
            }
        }
    }

    /// <inheritdoc/>
    public override Task<TaskExecutionResult> RunAsync(BootTaskRun run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        return Task.FromResult(SystemTasks.SetDnsSuffix(run.Inputs.Texts("suffixes"), run.Context));
    }

    private static IEnumerable<string> Variables(string text)
    {
        for (var i = text.IndexOf('$', StringComparison.Ordinal); i >= 0; i = text.IndexOf('$', i + 1))
        {
            var end = i + 1;
            while (end < text.Length && (char.IsAsciiLetterOrDigit(text[end]) || text[end] == '_'))
            {
                end++;
            }

            yield return text[i..end];
        }
    }
}
