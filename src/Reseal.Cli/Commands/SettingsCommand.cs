using System.CommandLine;
using Reseal.Cli.Settings;
using Reseal.Windows.Layout;
using Reseal.Windows.Live;
using Reseal.Windows.Offline;
using Terminal.Gui.App;

namespace Reseal.Cli.Commands;

/// <summary>
/// <c>reseal settings</c>: the terminal UI that edits agent-config.yml with the choices of EC2Launch v2's settings UI and
/// EC2Config's Image tab, and seals with or without Sysprep (docs/settings-ui.md).
/// </summary>
internal static class SettingsCommand
{
    public static Command Create(CliContext context)
    {
        var root = new Option<string?>("--root", "-r")
        {
            Description = @"An offline Windows tree: edit <root>\ProgramData\Reseal\config\agent-config.yml; the shutdown buttons then only show the seal's dry run.",
            HelpName = "dir",
        };
        var config = new Option<string?>("--config", "-c")
        {
            Description = @"Edit this agent-config.yml instead (default: %ProgramData%\Reseal\config\agent-config.yml of the running Windows, or of --root).",
            HelpName = "file",
        };
        var command = new Command("settings", "Edit the agent's settings in a terminal UI (keyboard and mouse), as EC2Launch v2's settings UI does: "
            + "computer name, extend boot volume, administrator account (Random, Specify or Keep existing, and its name), SSM, ENA, OpenSSH, jumbo frames, "
            + "DNS suffixes ($REGION, $AZ), wallpaper attributes and volumes; other tasks and keys in the file are kept. "
            + "An invalid file is shown with its errors (line and column) and is not overwritten unless you start from the default. "
            + "Saving validates first and replaces the file atomically (mode 0600 on Unix; on Windows the Reseal folder is made administrators-only); quitting without saving writes nothing. "
            + "'Shutdown with Sysprep' and 'Shutdown without Sysprep' show the seal's preflight and ask before sealing; with --root they show the dry run only. "
            + "Needs a terminal. Exit 0 done, 1 the seal failed or was refused, 2 usage (no terminal), 3 --root is not a folder, 4 no Windows to edit (use --root or --config).")
        {
            root, config,
        };
        command.SetAction(async (parse, cancellation) =>
        {
            var tree = parse.GetValue(root);
            var file = parse.GetValue(config);
            if (context.InputRedirected || context.OutputRedirected)
            {
                throw new UsageException("reseal settings is interactive and needs a terminal; in scripts use 'reseal agent config' and 'reseal agent validate'");
            }

            if (tree is not null && !Directory.Exists(tree))
            {
                throw new BadInputException($"{tree}: not a folder (--root names an offline Windows tree)");
            }

            var live = context.LiveMachine ?? (OperatingSystem.IsWindows() ? LiveMachine.Create : null);
            var (path, protection) = Locate(context, tree, file, live);
            var document = SettingsFile.Load(path);
            var actions = new CliSealActions(context, tree, tree is null ? live : null);
            SealPreview? seal;
            bool saved;
            TerminalGuiSetup.EnsureConfigured();
            using (var app = Application.Create())
            {
                app.Init();
                using var window = new SettingsWindow(document, actions, new TuiPrompts(app), protection);
                app.Run(window);
                seal = window.SealToRun;
                saved = window.Document.DiskHash is { } hash && (document.DiskHash is null || !hash.AsSpan().SequenceEqual(document.DiskHash));
            }

            context.Message(saved ? $"settings saved to {path}" : $"no change written to {path}");
            return seal is null ? ExitCodes.Success : await actions.RunAsync(seal, cancellation).ConfigureAwait(false);
        });
        return command;
    }

    /// <summary>
    /// The file to edit and how to protect it: --config as given; else the agent's own path, in the --root tree (found
    /// as the seal finds it) or on the running Windows, whose Reseal folder is made administrators-only before a save.
    /// </summary>
    private static (string Path, SettingsProtection Protection) Locate(CliContext context, string? tree, string? file,
        Func<Reseal.Windows.Ports.IWindowsMachine>? live)
    {
        if (file is not null)
        {
            return (Path.GetFullPath(file), SettingsProtection.None);
        }

        if (tree is not null)
        {
            var path = new OfflineFiles(Path.GetFullPath(tree)).ToHostPath(SealPaths.AgentConfig);
            // An offline tree on a Windows host is still NTFS: its Reseal folder gets the same access list as a live one.
            return (path, OperatingSystem.IsWindows() && live is not null
                ? new SettingsProtection(_ => live().Files.RestrictToAdministrators(Path.GetDirectoryName(Path.GetDirectoryName(path))!))
                : SettingsProtection.None);
        }

        if (live is null)
        {
            throw new EnvironmentException(
                $"the running machine's settings are Windows', and this is {System.Runtime.InteropServices.RuntimeInformation.OSDescription}; use --root DIR for an offline Windows tree or --config FILE for a file");
        }

        var machine = live();
        var configFile = context.AgentPaths?.Invoke(machine).ConfigFile ?? machine.Files.Expand(SealPaths.AgentConfig);
        return (configFile, new SettingsProtection(_ => machine.Files.RestrictToAdministrators(@"%ProgramData%\Reseal")));
    }
}
