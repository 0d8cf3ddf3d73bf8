using Reseal.Agent.Boot.Config;
using Reseal.Cli.Rendering;
using Reseal.Sysprep.Seal;
using Reseal.Windows.Ports;

namespace Reseal.Cli.Settings;

/// <summary>What a seal button would do, shown before anything happens.</summary>
/// <param name="Sysprep">Shutdown with Sysprep (true) or without (false).</param>
/// <param name="Text">The preflight and plan, as <c>reseal seal --dry-run</c> prints them.</param>
/// <param name="CanRun">The seal may go on after the user confirms (false: blocked by the preflight, a dry run only, or not available).</param>
/// <param name="Why">When it cannot run: why, in one line.</param>
internal sealed record SealPreview(bool Sysprep, string Text, bool CanRun, string? Why)
{
    /// <summary>The report the run starts from (null for a dry run or a fake).</summary>
    public SealReport? Report { get; init; }
}

/// <summary>
/// The seam between the settings views and sealing: the two buttons of EC2Launch v2's "Prepare for imaging" (and
/// EC2Config's Image tab). The real one (<see cref="CliSealActions"/>) is the seal command's code; tests give a fake.
/// </summary>
internal interface ISealActions
{
    /// <summary>What the buttons act on, for the screen: the running Windows, or an offline tree (dry run only).</summary>
    string Target { get; }

    /// <summary>The preflight and plan of a seal with or without Sysprep; changes nothing.</summary>
    SealPreview Preview(bool sysprep);

    /// <summary>Seals as <paramref name="preview"/> planned, after the user confirmed and the views are closed; returns the exit code.</summary>
    Task<int> RunAsync(SealPreview preview, CancellationToken cancellationToken);
}

/// <summary>
/// The seal behind the buttons: <c>reseal seal</c>'s own code (SealPlanner's dry run of an offline tree, SealRunner's
/// preflight and run of the running Windows, SealRendering's text, ExitCodes), with the options <c>reseal seal</c> uses
/// when given none, plus <c>--no-sysprep</c> for "Shutdown without Sysprep". With <c>--root</c> nothing is shut down:
/// both buttons show the dry run.
/// </summary>
internal sealed class CliSealActions(CliContext context, string? root, Func<IWindowsMachine>? liveMachine) : ISealActions
{
    public string Target => root is not null
        ? $"offline tree {root} (dry run: nothing is shut down)"
        : liveMachine is not null ? "this Windows" : "nothing (sealing the running Windows needs Windows; use --root DIR for an offline tree)";

    public SealPreview Preview(bool sysprep)
    {
        // reseal seal's options when given none, with --no-sysprep for "Shutdown without Sysprep". The password choice
        // is not passed: the settings just saved hold it (AdminPassword null leaves the configuration as it is).
        var options = new SealOptions { AgentConfigValidator = AgentConfigCheck.Instance, NoSysprep = !sysprep };

        if (root is not null)
        {
            var dryRun = SealPlanner.DryRun(root, options, context.Time);
            return new(sysprep, SealRendering.Text(dryRun), false, "--root: a dry run; nothing is sealed or shut down");
        }

        if (liveMachine is null)
        {
            return new(sysprep, "", false, "sealing the running Windows needs Windows; use --root DIR for an offline tree");
        }

        var report = new SealRunner(liveMachine(), context.Time, context.SealSettings).Preflight(options);
        var blocked = report.Readiness is SealReadiness.Blocked or SealReadiness.NotWindows;
        return new(sysprep, SealRendering.Text(report), !blocked, blocked ? "the preflight found errors; nothing will be done" : null) { Report = report };
    }

    public async Task<int> RunAsync(SealPreview preview, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(preview);
        if (!preview.CanRun || preview.Report is not { } report || liveMachine is null)
        {
            context.Message($"not sealed: {preview.Why ?? "nothing to run"}");
            return ExitCodes.Findings;
        }

        var runner = new SealRunner(liveMachine(), context.Time, context.SealSettings);
        var result = await runner.RunAsync(report, new Progress(context), cancellationToken).ConfigureAwait(false);
        context.Out.Write(Environment.NewLine + SealRendering.Text(result));
        return ExitCodes.For(result);
    }

    /// <summary>Progress lines to standard error as they come (the views are closed by then).</summary>
    private sealed class Progress(CliContext context) : IProgress<string>
    {
        private readonly Lock _gate = new();

        public void Report(string value)
        {
            lock (_gate)
            {
                context.Message(value);
                context.Error.Flush();
            }
        }
    }
}
