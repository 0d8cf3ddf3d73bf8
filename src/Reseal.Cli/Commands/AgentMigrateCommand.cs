using System.CommandLine;
using Reseal.Agent.Boot;
using Reseal.Agent.Boot.Migration;
using Reseal.Cli.Rendering;
using Reseal.Sysprep.Migration;
using Reseal.Sysprep.Seal;
using Reseal.Windows.Layout;
using Reseal.Windows.Live;
using Reseal.Windows.Offline;
using Reseal.Windows.Ports;
using Reseal.Windows.Service;

namespace Reseal.Cli.Commands;

/// <summary>
/// <c>reseal agent migrate</c>: reads EC2Config's, EC2Launch v1's or Cloudbase-Init's settings (the running Windows, or
/// an offline tree with <c>--root</c>), reports what becomes of each, writes the equivalent agent-config.yml only when it
/// validates, and with <c>--apply</c> switches the machine to Reseal's agent (journaled; <c>--rollback</c> undoes it).
/// </summary>
internal static class AgentMigrateCommand
{
    public static Command Create(CliContext context)
    {
        var from = new Option<string>("--from")
        {
            Description = "The agent whose settings to read: auto (the one installed; refused when none or several are), ec2config, ec2launch (v1) or cloudbase-init.",
            DefaultValueFactory = _ => "auto",
            HelpName = "auto|ec2config|ec2launch|cloudbase-init",
        };
        from.AcceptOnlyFromAmong([.. AgentMigrator.ByCliName.Keys]);
        var root = new Option<string?>("--root", "-r") { Description = "An offline Windows tree (mounted image or copy), from any OS. Without it, the running Windows (Windows only).", HelpName = "dir" };
        var output = new Option<string?>("--output", "-o") { Description = "Write the agent-config.yml here (atomically; only when it validates). Without it and without --apply, nothing is written.", HelpName = "file" };
        var force = new Option<bool>("--force") { Description = "Overwrite --output, or with --apply the machine's agent-config.yml (kept in the journal); with --rollback, roll back even a configuration edited since." };
        var apply = new Option<bool>("--apply")
        {
            Description = @"Also switch the machine to Reseal: write %ProgramData%\Reseal\config\agent-config.yml, stop and disable the old agent's service (EC2Config, Cloudbase-Init) or EC2Launch v1's scheduled task, remove its SetupComplete.cmd lines, install Reseal's service; the SSM Agent is kept. Journaled; a failure part-way is undone.",
        };
        var rollback = new Option<bool>("--rollback") { Description = "Undo an earlier --apply exactly, from its journal." };
        var exe = new Option<string?>("--exe") { Description = @"With --apply: reseal.exe the service runs (default %ProgramFiles%\Reseal\reseal.exe on the machine).", HelpName = "path" };
        var format = FormatOption.Create(OutputFormat.Text, OutputFormat.Json);
        var command = new Command("migrate",
            "Bring EC2Config, EC2Launch v1 or Cloudbase-Init settings over to Reseal: a report of every setting (mapped to which task and input, already Reseal's default, or not migrated and why) "
            + "and an equivalent agent-config.yml, checked as 'agent validate' checks it. Exit 3 when a settings file is malformed or unknown (nothing is written).")
        {
            from, root, output, force, apply, rollback, exe, format,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var json = parse.GetValue(format) == OutputFormat.Json;
            var target = parse.GetValue(output);
            if (parse.GetValue(rollback) && (parse.GetValue(apply) || target is not null))
            {
                throw new UsageException("--rollback undoes an earlier --apply; give it without --apply and --output");
            }

            if (parse.GetValue(apply) && target is not null)
            {
                throw new UsageException(@"--apply writes the machine's own %ProgramData%\Reseal\config\agent-config.yml; --output is for writing it elsewhere without switching");
            }

            if (target is not null && File.Exists(target) && !parse.GetValue(force))
            {
                throw new UsageException($"{target} exists; use --force to overwrite it");
            }

            var machine = Machine(context, parse.GetValue(root));
            var installer = Installer(context, machine);
            if (parse.GetValue(rollback))
            {
                var undone = await MigrationApplier.RollbackAsync(machine, installer, parse.GetValue(force), cancellationToken).ConfigureAwait(false);
                context.Out.Write(json ? ReportJson.Text(SealRendering.Json(undone)) + Environment.NewLine : SealRendering.Text(undone));
                return ExitCodes.For(undone.Status);
            }

            var agent = AgentMigrator.Resolve(AgentMigrator.ByCliName[parse.GetValue(from)!], machine.Files, out var problem);
            if (agent is null)
            {
                throw AgentMigrator.Detect(machine.Files).Count == 0 ? new EnvironmentException(problem!) : new UsageException(problem!);
            }

            var result = AgentMigrator.Migrate(machine.Files, agent.Value);
            string? written = null;
            SealChangeResult? applied = null;
            if (result.Succeeded && target is not null)
            {
                written = Write(target, result);
            }
            else if (result.Succeeded && parse.GetValue(apply))
            {
                var exePath = parse.GetValue(exe) ?? machine.Files.Expand(SealPaths.ResealExe);
                if (parse.GetValue(exe) is null && !machine.Files.FileExists(exePath))
                {
                    throw new EnvironmentException($"{exePath} is not there for the service to run: install Reseal there first, or give --exe");
                }

                applied = await MigrationApplier.ApplyAsync(machine,
                    new MigrationApplyRequest(SealAgentOf(agent.Value), [.. System.Text.Encoding.UTF8.GetBytes(result.Yaml!)], result.HasClearTextPassword,
                        ServiceInstallSpec.ForReseal(exePath), installer, parse.GetValue(force)),
                    context.Time, cancellationToken).ConfigureAwait(false);
                written = applied.Succeeded ? machine.Files.Expand(SealPaths.AgentConfig) : null;
            }

            if (json)
            {
                var report = MigrationRendering.Json(result, written);
                if (applied is not null)
                {
                    report["apply"] = SealRendering.Json(applied);
                }

                context.Out.WriteLine(ReportJson.Text(report));
            }
            else
            {
                context.Out.Write(MigrationRendering.Text(result));
                foreach (var diagnostic in result.Diagnostics.InPrintOrder())
                {
                    context.Error.WriteLine(diagnostic.ToString());
                }

                if (applied is not null)
                {
                    context.Out.Write(SealRendering.Text(applied));
                }
            }

            if (!result.Succeeded)
            {
                // A settings file that cannot be read as its agent's is bad input; a produced configuration that does not
                // validate is a failed check (and a bug in the mapping): either way nothing was written.
                var fromFiles = result.Diagnostics.Any(d => d.IsError && d.Source != "migrated agent-config.yml");
                var errors = result.Diagnostics.Count(d => d.IsError);
                if (fromFiles)
                {
                    throw new BadInputException($"{errors} error(s) in {AgentMigrator.DisplayName(agent.Value)}'s settings; nothing was written");
                }

                context.Message($"the migrated configuration does not validate ({errors} error(s)); nothing was written");
                return ExitCodes.Findings;
            }

            if (applied is not null)
            {
                return ExitCodes.For(applied.Status);
            }

            context.Message(written is null
                ? "nothing written: give --output FILE to write the configuration, or --apply to switch this machine to Reseal"
                : $"wrote {written}{(result.HasClearTextPassword ? " (it holds the administrator password in clear text: readable by its owner only)" : "")}");
            return ExitCodes.Success;
        });
        return command;
    }

    private static IWindowsMachine Machine(CliContext context, string? root)
    {
        if (root is not null)
        {
            return Directory.Exists(root) ? OfflineWindows.Open(root, context.Time) : throw new BadInputException($"{root}: no such folder");
        }

        return context.LiveMachine?.Invoke() ?? (OperatingSystem.IsWindows() ? LiveMachine.Create() : null)
            ?? throw new EnvironmentException(
                $"reading the installed agent's settings needs the running Windows, and this is {System.Runtime.InteropServices.RuntimeInformation.OSDescription}; for an offline Windows tree use --root DIR");
    }

    private static IServiceInstaller? Installer(CliContext context, IWindowsMachine machine) =>
        context.ServiceInstaller?.Invoke()
        ?? (OperatingSystem.IsWindows() && machine.OfflineTree is null && context.LiveMachine is null
            ? new Reseal.Windows.Live.Service.WindowsServiceInstaller(machine.Registry)
            : null);

    private static SealAgent SealAgentOf(MigrationAgent agent) => agent switch
    {
        MigrationAgent.Ec2Config => SealAgent.Ec2Config,
        MigrationAgent.Ec2Launch => SealAgent.Ec2Launch,
        _ => SealAgent.CloudbaseInit,
    };

    /// <summary>
    /// Writes the configuration atomically. One that holds a clear-text password is readable by its owner only (mode
    /// 0600) on Unix; on Windows it goes only where --apply puts it, Reseal's administrators-only folder.
    /// </summary>
    private static string Write(string target, MigrationResult result)
    {
        var full = Path.GetFullPath(target);
        if (result.HasClearTextPassword && OperatingSystem.IsWindows())
        {
            throw new UsageException(@"the configuration holds the administrator password in clear text (EC2Launch v1's adminPasswordType Specify): use --apply, which writes it to %ProgramData%\Reseal\config readable by administrators only, or set adminPasswordType to Random first");
        }

        var options = result.HasClearTextPassword && !OperatingSystem.IsWindows() ? OwnerOnly() : null;
        AtomicFile.WriteText(full, result.Yaml!, options);
        if (result.HasClearTextPassword && !OperatingSystem.IsWindows())
        {
            // An existing target passes its own mode on to the new file (AtomicFile); a password file must not keep a wider one.
            File.SetUnixFileMode(full, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        return full;
    }

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static AtomicWriteOptions OwnerOnly() => new()
    {
        CreateNew = temp => new FileStream(temp, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.None,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        }),
    };
}
