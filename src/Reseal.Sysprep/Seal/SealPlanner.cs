using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using Reseal.Sysprep.Inspection;
using Reseal.Unattend.Lint;
using Reseal.Unattend.Model;
using Reseal.Unattend.Passwords;
using Reseal.Unattend.Profiles;
using Reseal.Windows.Layout;
using Reseal.Windows.Offline;
using Reseal.Windows.Ports;

namespace Reseal.Sysprep.Seal;

/// <summary>
/// Builds what <c>reseal seal</c> would do (DESIGN.md lifecycle step 1): the preflight checks and the ordered plan, from
/// the facts <see cref="WindowsInspector"/> read and the machine's ports. Changes nothing.
/// </summary>
public static class SealPlanner
{
    /// <summary>
    /// <c>reseal seal --dry-run --root DIR</c>: inspects the offline tree, runs the preflight checks and builds the plan.
    /// Never throws for a bad tree: a missing folder, a tree that is not Windows or damaged hives become checks.
    /// </summary>
    public static SealReport DryRun(string root, SealOptions? options = null, TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        options ??= SealOptions.Default;
        time ??= TimeProvider.System;
        if (!Directory.Exists(root))
        {
            return SealReport.NotWindows(root, options, WindowsInspector.Inspect(root, time));
        }

        var windows = OfflineWindows.Open(root, time);
        var inspection = WindowsInspector.Inspect(windows);
        if (inspection.Readiness == Readiness.Unreadable)
        {
            return SealReport.NotWindows(root, options, inspection);
        }

        return Prepare(windows, inspection, options, PreflightEnvironment.Offline);
    }

    /// <summary>Runs the checks and builds the plan for a machine whose facts were already inspected.</summary>
    public static SealReport Prepare(IWindowsMachine machine, InspectionReport inspection, SealOptions options, PreflightEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(machine);
        ArgumentNullException.ThrowIfNull(inspection);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(environment);
        var plan = BuildPlan(machine, inspection.Facts, options);
        var checks = SealPreflight.Run(machine, inspection, plan, options, environment);
        return SealReport.Create(inspection.Root, options, checks, plan);
    }

