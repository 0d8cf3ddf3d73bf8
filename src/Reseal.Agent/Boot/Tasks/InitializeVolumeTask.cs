using Reseal.Agent.Boot.Config;
using Reseal.Agent.Boot.Runner;

namespace Reseal.Agent.Boot.Tasks;

/// <summary><c>initializeVolume</c>: initialize and format attached volumes.</summary>
public sealed class InitializeVolumeTask() : BootTask(
    "initializeVolume",
    FrequencyRule.Always,
    [AgentStage.PostReady, AgentStage.UserData],
    InputSchema.MapOf(
        new InputField("initialize", InputSchema.OneOf("all", "devices"), Required: true),
        new InputField("devices", InputSchema.ListOf(InputSchema.MapOf(
            new InputField("device", InputSchema.Text, Required: true),
            new InputField("name", InputSchema.Text),
            new InputField("letter", InputSchema.TextUpTo(1)),
            new InputField("partition", InputSchema.OneOf("mbr", "gpt")))))),
    "initialize and format attached volumes")
{
    /// <inheritdoc/>
    public override void Check(InputMap entry, TaskInputProblems problems)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(problems);
        var devices = entry.Fields.GetValueOrDefault("devices") as InputList;
        var initialize = entry.Text("initialize");
        if (initialize == "devices" && (devices is null || devices.Items.Count == 0))
        {
            problems.Error(BootCodes.MissingInput, entry, "'inputs' with initialize: devices needs a 'devices' list");
        }
        else if (initialize == "all" && devices is not null)
        {
            problems.Warning(BootCodes.BadValue, devices, "'devices' is ignored with initialize: all");
        }

        foreach (var device in devices?.Items.OfType<InputMap>() ?? [])
        {
            if (device.Fields.GetValueOrDefault("letter") is InputText letter && !char.IsAsciiLetter(letter.Value.FirstOrDefault()))
            {
                problems.Error(BootCodes.BadValue, letter, $"drive letter '{letter.Value}' must be one letter A-Z");
            }
        }
    }

    /// <inheritdoc/>
    public override Task<TaskExecutionResult> RunAsync(BootTaskRun run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        return SystemTasks.PowerShellAsync(SystemTasks.InitializeVolumeScript(run.Inputs), run.FileName, run.Context, cancellationToken);
    }
}
