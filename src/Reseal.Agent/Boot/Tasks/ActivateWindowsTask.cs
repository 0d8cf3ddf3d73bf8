using Reseal.Agent.Boot.Config;
using Reseal.Agent.Boot.Runner;
using Reseal.Cloud.Metadata;
using Reseal.Windows.Ports;

namespace Reseal.Agent.Boot.Tasks;

/// <summary><c>activateWindows</c> (once, preReady): KMS activation; <c>type: kms</c> with a <c>server</c> is a Reseal addition.</summary>
public sealed class ActivateWindowsTask() : BootTask(
    "activateWindows",
    FrequencyRule.Once,
    [AgentStage.PreReady],
    InputSchema.MapOf(new InputField("activation", InputSchema.MapOf(
        new InputField("type", InputSchema.OneOf("amazon", "kms"), Required: true),
        new InputField("server", InputSchema.Text)))),
    "activate Windows against KMS (amazon: the region's KMS; kms: 'server', a Reseal addition); skipped for BYOL")
{
    /// <inheritdoc/>
    public override void Check(InputMap entry, TaskInputProblems problems)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(problems);
        if (entry.Map("activation") is { } activation && activation.Text("type") == "kms" && activation.Text("server") is null)
        {
            problems.Error(BootCodes.MissingInput, activation, "'inputs.activation' with type kms needs 'server'");
        }
    }

    /// <inheritdoc/>
    public override Task<TaskExecutionResult> RunAsync(BootTaskRun run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        return ActivateAsync(run.Inputs, run.Context, cancellationToken);
    }

    /// <summary>EC2's KMS servers (link-local; answer only inside EC2).</summary>
    public static IReadOnlyList<string> AmazonKmsServers { get; } = ["169.254.169.250:1688", "169.254.169.251:1688"];

    /// <summary>
    /// <c>activateWindows</c>: points the Software Licensing service at a KMS server and activates (<c>slmgr.vbs /skms</c>,
    /// <c>/ato</c>). <c>type: amazon</c> uses EC2's KMS servers and is skipped off EC2; <c>type: kms</c> uses
    /// <c>server</c>. After <c>/ato</c>, done only when the licensing service says a Windows product is licensed (or
    /// cannot say); otherwise the next server is tried.
    /// </summary>
    public static async Task<TaskExecutionResult> ActivateAsync(InputMap inputs, BootTaskContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(context);
        var activation = inputs.Map("activation");
        var type = activation?.Text("type") ?? "amazon";
        IReadOnlyList<string> servers;
        if (type == "kms")
        {
            if (activation?.Text("server") is not { Length: > 0 } server)
            {
                return TaskExecutionResult.Failed("activation type kms needs 'server' (host or host:port)");
            }

            servers = [server.Contains(':', StringComparison.Ordinal) ? server : server + ":1688"];
        }
        else if (context.Metadata?.Source != MetadataSource.Ec2)
        {
            return TaskExecutionResult.Skip("activation type amazon applies only on EC2 (this instance's metadata is " +
                (context.Metadata?.Source.ToString() ?? "not available") + ")");
        }
        else
        {
            servers = AmazonKmsServers;
        }

        // Always pointed at the KMS server and activated, even when Windows already reads as activated:
        // an image keeps the licensing state of the machine it was made from (SkipRearm=1), whose KMS host may be
        // another network's; a renewal must go to the one this instance can reach.
        var failures = new List<string>();
        foreach (var server in servers)
        {
            var set = await Slmgr(context, ["/skms", server], cancellationToken).ConfigureAwait(false);
            if (!set.Succeeded)
            {
                failures.Add($"{server}: /skms exit {set.ExitCode}");
                continue;
            }

            var activate = await Slmgr(context, ["/ato"], cancellationToken).ConfigureAwait(false);
            if (!activate.Succeeded)
            {
                failures.Add($"{server}: /ato exit {activate.ExitCode}");
                continue;
            }

            // Microsoft documents slmgr.vbs's options and messages, not its exit codes ("Slmgr.vbs options for obtaining
            // volume activation information"), so exit 0 is not taken as the outcome: the licensing service is asked.
            switch (context.Machine.System.IsActivated())
            {
                case true:
                    return TaskExecutionResult.Done($"activated against {server}");
                case null:
                    return TaskExecutionResult.Done($"activated against {server} (slmgr /ato exit 0; the licensing state could not be read to confirm it)");
                default:
                    failures.Add($"{server}: /ato exit 0, but no Windows product is licensed after it");
                    break;
            }
        }

        return TaskExecutionResult.Failed("activation failed: " + string.Join("; ", failures));
    }

    private static Task<ProcessOutcome> Slmgr(BootTaskContext context, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var files = context.Machine.Files;
        return context.Machine.Processes.RunAsync(new ProcessRequest(files.Expand(@"%WINDIR%\System32\cscript.exe"),
            ["//B", "//NoLogo", files.Expand(@"%WINDIR%\System32\slmgr.vbs"), .. arguments], context.CommandTimeout), cancellationToken);
    }

}
