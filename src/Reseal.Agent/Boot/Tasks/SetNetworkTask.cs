using System.ComponentModel;
using System.Globalization;
using Reseal.Agent.Boot.Config;
using Reseal.Agent.Boot.Network;
using Reseal.Agent.Boot.Runner;
using Reseal.Cloud.Metadata;

namespace Reseal.Agent.Boot.Tasks;

/// <summary>
/// <c>setNetwork</c>: applies the static network description the metadata carries (OpenStack <c>network_data.json</c>,
/// NoCloud <c>network-config</c> v1/v2) — addresses, gateways and routes, DNS servers and search list, MTU — to the
/// interfaces with the described MAC addresses, leaving DHCP families to DHCP. Then it checks that the metadata service
/// still answers (input <c>verify</c>, default true; a config drive needs no check) and undoes every change, in reverse
/// order, when a change or that check fails. What the description has that Reseal does not configure (bonds, VLANs,
/// unknown types) is said "not supported" on the console, and the rest is configured.
/// </summary>
public sealed class SetNetworkTask() : BootTask(
    "setNetwork",
    FrequencyRule.Once,
    [AgentStage.Network],
    InputSchema.MapOf(new InputField("verify", InputSchema.Flag)),
    "apply the static network description from metadata (addresses, routes, DNS, MTU by MAC), verified, rolled back on failure")
{
    /// <summary>The start of every console line it writes.</summary>
    public const string ConsolePrefix = "Message: Network: ";

    /// <inheritdoc/>
    public override string? WouldSkip(PlanFacts facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        return facts.Metadata is { NetworkData: null } metadata
            ? $"the metadata from {metadata.Source} has no network description (network_data.json or network-config)"
            : null;
    }

    /// <summary>The reader's name for the description a source gives (it tells JSON from YAML by it).</summary>
    public static string DescriptionName(MetadataSource source) =>
        source is MetadataSource.OpenStack or MetadataSource.ConfigDrive ? "network_data.json" : "network-config";

    /// <inheritdoc/>
    public override async Task<TaskExecutionResult> RunAsync(BootTaskRun run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        var context = run.Context;
        if (context.Metadata is not { } metadata)
        {
            return TaskExecutionResult.Skip("no metadata: there is no network description to apply");
        }

        if (metadata.NetworkData is not { } text)
        {
            return TaskExecutionResult.Skip($"the metadata from {metadata.Source} has no network description; the interfaces keep DHCP");
        }

        var read = NetworkConfigReader.Read(text, DescriptionName(metadata.Source));
        foreach (var diagnostic in read.Diagnostics)
        {
            run.Console.WriteLine(ConsolePrefix + diagnostic.Message);
        }

        if (read.Config is not { } config)
        {
            return TaskExecutionResult.Failed($"the network description cannot be used: {read.Diagnostics.FirstOrDefault(d => d.IsError)?.ToString() ?? "unreadable"}");
        }

        IReadOnlyList<InterfacePlan> plans;
        try
        {
            plans = NetworkPlanner.Plan(config, context.Machine.Network.ListInterfaces());
        }
        catch (Exception e) when (e is Win32Exception or PlatformNotSupportedException)
        {
            return TaskExecutionResult.Failed("cannot list the network interfaces: " + e.Message);
        }

        foreach (var plan in plans.Where(p => p.Problem is not null))
        {
            run.Console.WriteLine(ConsolePrefix + plan.Problem);
        }

        var changes = plans.SelectMany(p => p.Changes).ToList();
        if (changes.Count == 0)
        {
            var configured = plans.Count(p => p.Problem is null);
            return TaskExecutionResult.Done(configured == 0
                ? "no described interface was found to configure"
                : $"{configured.ToString(CultureInfo.InvariantCulture)} interface(s) already as described (or left to DHCP)");
        }

        var verify = run.Inputs.Flag("verify") ?? true ? context.VerifyMetadata : null;
        var result = await NetworkPlanner.ApplyAsync(context.Machine.Network, changes, verify, cancellationToken).ConfigureAwait(false);
        if (result.Succeeded)
        {
            var described = string.Join("; ", plans.Where(p => p.Changes.Count > 0).Select(p => $"{p.Target!.Describe()}: {string.Join(", ", p.Changes)}"));
            run.Console.WriteLine($"{ConsolePrefix}applied {result.Applied.Count.ToString(CultureInfo.InvariantCulture)} change(s) from {config.Format}: {described}");
            return TaskExecutionResult.Done($"{result.Applied.Count.ToString(CultureInfo.InvariantCulture)} network change(s) applied" + (verify is null ? "" : " and the metadata service still answers"));
        }

        var summary = $"rolled back {result.Applied.Count.ToString(CultureInfo.InvariantCulture)} change(s) because {result.Failure}";
        run.Console.WriteLine(ConsolePrefix + summary);
        foreach (var undo in result.UndoFailures)
        {
            run.Console.WriteLine(ConsolePrefix + undo);
        }

        return TaskExecutionResult.Failed(summary + (result.UndoFailures.Count == 0 ? "" : $"; {result.UndoFailures.Count.ToString(CultureInfo.InvariantCulture)} undo step(s) failed, see the console"));
    }
}
