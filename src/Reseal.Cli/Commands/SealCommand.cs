using System.CommandLine;
using Reseal.Agent.Boot.Config;
using Reseal.Cli.Rendering;
using Reseal.Sysprep.Seal;
using Reseal.Unattend.Profiles;
using Reseal.Windows.Layout;
using Reseal.Windows.Live;

namespace Reseal.Cli.Commands;

/// <summary>
/// <c>reseal seal</c>. With <c>--root</c>, an offline Windows tree from any OS: preflight and plan (<c>--dry-run</c>),
/// the plan's file and registry steps with an undo journal (<c>--yes</c>), and their rollback. Without it, the running
/// Windows: live preflight and plan (<c>--dry-run</c>), the whole seal — steps, BeforeSysprep hook, Sysprep and its watch,
/// undone on failure (<c>--yes</c>, or a confirmation typed at a terminal) — and rollback from the journal.
/// </summary>
internal static class SealCommand
{
    public static Command Create(CliContext context)
    {
        var root = new Option<string?>("--root", "-r") { Description = "An offline Windows tree (mounted image or copy), from any OS. Without it, the running Windows is sealed (Windows only; elsewhere exit 4).", HelpName = "dir" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Print the preflight checks and the plan; change nothing." };
        var rollback = new Option<bool>("--rollback") { Description = "Undo an earlier seal exactly, from its journal: of --root, or of this Windows when Sysprep did not generalize it." };
        var yes = new Option<bool>("--yes", "-y") { Description = "Do it without asking. With --root: apply the plan's file and registry steps to the tree. On a running Windows: the whole seal, Sysprep included (needed when standard input is not a terminal)." };
        var profile = new Option<string?>("--profile", "-p") { Description = "Answer-file profile: ec2config, ec2launch, ec2launch-v2, cloudbase-init or generic (default: the agent's own; generic for reseal). It picks the answer file only; the agent is --agent's." };
        profile.AcceptOnlyFromAmong([.. AnswerFileProfiles.ByCliName.Keys]);
        var agent = new Option<string>("--agent", "-a")
        {
            Description = "The launch agent the image boots into. auto (default): the one active agent on the machine, Reseal's service included; refused, naming what was found, when there is none or several. "
                + "reseal: Reseal's service. ec2launch-v2, ec2launch, ec2config, cloudbase-init: that installed agent, kept with its own answer-file commands, state reset and first-boot hook.",
            DefaultValueFactory = _ => "auto",
        };
        agent.AcceptOnlyFromAmong([.. SealAgents.ByCliName.Keys]);
        var shutdown = new Option<bool>("--shutdown") { Description = "Sysprep shuts the machine down when done (default)." };
        var reboot = new Option<bool>("--reboot") { Description = "Sysprep restarts the machine when done." };
        var quit = new Option<bool>("--quit") { Description = "Sysprep exits and leaves the machine running." };
        var modeVm = new Option<bool>("--mode-vm") { Description = "Pass /mode:vm (same hypervisor and hardware for every clone)." };
        var clean = new Option<bool>("--clean") { Description = "Also delete the agent's logs." };
        var answerFile = new Option<string?>("--answer-file") { Description = "Use this answer file instead of rendering the profile (it is linted).", HelpName = "file" };
        var noSysprep = new Option<bool>("--no-sysprep")
        {
            Description = "Shutdown without Sysprep (EC2Config's and EC2Launch's choice): reset the agent's state so its once-tasks run again at the next boot, apply --admin-password, keep RDP as it is, and shut down. No answer file, no first-boot hook, not generalized.",
        };
        var adminPassword = new Option<string?>("--admin-password")
        {
            Description = "The administrator password clones get, written into Reseal's agent configuration (agent-config.yml setAdminAccount): random (each clone its own, encrypted to its launch key), "
                + "specify (read from standard input, asked twice at a terminal; kept only in the administrators-only configuration and removed by the agent once the first boot has set it) "
                + "or keep (this machine's password; the answer file does not scramble it). Default: as the configuration says (random in the built-in default). Only with Reseal's agent.",
            HelpName = "random|specify|keep",
        };
        adminPassword.AcceptOnlyFromAmong("random", "specify", "keep");
        var answerOptions = new AnswerFileOptionSet();
        var force = new Option<bool>("--force") { Description = "Go on despite blocking preflight errors; with --rollback, roll back even files changed after apply (losing those changes), or a machine Sysprep already generalized." };
        var format = FormatOption.Create(OutputFormat.Text, OutputFormat.Json);
        var command = new Command("seal", "Check a machine can be sealed, then seal it for the launch agent it boots into (--agent): reset the agent's state, write the answer file, deny RDP, run the BeforeSysprep hook, install the agent's first-boot hook, run Sysprep and watch it; on failure undo every change and print the diagnosis. "
            + "--root DIR works on an offline tree from any OS (--dry-run, --yes applies the file and registry steps, --rollback). Without --root it seals the running Windows (Windows only): --dry-run checks and plans, --yes seals, and with neither a terminal asks first. "
            + "--no-sysprep resets the agent and shuts down without Sysprep; --admin-password random|specify|keep sets the clones' administrator password; --locale, --time-zone, --copy-profile and --skip-rearm shape the answer file. "
            + "Exit 0 ready/sealed, 1 blocked, refused or failed (undone), 2 usage (a pipeline must say --yes), 3 not a Windows tree, 4 not on Windows.")
        {
            root, dryRun, rollback, yes, agent, profile, shutdown, reboot, quit, modeVm, clean, answerFile, noSysprep, adminPassword, force, format,
        };
        foreach (var option in answerOptions.All)
        {
            command.Options.Insert(command.Options.IndexOf(noSysprep), option);
        }

        command.SetAction(async (parse, cancellation) =>
        {
            var completions = new[] { (parse.GetValue(shutdown), SysprepCompletion.Shutdown), (parse.GetValue(reboot), SysprepCompletion.Reboot), (parse.GetValue(quit), SysprepCompletion.Quit) }
                .Where(c => c.Item1).Select(c => c.Item2).ToList();
            if (completions.Count > 1)
            {
                throw new UsageException("choose one of --shutdown, --reboot, --quit");
            }

            var tree = parse.GetValue(root);
            var modes = new[] { parse.GetValue(dryRun), parse.GetValue(rollback), parse.GetValue(yes) }.Count(x => x);
            if (modes > 1 || (tree is not null && modes != 1))
            {
                throw new UsageException(tree is null
                    ? "give at most one of --dry-run (check and plan), --yes (seal) or --rollback"
                    : "give exactly one of --dry-run (check and plan), --yes (apply to the tree) or --rollback");
            }

            if (parse.GetValue(answerFile) is { } file && !File.Exists(file))
            {
                throw new BadInputException($"{file}: file not found");
            }

            if (parse.GetValue(noSysprep) && (completions.Count > 0 || parse.GetValue(modeVm) || parse.GetValue(answerFile) is not null))
            {
                throw new UsageException("--no-sysprep runs no Sysprep: it cannot be combined with --shutdown, --reboot, --quit, --mode-vm or --answer-file");
            }

            var choice = parse.GetValue(adminPassword) switch
            {
                "random" => AdminPasswordChoice.Random,
                "specify" => AdminPasswordChoice.Specify,
                "keep" => AdminPasswordChoice.Keep,
                _ => (AdminPasswordChoice?)null,
            };
            var profileOptions = answerOptions.Apply(parse, ProfileOptions.Default);
            // The password is asked for last, once every other option is known to be good, and only when something will be written.
            // A dry run plans with a stand-in: it writes nothing, so it need not ask.
            var specified = choice != AdminPasswordChoice.Specify || parse.GetValue(rollback) ? null
                : parse.GetValue(dryRun) ? new SecretText("(asked when sealing)")
                : new SecretText(AnswerFileOptionSet.ReadAdministratorPassword(context, "specified"));
            var options = new SealOptions
            {
                ProfileOptions = profileOptions,
                NoSysprep = parse.GetValue(noSysprep),
                AdminPassword = choice,
                SpecifiedPassword = specified,
                AgentConfigEditor = AgentConfigCheck.Instance,
                Profile = parse.GetValue(profile) is { } p ? AnswerFileProfiles.ByCliName[p] : null,
                Agent = SealAgents.ByCliName[parse.GetValue(agent)!],
                Completion = completions.Count == 1 ? completions[0] : SysprepCompletion.Shutdown,
                ModeVm = parse.GetValue(modeVm),
                Clean = parse.GetValue(clean),
                AnswerFileOverride = parse.GetValue(answerFile),
                Force = parse.GetValue(force),
                AgentConfigValidator = AgentConfigCheck.Instance,
            };
            var json = parse.GetValue(format) == OutputFormat.Json;
            if (tree is not null)
            {
                return Offline(context, tree, options, parse.GetValue(dryRun), parse.GetValue(rollback), json);
            }

            var machine = context.LiveMachine?.Invoke() ?? (OperatingSystem.IsWindows() ? LiveMachine.Create() : null)
                ?? throw new EnvironmentException(
                    $"sealing a running Windows needs Windows, and this is {System.Runtime.InteropServices.RuntimeInformation.OSDescription}; to prepare an offline Windows tree from any OS, use --root DIR with --dry-run, --yes or --rollback");
            var runner = new SealRunner(machine, context.Time, context.SealSettings);
            if (parse.GetValue(rollback))
            {
                var undone = runner.Rollback(options.Force);
                context.Out.Write(json ? ReportJson.Text(SealRendering.Json(undone)) + Environment.NewLine : SealRendering.Text(undone));
                return ExitCodes.For(undone.Status);
            }

            var confirm = !parse.GetValue(dryRun) && !parse.GetValue(yes);
            if (confirm && context.InputRedirected)
            {
                throw new UsageException("refusing to seal this machine without --yes: standard input is not a terminal, so no one can confirm (a pipeline must say --yes; --dry-run only checks)");
            }

            var report = runner.Preflight(options);
            if (parse.GetValue(dryRun))
            {
                context.Out.Write(json ? ReportJson.Text(SealRendering.Json(report)) + Environment.NewLine : SealRendering.Text(report));
                return ExitCodes.For(report.Readiness);
            }

            if (!json)
            {
                context.Out.Write(SealRendering.Text(report));
                context.Out.Flush();
            }

            if (confirm && !Confirm(context, report, options))
            {
                return ExitCodes.Findings;
            }

            var result = await runner.RunAsync(report, new MessageProgress(context), cancellation).ConfigureAwait(false);
            context.Out.Write(json ? ReportJson.Text(SealRendering.Json(result)) + Environment.NewLine : Environment.NewLine + SealRendering.Text(result));
            return ExitCodes.For(result);
        });
        return command;
    }

    private static int Offline(CliContext context, string tree, SealOptions options, bool dryRun, bool rollback, bool json)
    {
        if (dryRun)
        {
            var report = SealPlanner.DryRun(tree, options, context.Time);
            context.Out.Write(json ? ReportJson.Text(SealRendering.Json(report)) + Environment.NewLine : SealRendering.Text(report));
            return SayWhyBadInput(context, tree, ExitCodes.For(report.Readiness), ReportSummary.Of(report));
        }

        var result = rollback ? OfflineSealer.Rollback(tree, options.Force, context.Time) : OfflineSealer.Apply(tree, options, context.Time);
        context.Out.Write(json ? ReportJson.Text(SealRendering.Json(result)) + Environment.NewLine : SealRendering.Text(result));
        return SayWhyBadInput(context, tree, ExitCodes.For(result.Status), result.Message);
    }

    /// <summary>
    /// The report goes to standard output, which a pipeline may send to a file; an exit 3 also says why on standard
    /// error, as every command's does (docs/exit-codes.md).
    /// </summary>
    internal static int SayWhyBadInput(CliContext context, string tree, int code, string why)
    {
        if (code == ExitCodes.BadInput)
        {
            context.Message($"error: {tree}: {why}");
        }

        return code;
    }

    /// <summary>Asks at the terminal; true only for "yes" (or "y"). A blocked report is never offered.</summary>
    private static bool Confirm(CliContext context, SealReport report, SealOptions options)
    {
        if (report.Readiness is SealReadiness.Blocked or SealReadiness.NotWindows)
        {
            context.Message("not sealed: the preflight found errors (--force to seal anyway)");
            return false;
        }

        if (options.NoSysprep)
        {
            context.Error.Write("reseal: reset the agent's state and shut this machine down now, without Sysprep? Type yes to go on: ");
            context.Error.Flush();
            return Answer(context);
        }

        var after = options.Completion switch
        {
            SysprepCompletion.Reboot => "restart it",
            SysprepCompletion.Quit => "leave it running, generalized",
            _ => "shut it down",
        };
        context.Error.Write($"reseal: seal this machine now? Sysprep will generalize it and {after}. Type yes to go on: ");
        context.Error.Flush();
        return Answer(context);
    }

    private static bool Answer(CliContext context)
    {
        var answer = context.In.ReadLine()?.Trim();
        if (answer is not null && (answer.Equals("yes", StringComparison.OrdinalIgnoreCase) || answer.Equals("y", StringComparison.OrdinalIgnoreCase)))
        {
            return true;
        }

        context.Message("not sealed: nothing was changed");
        return false;
    }

    /// <summary>Progress lines to standard error, one at a time, as they come.</summary>
    private sealed class MessageProgress(CliContext context) : IProgress<string>
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