    /// <summary>The ordered plan.</summary>
    public static SealPlan BuildPlan(IWindowsMachine machine, InspectionFacts facts, SealOptions options)
    {
        ArgumentNullException.ThrowIfNull(machine);
        ArgumentNullException.ThrowIfNull(facts);
        ArgumentNullException.ThrowIfNull(options);
        var files = machine.Files;
        var steps = ImmutableArray.CreateBuilder<SealStep>();
        var agent = SealAgents.Resolve(options.Agent, facts, out var agentProblem);
        var kept = agent ?? SealAgent.Reseal;
        var agentChanges = agent is { } a ? SealAgents.StateChanges(machine, a) : [];
        var hookLines = SealAgents.HookLines(kept);

        // 1. Agent state: the files AgentStateStore.Reset deletes, and with --clean the logs.
        var stateDirectory = files.Expand(SealPaths.StateDirectory);
        // The hand-over marker too: a clone must never find one from this machine's own Setup.
        // run.json too: a clone whose clock is behind the builder's would take the builder's last run for one of its own boot.
        var stateFiles = new[] { AgentStateFiles.State, AgentStateFiles.PreviousState, AgentStateFiles.SetupHandOverMarker, AgentStateFiles.RunStatus }
            .Select(name => stateDirectory + "\\" + name)
            .Where(path => SafeFiles.Exists(files, path))
            .Concat(SafeFiles.List(files, stateDirectory).Where(path => AgentStateFiles.IsTemporaryStateFile(path[(path.LastIndexOf('\\') + 1)..])))
            .Select(path => OnDiskPath(files, path))
            .ToImmutableArray();
        var logFiles = options.Clean ? SafeFiles.List(files, SealPaths.LogDirectory) : [];
        var resetChanges = stateFiles.Select(p => $"delete {p}").Concat(logFiles.Select(p => $"delete {p} (--clean)"))
            .Concat(agentChanges.Select(c => c.Describe + (agent is { } k && k != SealAgent.Reseal ? $" ({SealAgents.DetectorName(k)})" : ""))).ToImmutableArray();
        steps.Add(new SealStep(SealStepIds.ResetAgentState, agent is { } named && named != SealAgent.Reseal
                ? $"Reset the agent state ({SealAgents.DetectorName(named)}, kept) so once-tasks run again in every clone"
                : "Reset the agent state so once-tasks run again in every clone",
            resetChanges.IsEmpty ? [$"nothing to delete: no agent state in {stateDirectory}{(options.Clean ? " and no logs" : "")}"] : resetChanges,
            "restore the deleted files from the undo journal", AppliesOffline: true));

        // The administrator password choice (--admin-password): Reseal's agent configuration, rewritten.
        var adminConfig = PlanAdminPassword(machine, options, agent, out var adminProblem);
        if (options.AdminPassword is { } choice)
        {
            steps.Add(new SealStep(SealStepIds.SetAdminPassword, $"Set the administrator password choice ({choice.ToString().ToLowerInvariant()}) in the agent configuration",
                adminProblem is not null ? [$"cannot: {adminProblem}"]
                    : adminConfig is null ? [$"{files.Expand(SealPaths.AgentConfig)} already says so (unchanged)"]
                    : [$"{adminConfig.What} in {adminConfig.Path}"],
                adminConfig is null ? "nothing to undo" : $"restore the previous {adminConfig.Path} from the undo journal", AppliesOffline: true));
        }

        if (options.NoSysprep)
        {
            return NoSysprepPlan(machine, options, steps, stateFiles, logFiles, agent, agentProblem, agentChanges, adminConfig, adminProblem);
        }

        // 2. The answer file.
        var answer = PlanAnswerFile(machine, options, kept);
        var answerTarget = answer.TargetPath;
        var existingLength = SafeFiles.Length(files, answerTarget);
        var answerChanges = ImmutableArray.Create(
            answer.Bytes.IsDefault
                ? $"cannot write {answerTarget}: {answer.Source} could not be read"
                : $"write {answerTarget} ({answer.Bytes.Length} bytes, {answer.Source}{(answer.Locale is { } l ? $", locale {l.Locale} from {l.Source}" : "")})");
        if (existingLength is { } length)
        {
            answerChanges = answerChanges.Add($"replaces the existing {answerTarget} ({length} bytes)");
        }

        if (answer.Locale?.Note is { } note)
        {
            answerChanges = answerChanges.Add("note: " + note);
        }

        steps.Add(new SealStep(SealStepIds.WriteAnswerFile, "Write the answer file Sysprep is given with /unattend:", answerChanges,
            existingLength is null ? $"delete {answerTarget}" : $"restore the previous {answerTarget}", AppliesOffline: true, answer.Text));

        // 3. Cached answer files that would win over ours.
        // A Panther file that UnattendFile also names is listed once, under the registry's role: it is moved all the same.
        var moves = facts.AnswerFiles
            .Where(a => a.WinsOverSysprepFolder || InPanther(files, a.Path))
            .Select(a => OnDiskPath(files, a.Path))
            .Select(path => new FileMove(path, MoveTarget(files, path)))
            .ToImmutableArray();
        // HKLM\SYSTEM\Setup!UnattendFile names the answer file Setup reads first: one that is not ours is cleared.
        var unattendValue = facts.Setup?.UnattendFile?.Trim();
        var unattendToClear = string.IsNullOrEmpty(unattendValue) || SamePath(files, unattendValue, answerTarget) ? null : unattendValue;
        if (!moves.IsEmpty || unattendToClear is not null)
        {
            var unattendWhere = $@"HKLM\SYSTEM\{AnswerFileLocations.RegistryKey}!{AnswerFileLocations.RegistryValueName}";
            steps.Add(new SealStep(SealStepIds.MoveStaleAnswerFile, "Move aside cached answer files Setup would read before ours",
                [.. moves.Select(m => $"move {m.From} to {m.To}, every password in it replaced by Setup's {AnswerFileScrubber.Marker} (a file that is not a readable answer file is deleted, not kept)"),
                    .. unattendToClear is null ? Array.Empty<string>() : [$"clear {unattendWhere} (it points Setup at {unattendToClear})"]],
                unattendToClear is null ? "move each file back to its name" : $"move each file back to its name; set {unattendWhere} back",
                AppliesOffline: true));
        }

        // 4. BeforeSysprep: RDP denied, then the user's own hook.
        uint? rdpBefore = facts.RdpDenied switch { true => 1u, false => 0u, null => null };
        var rdpWhere = $@"HKLM\SYSTEM\{SealPaths.TerminalServerKey}!{SealPaths.RdpValueName}";
        steps.Add(new SealStep(SealStepIds.DenyRdp, "Deny Remote Desktop until the clone's password is set (BeforeSysprep)",
            [rdpBefore == 1 ? $"{rdpWhere} is already 1 (unchanged)" : $"set {rdpWhere} = 1 (was {(rdpBefore is null ? "absent or unreadable" : rdpBefore.Value.ToString(CultureInfo.InvariantCulture))})",
                options.ProfileOptions.RdpReenable || options.AnswerFileOverride is not null
                    ? "the answer file's specialize pass sets it back to 0 in each clone"
                    : "the answer file does not re-enable RDP (RdpReenable=false): clones stay without RDP"],
            rdpBefore is null ? $"delete {rdpWhere}" : $"set {rdpWhere} back to {rdpBefore}", AppliesOffline: true));

        var hook = SafeFiles.Exists(files, SealPaths.BeforeSysprepHook) ? files.Expand(SealPaths.BeforeSysprepHook) : null;
        if (hook is not null)
        {
            steps.Add(new SealStep(SealStepIds.BeforeSysprepHook, "Run your BeforeSysprep hook",
                [$"run {hook} (cmd.exe /c, as the sealing user); a non-zero exit code, or running past its time limit, stops sealing and undoes every change",
                    "not run by an offline apply"],
                "not undone by Reseal: the hook's changes are its own", AppliesOffline: false));
        }

        // 5. The first-boot hook.
        var setupCompletePath = files.Expand(SealPaths.SetupComplete);
        var before = SafeFiles.Read(files, setupCompletePath);
        var after = SetupCompleteScript.WithHookLines(before.IsDefault ? [] : before.AsSpan(), hookLines);
        var setupComplete = new SetupCompleteChange(setupCompletePath, before, after);
        var hookText = string.Join(" / ", hookLines);
        steps.Add(new SealStep(SealStepIds.FirstBootHook, "Install the first-boot hook in SetupComplete.cmd",
            [hookLines.IsEmpty
                ? kept == SealAgent.Ec2Launch
                    ? $"none in {setupCompletePath}: EC2Launch v1 runs from its scheduled task (InitializeInstance.ps1 -Schedule)"
                    : $"none in {setupCompletePath}: {SealAgents.DetectorName(kept)} is an automatic service that waits for Setup"
                : setupComplete.Unchanged
                    ? $"{setupCompletePath} already has the hook (unchanged)"
                    : before.IsDefault
                        ? $"create {setupCompletePath} with: {hookText}"
                        : $"add '{hookText}' to {setupCompletePath}, keeping its {CountLines(before.AsSpan())} existing lines"],
            before.IsDefault ? $"delete {setupCompletePath}" : $"restore the previous {setupCompletePath}", AppliesOffline: true, setupComplete.AfterText));

        // 6. Sysprep.
        var sysprep = files.Expand(SealPaths.SysprepExe);
        ImmutableArray<string> arguments = ["/oobe", "/generalize", options.CompletionSwitch, "/quiet", .. options.ModeVm ? new[] { "/mode:vm" } : [], "/unattend:" + answerTarget];
        var plan = new SealPlan
        {
            Steps = [],
            StateFiles = stateFiles,
            LogFiles = logFiles,
            AnswerFile = answer,
            StaleAnswerFiles = moves,
            UnattendFileToClear = unattendToClear,
            RdpDenyBefore = rdpBefore,
            BeforeSysprepHook = hook,
            SetupComplete = setupComplete,
            Agent = agent,
            AgentProblem = agentProblem,
            AgentStateChanges = agentChanges,
            HookLines = hookLines,
            SysprepPath = sysprep,
            SysprepArguments = arguments,
            AdminPasswordConfig = adminConfig,
            AdminPasswordProblem = adminProblem,
        };
        steps.Add(new SealStep(SealStepIds.RunSysprep, "Run Sysprep",
            ["generalize: removes the machine SID, computer name and event logs; drivers are kept (PersistAllDeviceInstalls)",
                options.Completion switch
                {
                    SysprepCompletion.Reboot => "then restarts into specialize and OOBE",
                    SysprepCompletion.Quit => "then leaves the machine running (shut it down yourself before capturing)",
                    _ => "then shuts down: capture the image",
                },
                "not run by an offline apply"],
            "none once generalize has finished; a failure before that is undone by the watch step", AppliesOffline: false, plan.SysprepCommandLine));

        // 7. Watch.
        steps.Add(new SealStep(SealStepIds.Watch, "Watch Sysprep and undo on failure",
            ["stream System32\\Sysprep\\Panther\\setupact.log to standard error; write 'Windows is being configured. SysprepState=<ImageState>' to the serial console when ImageState changes",
                "success: Sysprep exits 0, ImageState becomes IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE and this run logs no error in setuperr.log",
                "failure: a non-zero exit code, ImageState unchanged or IMAGE_STATE_UNDEPLOYABLE when Sysprep ends, errors in this run's setuperr.log, or no log progress within the time limit (Sysprep is then stopped)",
                "on failure: undo every change of the journal (RDP, SetupComplete.cmd, moved answer files, UnattendFile, the new answer file, agent state), print the diagnosis (as reseal diagnose), exit 1"],
            "nothing to undo: it only reads", AppliesOffline: false));

        return plan with { Steps = steps.ToImmutable() };
    }

