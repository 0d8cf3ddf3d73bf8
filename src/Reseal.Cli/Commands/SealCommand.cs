using System.CommandLine;
using Reseal.Agent.Seal;
using Reseal.Unattend.Profiles;

namespace Reseal.Cli.Commands;

/// <summary>
/// <c>reseal seal</c> against an offline Windows tree (any OS): preflight and plan (<c>--dry-run</c>), the file and
/// registry steps of the plan with an undo journal, and their rollback. Sealing a running Windows (running Sysprep and
/// watching it) is not built yet; the command says so rather than pretending.
/// </summary>
internal static class SealCommand
{
    public static Command Create(CliContext context)
    {
        var root = new Option<string?>("--root", "-r") { Description = "An offline Windows tree (mounted image or copy). Required in this build: sealing a running Windows is not built yet.", HelpName = "dir" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Print the preflight checks and the plan; change nothing." };
        var rollback = new Option<bool>("--rollback") { Description = "Undo an earlier offline seal of --root, exactly, from its journal." };
        var yes = new Option<bool>("--yes", "-y") { Description = "Apply the plan's file and registry steps to --root without asking." };
        var profile = new Option<string>("--profile", "-p") { Description = "Answer-file profile: ec2config, ec2launch, ec2launch-v2, cloudbase-init or generic.", DefaultValueFactory = _ => "generic" };
        profile.AcceptOnlyFromAmong([.. AnswerFileProfiles.ByCliName.Keys]);
        var shutdown = new Option<bool>("--shutdown") { Description = "Sysprep shuts the machine down when done (default)." };
        var reboot = new Option<bool>("--reboot") { Description = "Sysprep restarts the machine when done." };
        var quit = new Option<bool>("--quit") { Description = "Sysprep exits and leaves the machine running." };
        var modeVm = new Option<bool>("--mode-vm") { Description = "Pass /mode:vm (same hypervisor and hardware for every clone)." };
        var clean = new Option<bool>("--clean") { Description = "Also delete the agent's logs." };
        var answerFile = new Option<string?>("--answer-file") { Description = "Use this answer file instead of rendering the profile (it is linted).", HelpName = "file" };
        var force = new Option<bool>("--force") { Description = "Go on despite blocking preflight errors; with --rollback, roll back even files changed after apply (losing those changes)." };
        var format = FormatOption.Create(OutputFormat.Text, OutputFormat.Json);
        var command = new Command("seal", "Check a machine can be sealed, then prepare it: reset agent state, write the answer file, deny RDP, install the first-boot hook, and run Sysprep. This build works on offline trees (--root): --dry-run prints checks and plan; --yes applies the file and registry steps with an undo journal; --rollback undoes them. Exit 0 ready/done, 1 blocked or refused, 3 not a Windows tree.")
        {
            root, dryRun, rollback, yes, profile, shutdown, reboot, quit, modeVm, clean, answerFile, force, format,
        };
        command.SetAction(parse =>
        {
            var tree = parse.GetValue(root) ?? throw new EnvironmentException(
                "sealing a running Windows (running Sysprep and watching it) is not built yet; use --root DIR with --dry-run, --yes or --rollback for an offline tree");
            var completions = new[] { (parse.GetValue(shutdown), SysprepCompletion.Shutdown), (parse.GetValue(reboot), SysprepCompletion.Reboot), (parse.GetValue(quit), SysprepCompletion.Quit) }
                .Where(c => c.Item1).Select(c => c.Item2).ToList();
            if (completions.Count > 1)
            {
                throw new UsageException("choose one of --shutdown, --reboot, --quit");
            }

            var modes = new[] { parse.GetValue(dryRun), parse.GetValue(rollback), parse.GetValue(yes) }.Count(x => x);
            if (modes != 1)
            {
                throw new UsageException("give exactly one of --dry-run (check and plan), --yes (apply to the tree) or --rollback");
            }

            if (parse.GetValue(answerFile) is { } file && !File.Exists(file))
            {
                throw new BadInputException($"{file}: file not found");
            }

            var options = new SealOptions
            {
                Profile = AnswerFileProfiles.ByCliName[parse.GetValue(profile)!],
                Completion = completions.Count == 1 ? completions[0] : SysprepCompletion.Shutdown,
                ModeVm = parse.GetValue(modeVm),
                Clean = parse.GetValue(clean),
                AnswerFileOverride = parse.GetValue(answerFile),
                Force = parse.GetValue(force),
            };
            var json = parse.GetValue(format) == OutputFormat.Json;
            if (parse.GetValue(dryRun))
            {
                var report = SealPlanner.DryRun(tree, options);
                context.Out.Write(json ? report.ToJsonText() + Environment.NewLine : report.ToText());
                return report.ExitCode;
            }

            var result = parse.GetValue(rollback) ? OfflineSealer.Rollback(tree, parse.GetValue(force)) : OfflineSealer.Apply(tree, options);
            context.Out.Write(json ? result.ToJsonText() + Environment.NewLine : result.ToText());
            return result.ExitCode;
        });
        return command;
    }
}
