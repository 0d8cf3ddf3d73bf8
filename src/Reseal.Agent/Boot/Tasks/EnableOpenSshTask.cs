using Reseal.Agent.Boot.Config;
using Reseal.Agent.Boot.Runner;

namespace Reseal.Agent.Boot.Tasks;

/// <summary>
/// <c>enableOpenSsh</c>: install and start OpenSSH Server (Windows Server 2019 and later), then, as EC2Launch v2 does with
/// the instance's key pair, install the launch keys the metadata gives (EC2 key pair, OpenStack <c>public_keys</c>, GCE
/// <c>ssh-keys</c> of the instance and, unless blocked, the project) into <c>administrators_authorized_keys</c>, for the
/// administrators (<see cref="SshAuthorizedKeys"/>). Invalid lines are skipped, each with a note; <c>installMetadataKeys:
/// false</c> turns this off.
/// </summary>
public sealed class EnableOpenSshTask() : BootTask(
    "enableOpenSsh",
    FrequencyRule.Once,
    [AgentStage.PreReady, AgentStage.UserData],
    InputSchema.MapOf(new InputField("installMetadataKeys", InputSchema.Flag)),
    "install and start OpenSSH Server (Windows Server 2019 and later) and install the metadata's SSH keys for the administrators")
{
    /// <summary>The first build with the OpenSSH Server capability (Windows Server 2019, Windows 10 1809).</summary>
    public const int FirstBuild = 17763;

    /// <inheritdoc/>
    public override string? WouldSkip(PlanFacts facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        return facts.Windows is { Build: < FirstBuild } windows
            ? $"OpenSSH Server comes with Windows Server 2019 (build {FirstBuild}) and later; this Windows is build {windows.Build}"
            : null;
    }

    /// <inheritdoc/>
    public override async Task<TaskExecutionResult> RunAsync(BootTaskRun run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        var enabled = await SystemTasks.EnableOpenSshAsync(run.FileName, run.Context, cancellationToken).ConfigureAwait(false);
        if (enabled.Action != ExitAction.Completed)
        {
            return enabled;
        }

        var keys = InstallMetadataKeys(run.Inputs.Flag("installMetadataKeys") ?? true, run.Context);
        var message = string.Join("; ", new[] { enabled.Message, keys.Note }.Where(m => !string.IsNullOrEmpty(m)));
        return keys.Failure is { } failure ? TaskExecutionResult.Failed(message + "; " + failure) : TaskExecutionResult.Done(message);
    }

    /// <summary>The metadata's launch keys into administrators_authorized_keys (after sshd is there, so its folder exists or is made safely).</summary>
    internal static SshKeysOutcome InstallMetadataKeys(bool install, BootTaskContext context)
    {
        if (!install)
        {
            return new SshKeysOutcome("metadata SSH keys not installed (installMetadataKeys: false)", null);
        }

        if (context.Metadata is not { } metadata)
        {
            return new SshKeysOutcome("no metadata, so no SSH keys to install", null);
        }

        if (metadata.PublicKeys.Count == 0)
        {
            return new SshKeysOutcome($"the {metadata.Source} metadata gives no SSH key", null);
        }

        var checkedKeys = MetadataSshKeys.Check(metadata.PublicKeys, context.Time.GetUtcNow());
        if (checkedKeys.Keys.Count == 0)
        {
            return new SshKeysOutcome(string.Join("; ", [.. checkedKeys.Skipped, "no valid SSH key in the metadata"]), null);
        }

        var installed = SshAuthorizedKeys.Install(context.Machine, "the administrators", checkedKeys.Keys, administrator: true);
        return installed with { Note = string.Join("; ", checkedKeys.Skipped.Append(installed.Note).Where(n => n.Length > 0)) };
    }
}