    /// <summary>
    /// <c>--no-sysprep</c>: the agent state reset (and the password choice) of a normal seal, then a shutdown instead of
    /// the answer file, RDP, hooks and Sysprep. The next boot is not a clone's first boot: Setup does not run, so the
    /// agent's service (or the kept agent) starts by itself and runs its once-tasks again.
    /// </summary>
    private static SealPlan NoSysprepPlan(IWindowsMachine machine, SealOptions options, ImmutableArray<SealStep>.Builder steps, ImmutableArray<string> stateFiles,
        ImmutableArray<string> logFiles, SealAgent? agent, string? agentProblem, ImmutableArray<AgentStateChange> agentChanges, RewriteAgentFile? adminConfig, string? adminProblem)
    {
        var files = machine.Files;
        steps.Add(new SealStep(SealStepIds.Shutdown, "Shut down without Sysprep",
            ["shut Windows down (no Sysprep: the machine keeps its SID, name and drivers; capture it as a copy of this machine)",
                "Remote Desktop is left as it is; no answer file and no first-boot hook are written",
                "at the next boot the agent runs its once-tasks again (a new password when the configuration says random)",
                "not run by an offline apply"],
            "nothing to undo once Windows has shut down; a refused shutdown undoes the steps above", AppliesOffline: false));
        var setupComplete = files.Expand(SealPaths.SetupComplete);
        var current = SafeFiles.Read(files, setupComplete);
        return new SealPlan
        {
            Steps = steps.ToImmutable(),
            StateFiles = stateFiles,
            LogFiles = logFiles,
            AnswerFile = null,
            WithoutSysprep = true,
            StaleAnswerFiles = [],
            SetupComplete = new SetupCompleteChange(setupComplete, current, current.IsDefault ? [] : current),
            Agent = agent,
            AgentProblem = agentProblem,
            AgentStateChanges = agentChanges,
            HookLines = [],
            SysprepPath = files.Expand(SealPaths.SysprepExe),
            SysprepArguments = [],
            AdminPasswordConfig = adminConfig,
            AdminPasswordProblem = adminProblem,
        };
    }

