using System.Collections.Immutable;
using System.Globalization;
using Reseal.Sysprep.Inspection;
using Reseal.Unattend.Lint;
using Reseal.Unattend.Passwords;
using Reseal.Windows.Layout;
using Reseal.Windows.Offline;
using Reseal.Windows.Ports;

namespace Reseal.Sysprep.Seal;

/// <summary>
/// The preflight checks of <c>reseal seal</c> (DESIGN.md lifecycle step 1, issue 7 §2), each mapped to the facts and
/// findings <see cref="WindowsInspector"/> already has where it can. Every check is always reported, in
/// <see cref="PreflightCodes.All"/> order, so a run shows what passed as well as what did not.
/// </summary>
public static class SealPreflight
{
    /// <summary>Runs every check.</summary>
    public static ImmutableArray<PreflightCheck> Run(IWindowsMachine machine, InspectionReport inspection, SealPlan plan, SealOptions options, PreflightEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(machine);
        ArgumentNullException.ThrowIfNull(inspection);
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(environment);
        var facts = inspection.Facts;
        var findings = inspection.Findings;
        ImmutableArray<PreflightCheck> checks =
        [
            WindowsTree(facts, findings),
            NotAdmin(environment),
            SysprepRunning(environment),
            SysprepMissing(machine),
            ImageStateCheck(facts),
            PendingReboot(facts),
            BitLocker(facts, environment),
            Rearm(facts, plan),
            ExtraAccounts(facts, plan),
            StoreApps(facts, findings),
            DomainMember(facts),
            AnswerFileLint(plan),
            DiskSpace(machine, options),
            Agent(machine, plan, options.AgentConfigValidator),
            StalePanther(plan),
            AdminPassword(plan, options),
            MissingTools(machine, facts),
            AzureAnswerFile(machine),
        ];
        return plan.WithoutSysprep ? [.. checks.Select(c => SysprepOnly.Contains(c.Code) ? c with { Severity = CheckSeverity.NotApplicable, Message = NoSysprep, Evidence = [], Fix = null } : c)] : checks;
    }

    private const string NoSysprep = "not checked: --no-sysprep runs no Sysprep";

    /// <summary>The checks that only matter to Sysprep (generalize, the answer file, Setup's caches).</summary>
    private static readonly string[] SysprepOnly =
    [
        PreflightCodes.SysprepRunning, PreflightCodes.SysprepMissing, PreflightCodes.PendingReboot, PreflightCodes.BitLocker, PreflightCodes.Rearm,
        PreflightCodes.ExtraAccounts, PreflightCodes.StoreApps, PreflightCodes.DomainMember, PreflightCodes.AnswerFileLint, PreflightCodes.StalePantherAnswerFile,
        PreflightCodes.AzureAnswerFile,
    ];

    /// <summary>Where WMIC lives when its optional feature is installed.</summary>
    internal const string WmicExe = @"%WINDIR%\System32\wbem\WMIC.exe";

    /// <summary>The first build (Windows 11 24H2, Windows Server 2025) where WMIC is an optional feature that is off by default.</summary>
    internal const int WmicOptionalFromBuild = 26100;

    /// <summary>The files whose commands run at the clone's first boot, scanned for tools the image lacks.</summary>
    internal static readonly string[] FirstBootCommandFiles =
    [
        SealPaths.AgentConfig,
        @"%ProgramData%\Amazon\EC2Launch\config\agent-config.yml",
        SealPaths.SetupComplete,
    ];

    private static readonly System.Text.RegularExpressions.Regex WmicCall =
        new(@"(?<![\w.-])wmic(\.exe)?(?![\w-])", System.Text.RegularExpressions.RegexOptions.IgnoreCase | System.Text.RegularExpressions.RegexOptions.CultureInvariant,
            TimeSpan.FromSeconds(1));

