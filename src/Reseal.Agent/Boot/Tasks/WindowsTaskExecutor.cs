using Reseal.Agent.Boot.Config;
using Reseal.Agent.Boot.Runner;
using Reseal.Agent.Boot.UserData;

namespace Reseal.Agent.Boot.Tasks;

/// <summary>
/// Runs the boot units on a Windows machine (through its ports, so the same code runs on Windows, under Wine and
/// against the in-memory fakes of the tests).
/// </summary>
public sealed class WindowsTaskExecutor(BootTaskContext context) : IBootTaskExecutor
{
    /// <summary>The context the tasks run in.</summary>
    public BootTaskContext Context { get; } = context ?? throw new ArgumentNullException(nameof(context));

    /// <inheritdoc/>
    public async Task<TaskExecutionResult> ExecuteAsync(BootWorkUnit unit, ITaskConsole console, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(unit);
        ArgumentNullException.ThrowIfNull(console);
        var name = FileName(unit);
        if (unit.Item is { } item and not AgentTaskItem)
        {
            return item switch
            {
                ScriptItem script => await ScriptTasks.RunScriptAsync(script, name, Context, cancellationToken).ConfigureAwait(false),
                ProgramItem program => await ScriptTasks.RunProgramAsync(program, name, Context, cancellationToken).ConfigureAwait(false),
                WriteFileItem file => ScriptTasks.WriteFile(file, Context),
                CommandItem command => await ScriptTasks.RunCommandAsync(command, name, Context, cancellationToken).ConfigureAwait(false),
                HostNameItem host => SystemTasks.SetHostName(host.HostName, host.Reboot, Context),
                TimeZoneItem zone => await SystemTasks.SetTimeZoneAsync(zone.TimeZone, Context, cancellationToken).ConfigureAwait(false),
                UserItem user => await SystemTasks.CreateUserAsync(user, Context, cancellationToken).ConfigureAwait(false),
                _ => TaskExecutionResult.Failed($"no implementation for user-data item {item.GetType().Name}"),
            };
        }

        var inputs = unit.Inputs ?? ((unit.Item as AgentTaskItem)?.Task.Entries is [var first, ..] ? first : InputMap.Empty);
        return unit.TaskName switch
        {
            "setAdminAccount" => await AdminAccountTask.RunAsync(inputs, Context, console, cancellationToken).ConfigureAwait(false),
            "setHostName" => SystemTasks.SetHostName(inputs.Text("hostName"), inputs.Flag("reboot") ?? false, Context),
            "setDnsSuffix" => SystemTasks.SetDnsSuffix(inputs.Texts("suffixes"), Context),
            "activateWindows" => await SystemTasks.ActivateAsync(inputs, Context, cancellationToken).ConfigureAwait(false),
            "extendRootPartition" => await SystemTasks.PowerShellAsync(SystemTasks.ExtendRootPartitionScript, name, Context, cancellationToken).ConfigureAwait(false),
            "initializeVolume" => await SystemTasks.PowerShellAsync(SystemTasks.InitializeVolumeScript(inputs), name, Context, cancellationToken).ConfigureAwait(false),
            "enableOpenSsh" => await SystemTasks.EnableOpenSshAsync(name, Context, cancellationToken).ConfigureAwait(false),
            "startSsm" => await SystemTasks.StartSsmAsync(Context, cancellationToken).ConfigureAwait(false),
            "executeScript" => await ScriptTasks.RunScriptAsync(ScriptEntry(inputs, unit), name, Context, cancellationToken).ConfigureAwait(false),
            "executeProgram" => await ScriptTasks.RunProgramAsync(new ProgramItem(inputs.Text("path") ?? string.Empty, inputs.Texts("arguments"),
                RunAsOf(inputs), unit.Frequency, unit.ToString()), name, Context, cancellationToken).ConfigureAwait(false),
            "writeFile" => ScriptTasks.WriteFile(new WriteFileItem(inputs.Text("destination") ?? string.Empty,
                System.Text.Encoding.UTF8.GetBytes(inputs.Text("content") ?? string.Empty), false, null, unit.Frequency, unit.ToString()), Context),
            "sysprep" => await SysprepTask.RunAsync(inputs, Context, console, cancellationToken).ConfigureAwait(false),
            "enableJumboFrames" or "optimizeEna" => TaskExecutionResult.Skip($"{unit.TaskName} is not built in this version (it tunes Amazon's ENA adapter)"),
            "setWallpaper" => TaskExecutionResult.Skip("setWallpaper is not built in this version (drawing on the desktop needs a user session)"),
            _ => TaskExecutionResult.Failed($"no implementation for task {unit.TaskName}"),
        };
    }

    private static ScriptItem ScriptEntry(InputMap inputs, BootWorkUnit unit) => new(
        inputs.Text("type") == "batch" ? ScriptLanguage.Batch : ScriptLanguage.PowerShell,
        inputs.Text("content") ?? string.Empty,
        RunAsOf(inputs),
        unit.Frequency,
        inputs.Flag("detach") ?? false,
        inputs.Texts("arguments"),
        ExitCodeConvention.Ec2Launch,
        null,
        unit.ToString());

    private static RunAs RunAsOf(InputMap inputs) => inputs.Text("runAs") == "localSystem" ? RunAs.LocalSystem : RunAs.Admin;

    // A file name from the unit's key: the key is "stage/task/entry/hash" (hex and names only).
    private static string FileName(BootWorkUnit unit) =>
        new string([.. unit.Key.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '-')]);
}