    /// <summary>
    /// The agent configuration rewritten for <see cref="SealOptions.AdminPassword"/>, or null when nothing changes;
    /// <paramref name="problem"/> says why the choice cannot be applied (another agent keeps its own settings, the
    /// configuration is invalid or unreadable).
    /// </summary>
    private static RewriteAgentFile? PlanAdminPassword(IWindowsMachine machine, SealOptions options, SealAgent? agent, out string? problem)
    {
        problem = null;
        if (options.AdminPassword is not { } choice || agent is null)
        {
            return null;
        }

        if (agent != SealAgent.Reseal)
        {
            if (choice != AdminPasswordChoice.Random)
            {
                problem = $"--admin-password {choice.ToString().ToLowerInvariant()} sets Reseal's agent configuration, and the image boots into {SealAgents.DetectorName(agent.Value)}, "
                    + $"which sets the password from its own settings ({SealAgents.PasswordSetting(agent.Value)}); change it there, or seal with --agent reseal";
            }

            return null;
        }

        if (options.AgentConfigEditor is not { } editor)
        {
            problem = "no agent configuration editor was given, so the password choice cannot be written";
            return null;
        }

        var path = machine.Files.Expand(SealPaths.AgentConfig);
        byte[]? current;
        try
        {
            current = machine.Files.FileExists(path) ? machine.Files.ReadAllBytes(path) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problem = $"{path} could not be read: {e.Message}";
            return null;
        }

        if (choice == AdminPasswordChoice.Specify && machine.OfflineTree is not null)
        {
            problem = "--admin-password specify needs the running Windows: an offline tree has no Windows access list to keep the password from other users "
                + "(seal the running machine, or give the password at first boot with the agent's configuration written there)";
            return null;
        }

        if (choice == AdminPasswordChoice.Specify && options.SpecifiedPassword is null)
        {
            problem = "--admin-password specify needs the password (read from standard input)";
            return null;
        }

        var edit = editor.WithAdminPassword(current, path, choice, options.SpecifiedPassword?.Reveal());
        problem = edit.Problem;
        return edit.Bytes is { } bytes ? new RewriteAgentFile(path, [.. bytes], edit.Change ?? "set the administrator password choice") : null;
    }