    /// <summary>
    /// A first-boot command that calls <c>wmic</c> when this Windows has no WMIC.exe: Microsoft deprecated WMIC and, from
    /// Windows 11 24H2 and Windows Server 2025 (build 26100), ships it as a feature on demand that is not installed by
    /// default (docs/windows-behaviour.md). The image would carry the call and every clone's task would fail.
    /// </summary>
    internal static PreflightCheck MissingTools(IWindowsMachine machine, InspectionFacts facts)
    {
        const string title = "First-boot commands call no tool this Windows lacks";
        var files = machine.Files;
        var build = facts.Os?.Build;
        var evidence = new List<string>();
        var calls = new List<string>();
        foreach (var file in FirstBootCommandFiles)
        {
            if (!SafeFiles.Exists(files, files.Expand(file)))
            {
                continue;
            }

            try
            {
                var text = System.Text.Encoding.UTF8.GetString(files.ReadAllBytes(file, 4L * 1024 * 1024));
                var lines = text.Split('\n');
                for (var i = 0; i < lines.Length; i++)
                {
                    if (WmicCall.IsMatch(lines[i]))
                    {
                        var line = lines[i].Trim();
                        calls.Add($"{files.Expand(file)}:{(i + 1).ToString(CultureInfo.InvariantCulture)}: {(line.Length > 120 ? line[..120] + "…" : line)}");
                    }
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Text.RegularExpressions.RegexMatchTimeoutException)
            {
                evidence.Add($"{files.Expand(file)} could not be scanned: {e.Message}");
            }
        }

        var wmic = files.Expand(WmicExe);
        var present = SafeFiles.Exists(files, wmic);
        evidence.Add(present ? $"{wmic} is present" : $"{wmic}: no such file" + (build >= WmicOptionalFromBuild
            ? $" (build {build.Value.ToString(CultureInfo.InvariantCulture)}: WMIC is an optional feature, not installed by default)" : ""));
        evidence.AddRange(calls);
        if (calls.Count == 0)
        {
            return Check(PreflightCodes.MissingTools, CheckSeverity.Ok, title, "no first-boot command calls wmic", evidence);
        }

        return present
            ? Check(PreflightCodes.MissingTools, CheckSeverity.Ok, title, $"{calls.Count.ToString(CultureInfo.InvariantCulture)} first-boot command(s) call wmic, which this Windows has", evidence)
            : Check(PreflightCodes.MissingTools, CheckSeverity.Warning, title,
                $"{calls.Count.ToString(CultureInfo.InvariantCulture)} first-boot command(s) call wmic, which this Windows does not have: they will fail on every clone", evidence,
                "use Get-CimInstance (PowerShell) instead of wmic, or add the feature to the image first: DISM /Online /Add-Capability /CapabilityName:WMIC~~~~");
    }

    /// <summary>Services of the Azure VM Agent: their presence says the image is meant for Azure.</summary>
    internal static readonly string[] AzureAgentServices = ["WindowsAzureGuestAgent", "RdAgent"];

    /// <summary>
    /// An image with the Azure VM Agent sealed with an answer file of its own: Azure provisions a Windows VM through the
    /// answer file it supplies, and a custom unattend.xml is not supported (only additionalUnattendContent); the answer
    /// file Sysprep caches in %WINDIR%\Panther comes before removable media in Setup's implicit search order, so Azure's
    /// would not be read and the VM's administrator and name would not be set (agents.md §4; docs/windows-behaviour.md).
    /// </summary>
    internal static PreflightCheck AzureAnswerFile(IWindowsMachine machine)
    {
        const string title = "An Azure image is not given its own answer file";
        List<string> found;
        try
        {
            found = [.. AzureAgentServices.Where(name => machine.Services.Find(name) is not null)];
        }
        catch (HiveUnavailableException e)
        {
            return Check(PreflightCodes.AzureAnswerFile, CheckSeverity.Info, title, "not decided: the services cannot be read", [e.Message]);
        }

        if (found.Count == 0)
        {
            return Check(PreflightCodes.AzureAnswerFile, CheckSeverity.Ok, title, "no Azure VM Agent: the image is not for Azure", ["services WindowsAzureGuestAgent, RdAgent: not installed"]);
        }

        return Check(PreflightCodes.AzureAnswerFile, CheckSeverity.Error, title,
            "the Azure VM Agent is installed, and Azure does not support an image sealed with its own answer file: its provisioning (administrator, computer name) would not run",
            [.. found.Select(name => $"service {name} is installed"), "reseal seal always runs Sysprep with /unattend:"],
            "for Azure, generalize as Microsoft documents it (sysprep /generalize /oobe /mode:vm /shutdown, no answer file); Reseal's agent service still runs at first boot. If the image is not for Azure, remove the Azure VM Agent, or --force");
    }

    /// <summary>The <c>--admin-password</c> choice can be written (Reseal's agent, a valid configuration).</summary>
    internal static PreflightCheck AdminPassword(SealPlan plan, SealOptions options)
    {
        const string title = "The administrator password choice can be applied";
        if (options.AdminPassword is not { } choice)
        {
            return Check(PreflightCodes.AdminPassword, CheckSeverity.Ok, title, "as the agent configuration says (no --admin-password)");
        }

        var name = choice.ToString().ToLowerInvariant();
        if (plan.AdminPasswordProblem is { } problem)
        {
            return Check(PreflightCodes.AdminPassword, CheckSeverity.Error, title, $"--admin-password {name} cannot be applied", [problem],
                "fix the agent configuration (reseal agent validate --config FILE), or seal with --agent reseal");
        }

        return Check(PreflightCodes.AdminPassword, CheckSeverity.Ok, title, plan.AdminPasswordConfig is { } config ? config.What : $"the configuration already says {name}");
    }

    private static PreflightCheck Check(string code, CheckSeverity severity, string title, string message, IEnumerable<string>? evidence = null, string? fix = null) =>
        new(code, severity, title, message, evidence is null ? [] : [.. evidence], severity is CheckSeverity.Ok or CheckSeverity.NotApplicable ? null : fix);

    /// <summary>A tree that reached here is Windows; its hives may still be damaged or stale.</summary>
    internal static PreflightCheck WindowsTree(InspectionFacts facts, IEnumerable<Finding> findings)
    {
        const string title = "Windows tree with readable hives";
        var problems = findings.Where(f => f.Code is "hive-missing" or "hive-unreadable" or "hive-dirty" or "not-windows" or "not-a-directory")
            .Select(f => $"{f.Code}: {f.Message}").ToList();
        var evidence = facts.Hives.Select(h => $"{RegistryHives.DisplayName(h.Hive)}: {h.State.ToString().ToLowerInvariant()}{(h.Problem is null ? "" : " (" + h.Problem + ")")}").ToList();
        var essentialBroken = facts.Hives.IsEmpty
            || facts.Hives.Where(h => h.Hive is RegistryHive.System or RegistryHive.Software).Any(h => !h.IsReadable);
        if (essentialBroken)
        {
            return Check(PreflightCodes.WindowsTree, CheckSeverity.Error, title,
                "not a Windows tree, or its SYSTEM or SOFTWARE hive cannot be read", [.. problems, .. evidence],
                "point --root at the root of the Windows system volume; restore damaged hives from a backup");
        }

        var systemStale = facts.Hives.Any(h => h.Hive == RegistryHive.System && h.State == HiveLoadState.Stale);
        return problems.Count == 0
            ? Check(PreflightCodes.WindowsTree, CheckSeverity.Ok, title, "all hives read", evidence)
            : Check(PreflightCodes.WindowsTree, CheckSeverity.Warning, title,
                systemStale ? "SYSTEM is dirty without its logs: an offline apply cannot write the RDP setting" : "some hives are missing, damaged or stale: facts from missing or damaged ones are not checked, stale ones may miss recent changes",
                [.. problems, .. evidence], "copy the whole volume with the hives' .LOG1/.LOG2 files, after a clean shutdown");
    }

    internal static PreflightCheck NotAdmin(PreflightEnvironment environment)
    {
        const string title = "Running as an administrator";
        if (environment.IsOffline)
        {
            return Check(PreflightCodes.NotAdmin, CheckSeverity.NotApplicable, title, "offline tree: Sysprep is not run here");
        }

        return environment.IsAdministrator switch
        {
            true => Check(PreflightCodes.NotAdmin, CheckSeverity.Ok, title, "the process is elevated"),
            false => Check(PreflightCodes.NotAdmin, CheckSeverity.Error, title, "the process is not elevated: Sysprep needs an administrator",
                ["token is not a member of BUILTIN\\Administrators (or UAC filtered it)"], "run from an elevated prompt, or as SYSTEM"),
            null => Check(PreflightCodes.NotAdmin, CheckSeverity.Info, title, "could not tell whether the process is elevated", fix: "run from an elevated prompt"),
        };
    }

    internal static PreflightCheck SysprepRunning(PreflightEnvironment environment)
    {
        const string title = "No other Sysprep running";
        if (environment.IsOffline)
        {
            return Check(PreflightCodes.SysprepRunning, CheckSeverity.NotApplicable, title, "offline tree: nothing runs");
        }

        return environment.RunningSysprepProcessIds switch
        {
            null => Check(PreflightCodes.SysprepRunning, CheckSeverity.Info, title, "could not list the running processes", fix: "check Task Manager for sysprep.exe"),
            { IsEmpty: true } => Check(PreflightCodes.SysprepRunning, CheckSeverity.Ok, title, "no sysprep.exe is running"),
            { } ids => Check(PreflightCodes.SysprepRunning, CheckSeverity.Error, title, "sysprep.exe is already running: Sysprep allows one instance",
                ids.Select(id => "sysprep.exe process " + id.ToString(CultureInfo.InvariantCulture)), "wait for it to end, or end it (and read its Panther logs)"),
        };
    }

    internal static PreflightCheck SysprepMissing(IWindowsMachine machine)
    {
        const string title = "sysprep.exe present";
        var path = machine.Files.Expand(SealPaths.SysprepExe);
        return SafeFiles.Exists(machine.Files, path)
            ? Check(PreflightCodes.SysprepMissing, CheckSeverity.Ok, title, $"{path} is present", [path])
            : Check(PreflightCodes.SysprepMissing, CheckSeverity.Error, title, $"{path} is missing", [$"{path}: no such file"],
                "use an image that still has System32\\Sysprep (it is removed by some debloating scripts), or copy it from the same build");
    }

    internal static PreflightCheck ImageStateCheck(InspectionFacts facts)
    {
        const string title = "Setup finished (IMAGE_STATE_COMPLETE)";
        const string where = @"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Setup\State!ImageState";
        if (facts.Setup is not { } setup)
        {
            return Check(PreflightCodes.ImageState, CheckSeverity.Error, title, "the image state could not be read",
                [$"{where}: unreadable"], "make the SOFTWARE and SYSTEM hives readable, then check again");
        }

        var evidence = new List<string>
        {
            $"{where} = {setup.ImageStateText ?? "(absent)"}",
            $"HKLM\\SYSTEM\\Setup: SystemSetupInProgress={Show(setup.SystemSetupInProgress)} OOBEInProgress={Show(setup.OobeInProgress)} SetupType={Show(setup.SetupType)}",
        };
        if (setup.StateIniImageState is { } ini)
        {
            evidence.Add($@"C:\Windows\Setup\State\State.ini ImageState={ini}");
        }

        if (setup.SystemSetupInProgress == 1 || setup.OobeInProgress == 1 || setup.SetupType is > 0)
        {
            return Check(PreflightCodes.ImageState, CheckSeverity.Error, title, "Setup is in progress (mid-Setup)", evidence,
                "boot the image until Windows reaches the desktop, then seal");
        }

        return setup.ImageState switch
        {
            ImageState.Complete => Check(PreflightCodes.ImageState, CheckSeverity.Ok, title, "IMAGE_STATE_COMPLETE", evidence),
            ImageState.Missing => Check(PreflightCodes.ImageState, CheckSeverity.Warning, title, "no ImageState value: Setup's state is unknown", evidence,
                "boot the image once to finish Setup, then check again"),
            ImageState.Undeployable => Check(PreflightCodes.ImageState, CheckSeverity.Error, title,
                "IMAGE_STATE_UNDEPLOYABLE: a Setup or Sysprep phase failed part-way", evidence,
                "rebuild the image from its source; read System32\\Sysprep\\Panther\\setuperr.log (reseal diagnose) for the cause"),
            ImageState.GeneralizeResealToOobe or ImageState.GeneralizeResealToAudit => Check(PreflightCodes.ImageState, CheckSeverity.Error, title,
                $"{setup.ImageStateText}: the image is already generalized", evidence, "capture it as is, or boot it through specialize and OOBE first"),
            _ => Check(PreflightCodes.ImageState, CheckSeverity.Error, title, $"{setup.ImageStateText}: Setup has not finished", evidence,
                "boot the image until Windows reaches the desktop (IMAGE_STATE_COMPLETE), then seal"),
        };
    }

    internal static PreflightCheck PendingReboot(InspectionFacts facts)
    {
        const string title = "No reboot pending";
        return facts.PendingReboot.IsEmpty
            ? Check(PreflightCodes.PendingReboot, CheckSeverity.Ok, title, "no pending-reboot marker")
            : Check(PreflightCodes.PendingReboot, CheckSeverity.Error, title, $"a reboot is pending ({facts.PendingReboot.Length} marker{(facts.PendingReboot.Length == 1 ? "" : "s")})",
                facts.PendingReboot, "restart until no marker is left, then seal (Sysprep fails with 'File operations pending')");
    }

    internal static PreflightCheck BitLocker(InspectionFacts facts, PreflightEnvironment environment)
    {
        const string title = "BitLocker off";
        if (facts.BitLocker.IsEmpty)
        {
            return Check(PreflightCodes.BitLocker, CheckSeverity.Ok, title, "no BitLocker policy or auto-start service");
        }

        // Offline only signs are visible: a readable tree is not locked, but the volume may be encrypted when it boots.
        return Check(PreflightCodes.BitLocker, environment.IsOffline ? CheckSeverity.Warning : CheckSeverity.Error, title,
            environment.IsOffline ? "BitLocker may be on for this volume" : "BitLocker is on", facts.BitLocker,
            "decrypt the OS volume fully (manage-bde -off C:) and wait before sealing: Sysprep fails even when it is suspended (0x80310039)");
    }

    internal static PreflightCheck Rearm(InspectionFacts facts, SealPlan plan)
    {
        const string title = "A rearm left, or SkipRearm";
        const string where = @"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\SoftwareProtectionPlatform!SkipRearm";
        if (facts.Activation is not { } activation)
        {
            return Check(PreflightCodes.Rearm, CheckSeverity.Info, title, "the licensing state could not be read", [$"{where}: unreadable"]);
        }

        var answerSkips = SealPlanner.HasSkipRearm(plan.AnswerFile?.Text);
        var evidence = new List<string>
        {
            $"{where} = {(activation.SkipRearm ? 1 : 0)}",
            $"remaining rearm count: {activation.RemainingRearmCount?.ToString(CultureInfo.InvariantCulture) ?? "unknown (only a running Windows can tell: slmgr /dlv)"}",
        };
        if (answerSkips)
        {
            evidence.Add("the answer file sets Microsoft-Windows-Security-SPP SkipRearm=1");
        }

        if (activation.SkipRearm || answerSkips)
        {
            return Check(PreflightCodes.Rearm, CheckSeverity.Ok, title, "SkipRearm=1: generalize uses no rearm", evidence);
        }

        return activation.RemainingRearmCount switch
        {
            0 => Check(PreflightCodes.Rearm, CheckSeverity.Error, title, "no rearm left and SkipRearm=0: generalize fails", evidence,
                "set SkipRearm=1 (registry or answer file), or rebuild from a fresh image"),
            null => Check(PreflightCodes.Rearm, CheckSeverity.Info, title, "SkipRearm=0 and the rearm count is unknown here", evidence,
                "check slmgr /dlv on the running machine; set SkipRearm=1 while iterating on an image"),
            _ => Check(PreflightCodes.Rearm, CheckSeverity.Ok, title, $"{activation.RemainingRearmCount} rearm(s) left", evidence),
        };
    }

    internal static PreflightCheck ExtraAccounts(InspectionFacts facts, SealPlan plan)
    {
        const string title = "No extra local accounts or profiles";
        var evidence = new List<string>();
        foreach (var account in facts.Accounts.Where(a => !a.IsBuiltIn && !a.Disabled))
        {
            evidence.Add($"account '{account.Name}' (RID {account.Rid}{(account.IsAdministrator == true ? ", administrator" : "")}) is enabled");
        }

        foreach (var profile in facts.Profiles.Where(p => !p.IsSystemProfile && WindowsSid.TryParse(p.Sid)?.Rid is not 500))
        {
            evidence.Add($"profile {profile.Sid} at {profile.ProfileImagePath ?? "(no path)"}");
        }

        var samRead = facts.Hives.Any(h => h.Hive == RegistryHive.Sam && h.IsReadable);
        if (evidence.Count == 0)
        {
            return samRead
                ? Check(PreflightCodes.ExtraAccounts, CheckSeverity.Ok, title, "only the built-in accounts are enabled")
                : Check(PreflightCodes.ExtraAccounts, CheckSeverity.Info, title, "the SAM could not be read: accounts are not checked", fix: "copy the SAM hive with the tree");
        }

        if (plan.AnswerFile?.CopyProfile == true)
        {
            return Check(PreflightCodes.ExtraAccounts, CheckSeverity.Error, title,
                "extra accounts or profiles with CopyProfile=true: CopyProfile copies the wrong profile or fails", evidence,
                "delete the extra accounts and their profiles (or set CopyProfile=false) before sealing");
        }

        return Check(PreflightCodes.ExtraAccounts, CheckSeverity.Warning, title, "extra accounts or profiles go into every clone, with the same passwords", evidence,
            "delete or disable them unless clones need them; give clones their own credentials at first boot");
    }

    internal static PreflightCheck StoreApps(InspectionFacts facts, IEnumerable<Finding> findings)
    {
        const string title = "No per-user Store packages that are not provisioned";
        var problems = findings.Where(f => f.Code is "store-app-per-user" or "store-app-deprovisioned").Select(f => f.Message).ToList();
        if (problems.Count == 0)
        {
            return Check(PreflightCodes.StoreApps, CheckSeverity.Ok, title,
                facts.StoreApps is null ? "no AppxAllUserStore registrations" : "every per-user package is provisioned for all users");
        }

        return Check(PreflightCodes.StoreApps, CheckSeverity.Error, title, $"{problems.Count} package(s) installed for one user only: Sysprep generalize fails (0x80073cf2)",
            problems, "remove them for that user (Remove-AppxPackage) or provision them for all users; keep the Store offline while building");
    }

    internal static PreflightCheck DomainMember(InspectionFacts facts)
    {
        const string title = "Not a domain member";
        if (facts.Domain is not { } domain || domain.DomainJoined is null)
        {
            return Check(PreflightCodes.DomainMember, CheckSeverity.Info, title, "domain membership could not be read (SECURITY hive)");
        }

        return domain.DomainJoined == true
            ? Check(PreflightCodes.DomainMember, CheckSeverity.Warning, title, $"joined to {domain.DnsDomainName ?? domain.PrimaryDomainName}: generalize removes it from the domain",
                [$"HKLM\\SECURITY\\Policy: primary domain {domain.PrimaryDomainName}, DNS {domain.DnsDomainName}"],
                "leave the domain before sealing; clones join with their own name (UnattendedJoin in specialize)")
            : Check(PreflightCodes.DomainMember, CheckSeverity.Ok, title, $"workgroup {domain.PrimaryDomainName}");
    }

    internal static PreflightCheck AnswerFileLint(SealPlan plan)
    {
        const string title = "The answer file lints clean";
        if (plan.AnswerFile is null)
        {
            return Check(PreflightCodes.AnswerFileLint, CheckSeverity.NotApplicable, title, NoSysprep);
        }

        var lint = plan.AnswerFile.Lint;
        var errors = lint.Count(Severity.Error);
        var warnings = lint.Count(Severity.Warning);
        var evidence = lint.Findings.Where(f => f.Severity >= Severity.Warning).Select(f => f.ToString()).Prepend($"{plan.AnswerFile.Source} → {plan.AnswerFile.TargetPath}");
        if (!lint.Readable || errors > 0)
        {
            return Check(PreflightCodes.AnswerFileLint, CheckSeverity.Error, title,
                lint.Readable ? $"{errors} lint error(s): Setup would fail or the image would be unsafe" : "the answer file cannot be read", evidence,
                "fix the errors (reseal unattend lint FILE explains each rule), or use a profile");
        }

        return warnings > 0
            ? Check(PreflightCodes.AnswerFileLint, CheckSeverity.Warning, title, $"{warnings} lint warning(s)", evidence, "read the warnings (reseal unattend lint FILE)")
            : Check(PreflightCodes.AnswerFileLint, CheckSeverity.Ok, title, "no lint errors or warnings", evidence);
    }

    internal static PreflightCheck DiskSpace(IWindowsMachine machine, SealOptions options)
    {
        const string title = "Enough free disk space";
        VolumeInfo? volume;
        try
        {
            var volumes = machine.Volumes.ListVolumes();
            volume = volumes.Count > 0 ? volumes[0] : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            volume = null;
        }

        if (volume?.FreeBytes is not { } free)
        {
            return Check(PreflightCodes.DiskSpace, CheckSeverity.Info, title, "the free space could not be read");
        }

        var evidence = new[] { $"{Gib(free)} free of {(volume.TotalBytes is { } total ? Gib(total) : "?")} on the volume holding {machine.Description}; threshold {Gib(options.LowDiskSpaceBytes)}" };
        return free < options.LowDiskSpaceBytes
            ? Check(PreflightCodes.DiskSpace, CheckSeverity.Warning, title, $"only {Gib(free)} free", evidence,
                "free space (Disk Cleanup, dism /online /cleanup-image /startcomponentcleanup) before sealing: Sysprep and first boot need room")
            : Check(PreflightCodes.DiskSpace, CheckSeverity.Ok, title, $"{Gib(free)} free", evidence);
    }

    /// <summary>The agent the image boots into is installed (files, service), and Reseal's configuration is valid.</summary>
    internal static PreflightCheck Agent(IWindowsMachine machine, SealPlan plan, IAgentConfigValidator? validator = null)
    {
        if (plan.Agent is not { } agent)
        {
            return Check(PreflightCodes.Agent, CheckSeverity.Error, "The launch agent the image boots into", plan.AgentProblem ?? "no launch agent was chosen", [],
                "name the agent to keep: --agent reseal|ec2launch-v2|ec2launch|ec2config|cloudbase-init");
        }

        if (agent == SealAgent.Reseal)
        {
            return ResealAgent(machine, validator);
        }

        var name = SealAgents.DetectorName(agent);
        var title = $"{name} installed (kept as the image's launch agent)";
        var requirements = SealAgents.Requirements(machine, agent);
        var missing = requirements.Where(r => !r.Present).Select(r => r.What).ToList();
        var evidence = requirements.Select(r => (r.Present ? "present: " : "missing: ") + r.What).ToList();
        if (missing.Count > 0)
        {
            return Check(PreflightCodes.Agent, CheckSeverity.Error, title, $"{name} is not installed as the image needs it: missing {string.Join(", ", missing)}", evidence,
                $"install {name} (or repair it), or choose the agent the image should boot into with --agent");
        }

        // Reseal's own service beside the kept agent would set the password and host name too, racing it.
        if (machine.Services.Find(Windows.Service.ServiceInstallSpec.ResealServiceName) is { StartMode: not ServiceStartMode.Disabled })
        {
            return Check(PreflightCodes.Agent, CheckSeverity.Warning, title, $"{name} is installed, and so is Reseal's service: both would run at first boot", evidence,
                "remove Reseal's service (reseal agent uninstall) or seal with --agent reseal");
        }

        return Check(PreflightCodes.Agent, CheckSeverity.Ok, title, $"{name} is installed: its answer-file commands, state reset and first-boot hook are used", evidence);
    }

    private static PreflightCheck ResealAgent(IWindowsMachine machine, IAgentConfigValidator? validator)
    {
        const string title = "Reseal's agent installed with a valid configuration";
        var files = machine.Files;
        var exe = files.Expand(SealPaths.ResealExe);
        var configPath = files.Expand(SealPaths.AgentConfig);
        var evidence = new List<string>();
        var exePresent = SafeFiles.Exists(files, exe);
        evidence.Add(exePresent ? $"{exe} is present" : $"{exe}: no such file");
        AgentConfigVerdict? validation = null;
        string? readProblem = null;
        if (SafeFiles.Exists(files, configPath))
        {
            try
            {
                var bytes = files.ReadAllBytes(configPath);
                if (validator is null)
                {
                    evidence.Add($"{configPath} is present but was not validated: no agent configuration reader was given");
                    validation = new AgentConfigVerdict([], false, true);
                }
                else
                {
                    validation = validator.Validate(bytes, configPath);
                    evidence.AddRange(validation.Findings);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                readProblem = $"{configPath} could not be read: {e.Message}";
                evidence.Add(readProblem);
            }
        }
        else
        {
            evidence.Add($"{configPath} is absent: the built-in default configuration is used");
        }

        if (!exePresent)
        {
            return Check(PreflightCodes.Agent, CheckSeverity.Error, title, "Reseal's agent is not installed: clones would not run the first-boot stages", evidence,
                $"install Reseal to {exe} (the first-boot hook and the answer file call it), or keep the installed agent with --agent auto|ec2launch-v2|ec2launch|ec2config|cloudbase-init");
        }

        if (readProblem is not null || validation?.HasErrors == true)
        {
            return Check(PreflightCodes.Agent, CheckSeverity.Error, title, "the agent configuration is invalid", evidence,
                $"fix {configPath} (reseal agent validate --config FILE)");
        }

        return validation?.HasWarnings == true
            ? Check(PreflightCodes.Agent, CheckSeverity.Warning, title, "the agent configuration has warnings", evidence, $"read the warnings (reseal agent validate --config FILE)")
            : Check(PreflightCodes.Agent, CheckSeverity.Ok, title, "installed; configuration valid", evidence);
    }

    internal static PreflightCheck StalePanther(SealPlan plan)
    {
        const string title = "No cached Panther answer file that would win over ours";
        var evidence = plan.StaleAnswerFiles.Select(m => $"{m.From} → {m.To}").ToList();
        if (plan.UnattendFileToClear is { } unattend)
        {
            evidence.Add($@"HKLM\SYSTEM\{AnswerFileLocations.RegistryKey}!{AnswerFileLocations.RegistryValueName} = {unattend} → cleared");
        }

        return evidence.Count == 0
            ? Check(PreflightCodes.StalePantherAnswerFile, CheckSeverity.Ok, title, "no cached answer file in %WINDIR%\\Panther")
            : Check(PreflightCodes.StalePantherAnswerFile, CheckSeverity.Warning, title,
                plan.StaleAnswerFiles.IsEmpty
                    ? "HKLM\\SYSTEM\\Setup!UnattendFile points Setup at another answer file: it will be cleared"
                    : "a cached answer file from an earlier Setup is present: it will be moved aside",
                evidence, "nothing to do: seal moves it aside or clears the value (and puts it back if Sysprep fails)");
    }

    private static string Show(uint? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "-";

    private static string Gib(long bytes) => (bytes / (1024.0 * 1024 * 1024)).ToString("0.0", CultureInfo.InvariantCulture) + " GiB";
}