    private static int CountLines(ReadOnlySpan<byte> bytes)
    {
        var text = ScriptText.DecodeScript(bytes);
        return text.Length == 0 ? 0 : text.TrimEnd('\n').Split('\n').Length;
    }

    private static PlannedAnswerFile PlanAnswerFile(IWindowsMachine machine, SealOptions options, SealAgent agent)
    {
        var target = machine.Files.Expand(SealPaths.AnswerFile);
        var linter = new AnswerFileLinter();
        if (options.AnswerFileOverride is { } given)
        {
            try
            {
                var bytes = File.ReadAllBytes(given);
                var file = AnswerFileReader.Read(bytes, given);
                return new PlannedAnswerFile(given, target, [.. bytes], null, linter.Lint(file), HasCopyProfile(file));
            }
            catch (AnswerFileFormatException e)
            {
                return new PlannedAnswerFile(given, target, default, null, AnswerFileLinter.Unreadable(e), false);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return new PlannedAnswerFile(given, target, default, null,
                    AnswerFileLinter.Unreadable(new AnswerFileFormatException(given, SourcePosition.Unknown, AnswerFileErrorKind.Unreadable, e.Message, e)), false);
            }
        }

        var locale = ChooseLocale(machine, options);
        // An image that boots into Reseal's agent gets Reseal's scrambler whatever the profile; a kept agent gets its own
        // answer file's commands (its scrambler and RDP script are on the machine: the preflight checks them).
        var profile = options.Profile ?? SealAgents.Profile(agent);
        // Keep: the answer file does not scramble the password (the clone keeps this machine's); otherwise it does, and the
        // agent sets the random or specified one.
        var profileOptions = options.ProfileOptions with
        {
            Locale = locale.Locale,
            ResealScrambler = agent == SealAgent.Reseal,
            AdminPassword = options.AdminPassword == AdminPasswordChoice.Keep ? AdminPasswordMode.Keep : options.ProfileOptions.AdminPassword,
        };
        var rendered = AnswerFileProfiles.Create(profile, profileOptions).ToBytes();
        var reread = AnswerFileReader.Read(rendered, target);
        return new PlannedAnswerFile($"profile {AnswerFileProfiles.CliName(profile)}", target, [.. rendered], locale,
            linter.Lint(reread), HasCopyProfile(reread));
    }

    /// <summary>The locale: the option, else <c>HKU\.DEFAULT\Control Panel\International!LocaleName</c>, else en-US.</summary>
    internal static LocaleChoice ChooseLocale(IWindowsMachine machine, SealOptions options)
    {
        if (options.ProfileOptions.Locale is { } given)
        {
            return new LocaleChoice(given, "the --locale option", null);
        }

        var where = $@"HKU\.DEFAULT\{SealPaths.LocaleKey}!LocaleName";
        string? problem;
        try
        {
            var name = machine.Registry.GetString(RegistryHive.Default, SealPaths.LocaleKey, "LocaleName")?.Trim();
            if (!string.IsNullOrEmpty(name))
            {
                return new LocaleChoice(name, where, null);
            }

            problem = $"{where} is not set";
        }
        catch (IOException e)
        {
            problem = $"{where} could not be read ({e.Message})";
        }

        return new LocaleChoice("en-US", "the fallback", $"{problem}; using en-US (give --locale to choose)");
    }

    private static bool HasCopyProfile(AnswerFile file) =>
        file.Root.Descendants().Any(e => e.Name.LocalName == "CopyProfile" && e.Value.Trim().Equals("true", StringComparison.OrdinalIgnoreCase));

    /// <summary>True when the answer file sets Security-SPP SkipRearm=1.</summary>
    internal static bool HasSkipRearm(string? xml)
    {
        if (xml is null)
        {
            return false;
        }

        try
        {
            return AnswerFileReader.ReadText(xml).Root.Descendants()
                .Any(e => e.Name.LocalName == "SkipRearm" && e.Value.Trim() == "1");
        }
        catch (AnswerFileFormatException)
        {
            return false;
        }
    }

    /// <summary>True for a file directly in %WINDIR%\Panther or %WINDIR%\Panther\Unattend (where Setup caches answer files).</summary>
    private static bool InPanther(IWindowsFiles files, string path)
    {
        try
        {
            var expanded = files.Expand(path);
            var folder = expanded[..Math.Max(0, expanded.LastIndexOf('\\'))];
            var panther = files.Expand(@"%WINDIR%\Panther");
            return folder.Equals(panther, StringComparison.OrdinalIgnoreCase) || folder.Equals(panther + @"\Unattend", StringComparison.OrdinalIgnoreCase);
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>True when two Windows paths name the same file (after expansion, ignoring case); false when either cannot be expanded.</summary>
    private static bool SamePath(IWindowsFiles files, string a, string b)
    {
        try
        {
            return string.Equals(files.Expand(a).TrimEnd('\\'), files.Expand(b).TrimEnd('\\'), StringComparison.OrdinalIgnoreCase);
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static string MoveTarget(IWindowsFiles files, string path)
    {
        var n = 1;
        while (SafeFiles.Exists(files, SealPaths.MovedAside(path, n)))
        {
            n++;
        }

        return SealPaths.MovedAside(path, n);
    }

    /// <summary>
    /// The path with its file name spelled as on disk (Setup and the inspector name files in their own case): a file that
    /// is deleted and restored must come back under the same name.
    /// </summary>
    private static string OnDiskPath(IWindowsFiles files, string path)
    {
        var cut = path.LastIndexOf('\\');
        if (cut < 0)
        {
            return path;
        }

        var name = path[(cut + 1)..];
        foreach (var entry in SafeFiles.List(files, path[..cut]))
        {
            var entryName = entry[(entry.LastIndexOf('\\') + 1)..];
            if (entryName.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return path[..(cut + 1)] + entryName;
            }
        }

        return path;
    }
}
