using System.Globalization;
using System.Runtime.Versioning;
using System.Xml.Linq;

namespace Reseal.SysprepEmulator;

/// <summary>
/// Test-only (<c>sysprep.exe /emulator-boot</c>): one boot of the machine after Sysprep, doing what Windows Setup does
/// at that boot, decided by ImageState (answerfiles.md §1 and §6):
/// <list type="bullet">
/// <item>GENERALIZE_RESEAL_TO_OOBE/AUDIT (or a specialize pass interrupted by a reboot): specialize — the computer name
/// (<c>*</c> or absent = random), time zone, owner, locale, RDP from the answer file, then Microsoft-Windows-Deployment's
/// RunSynchronous commands in Order through cmd.exe with the WillReboot rules; then SPECIALIZE_RESEAL_TO_OOBE/AUDIT and
/// a reboot.</item>
/// <item>SPECIALIZE_RESEAL_TO_OOBE: oobeSystem — International-Core and Shell-Setup settings into the registry, the
/// administrator password checked (Wine cannot set it), passwords in the cached answer file replaced by
/// *SENSITIVE*DATA*DELETED*, ImageState COMPLETE, then SetupComplete.cmd through cmd.exe.</item>
/// <item>SPECIALIZE_RESEAL_TO_AUDIT: auditUser's RunSynchronous commands (audit mode).</item>
/// <item>COMPLETE (or none): a normal boot, nothing for Setup to do.</item>
/// <item>A pass that failed: Setup stops again ("The computer restarted unexpectedly...").</item>
/// </list>
/// Every boot first makes the recorded machine name active again (Wine resets it to the Linux host name).
/// Exit 0 when the boot ended normally (the power log says whether a reboot is due); nonzero when Setup stopped on a
/// fatal error (power log: halt).
/// </summary>
[SupportedOSPlatform("windows")]
public sealed class BootRun(Machine machine, EmulatorOptions options, TimeProvider time)
{
    private const string PassSpecialize = "specialize";
    private const string PassAuditUser = "auditUser";
    private const string PassFailed = "failed";
    private const string Windeploy = "[windeploy.exe]";
    private const string ShellUnattend = "[Shell Unattend]";
    private static readonly XNamespace Ns = AnswerFile.Namespace;

    private readonly EmulatorPaths _paths = machine.Paths;
    private EmulatorRecords _records = null!;
    private PantherLog _setupLog = null!;
    private SetupProgress _progress = null!;

    public int Run()
    {
        _progress = SetupProgress.Read(_paths.Progress);
        _progress = _progress with { Boots = _progress.Boots + 1 };
        _progress.Write(_paths.Progress);
        _records = new EmulatorRecords(_paths, time, "boot " + _progress.Boots.ToString(CultureInfo.InvariantCulture));
        _setupLog = new PantherLog(_paths.Panther, time);

        var state = machine.ImageState;
        _records.Log("ImageState " + (state ?? "(none)"));
        RestoreComputerName();

        if (_progress.Pass == PassFailed)
        {
            _setupLog.Error(string.Empty, $"{Windeploy} The computer restarted unexpectedly or encountered an unexpected error. Windows installation cannot proceed. To install Windows, click \"OK\" to restart the computer, and then restart the installation.");
            _records.Power("halt", "an earlier Setup pass failed; Windows installation cannot proceed");
            return ExitCodes.SetupFailed;
        }

        if (_progress.Pass == PassSpecialize || state is ImageStates.GeneralizeResealToOobe or ImageStates.GeneralizeResealToAudit)
        {
            return Specialize(state);
        }

        return state switch
        {
            ImageStates.SpecializeResealToOobe => OobeSystem(),
            ImageStates.SpecializeResealToAudit => Audit(),
            ImageStates.Undeployable => Halt("ImageState is IMAGE_STATE_UNDEPLOYABLE and no Setup pass is in progress: a phase failed; reinstall"),
            _ => NormalBoot(),
        };
    }

    private void RestoreComputerName()
    {
        var name = machine.GetString(Machine.TcpipKey, "NV Hostname");
        if (!string.IsNullOrEmpty(name))
        {
            machine.SetComputerName(name);
            _records.Log("computer name " + name);
        }
    }

    private int NormalBoot()
    {
        _records.Log("normal boot: nothing for Setup to do");
        return ExitCodes.Success;
    }

    private int Specialize(string? state)
    {
        var answer = LoadAnswerFile(PassSpecialize);
        if (answer.Failed)
        {
            return FailPass(PassSpecialize, "the answer file cannot be used");
        }

        if (_progress.Pass != PassSpecialize)
        {
            var target = state == ImageStates.GeneralizeResealToAudit ? "audit" : "oobe";
            _setupLog.Info(string.Empty, $"{Windeploy} Found generalization state [0x{machine.GetDWord(Machine.SysprepStatusKey, "GeneralizationState") ?? 0:x}]; launching setup.exe for the specialize pass");
            machine.SetString(Machine.SetupKey, "SpecializeTarget", target);
            machine.SetImageState(ImageStates.Undeployable);
            machine.SetDWord(Machine.SetupKey, "SystemSetupInProgress", 1);
            _records.Log("specialize: ImageState " + ImageStates.Undeployable);
            _setupLog.Info(string.Empty, $"{ShellUnattend} Running 'specialize' pass");
            ApplySpecializeSettings(answer.File);
            _progress = _progress with { Pass = PassSpecialize, NextOrder = 0 };
            _progress.Write(_paths.Progress);
        }
        else
        {
            _records.Log($"specialize: resuming RunSynchronous at Order {_progress.NextOrder}");
        }

        IReadOnlyList<SynchronousCommand> commands;
        try
        {
            commands = answer.File?.SynchronousCommands(PassSpecialize) ?? [];
        }
        catch (AnswerFileException e)
        {
            LogSettingsError(PassSpecialize, e);
            return FailPass(PassSpecialize, e.Message);
        }

        var result = RunCommands(PassSpecialize, commands);
        if (result is not null)
        {
            return result.Value;
        }

        answer.File?.ScrubPasswords(PassSpecialize);
        SaveCached(answer.File);
        var next = machine.GetString(Machine.SetupKey, "SpecializeTarget") == "audit" ? ImageStates.SpecializeResealToAudit : ImageStates.SpecializeResealToOobe;
        machine.SetImageState(next);
        machine.SetDWord(Machine.SysprepStatusKey, "GeneralizationState", Machine.GeneralizationReady);
        _progress = _progress with { Pass = null, NextOrder = 0 };
        _progress.Write(_paths.Progress);
        _setupLog.Info(string.Empty, $"{ShellUnattend} Exiting 'specialize' pass with status 0x00000000");
        _records.Log("specialize done: ImageState " + next);
        _records.Power("reboot", "specialize done");
        return ExitCodes.Success;
    }

    private void ApplySpecializeSettings(AnswerFile? answer)
    {
        var requested = answer?.Setting(PassSpecialize, "Microsoft-Windows-Shell-Setup", "ComputerName");
        var name = string.IsNullOrEmpty(requested) || requested == "*" ? Machine.RandomComputerName() : requested;
        machine.SetComputerName(name);
        _setupLog.Info(string.Empty, $"{ShellUnattend} ComputerName set to [{name}]");
        _records.Log($"specialize: computer name {name}" + (requested is null or "" or "*" ? " (random)" : string.Empty));
        if (answer is null)
        {
            return;
        }

        ApplyShellSetup(answer, PassSpecialize);
        ApplyInternational(answer, PassSpecialize);
        if (answer.Setting(PassSpecialize, "Microsoft-Windows-TerminalServices-LocalSessionManager", "fDenyTSConnections") is { } deny)
        {
            machine.SetDWord(Machine.TerminalServerKey, "fDenyTSConnections", deny.Equals("true", StringComparison.OrdinalIgnoreCase) ? 1 : 0);
            _records.Log("specialize: fDenyTSConnections = " + deny);
        }

        if (answer.Setting(PassSpecialize, "Microsoft-Windows-Shell-Setup", "CopyProfile") is { } copy)
        {
            _records.Log($"specialize: CopyProfile = {copy} (not emulated)");
        }

        foreach (var component in answer.Components(PassSpecialize))
        {
            var componentName = (string?)component.Attribute("name");
            if (componentName is not ("Microsoft-Windows-Shell-Setup" or "Microsoft-Windows-International-Core" or "Microsoft-Windows-Deployment"
                or "Microsoft-Windows-TerminalServices-LocalSessionManager"))
            {
                _records.Log($"specialize: component {componentName} not emulated");
            }
        }
    }

    /// <summary>Runs the commands whose Order is at least the progress's NextOrder. Null when all ran; else the exit code.</summary>
    private int? RunCommands(string pass, IReadOnlyList<SynchronousCommand> commands)
    {
        for (var i = 0; i < commands.Count; i++)
        {
            var command = commands[i];
            if (command.Order < _progress.NextOrder)
            {
                continue;
            }

            _setupLog.Info(string.Empty, $"{ShellUnattend} RunSynchronous: running command [Order {command.Order}] [{command.Path}] WillReboot [{command.WillReboot}]");
            var result = CommandRunner.Run(_paths, command.Path, options.CommandTimeout);
            var outcome = result.TimedOut && command.WillReboot == WillReboot.OnRequest ? CommandOutcome.Fatal : WillRebootRules.Decide(command.WillReboot, result.ExitCode);
            var success = !result.TimedOut && WillRebootRules.Succeeded(command.WillReboot, result.ExitCode);
            _records.Log(string.Create(CultureInfo.InvariantCulture,
                $"{pass} RunSynchronous order={command.Order} exit={result.ExitCode} willReboot={command.WillReboot} result={Word(outcome)} status={(success ? "success" : "failure")}{(result.TimedOut ? " timedOut=true" : string.Empty)} seconds={result.Elapsed.TotalSeconds:0.0}"));
            if (result.Output.Length > 0)
            {
                _records.Log($"{pass} RunSynchronous order={command.Order} output: {result.Output}");
            }

            var hex = ExitCodes.Hex(result.ExitCode);
            if (result.TimedOut)
            {
                _setupLog.Error(string.Empty, $"{ShellUnattend} RunSynchronous: command [Order {command.Order}] did not finish within {options.CommandTimeout.TotalSeconds:0} s and was ended (emulator limit; Windows would wait)");
            }
            else if (success)
            {
                _setupLog.Info(string.Empty, $"{ShellUnattend} RunSynchronous: command [Order {command.Order}] returned [{hex}]");
            }
            else
            {
                _setupLog.Warning(string.Empty, $"{ShellUnattend} RunSynchronous: command [Order {command.Order}] failed; it returned [{hex}]");
            }

            switch (outcome)
            {
                case CommandOutcome.Continue:
                    continue;
                case CommandOutcome.RebootThenNext:
                case CommandOutcome.RebootThenRerun:
                    var next = outcome == CommandOutcome.RebootThenRerun ? command.Order : (i + 1 < commands.Count ? commands[i + 1].Order : 501);
                    _progress = _progress with { NextOrder = next };
                    _progress.Write(_paths.Progress);
                    _records.Power("reboot", string.Create(CultureInfo.InvariantCulture, $"{pass} RunSynchronous order={command.Order} (WillReboot {command.WillReboot}, exit {result.ExitCode})"));
                    return ExitCodes.Success;
                default:
                    _setupLog.Error(string.Empty, $"{ShellUnattend} RunSynchronous: command [Order {command.Order}] with WillReboot [OnRequest] returned [{hex}]; this is a fatal error");
                    return FailPass(pass, $"RunSynchronous order {command.Order} returned {hex} with WillReboot OnRequest");
            }
        }

        return null;
    }

    private int OobeSystem()
    {
        var log = new PantherLog(_paths.UnattendGC, time);
        var answer = LoadAnswerFile("oobeSystem");
        if (answer.Failed)
        {
            return FailPass("oobeSystem", "the answer file cannot be used");
        }

        machine.SetDWord(Machine.SetupKey, "OOBEInProgress", 1);
        log.Info(string.Empty, $"{ShellUnattend} Running 'oobeSystem' pass");
        if (answer.File is { } file)
        {
            ApplyInternational(file, "oobeSystem");
            ApplyShellSetup(file, "oobeSystem");
            foreach (var (field, value, plainText) in file.Passwords("oobeSystem"))
            {
                if (value.Value == AnswerFile.SensitiveDataDeleted)
                {
                    continue;
                }

                if (!plainText && AnswerFile.DecodeObfuscated(value.Value, field) is null)
                {
                    log.Error(string.Empty, $"{ShellUnattend} Failed to decode password (0x8007000d)");
                    log.Error(string.Empty, $"{ShellUnattend} Exiting 'oobeSystem' pass with status 0x8007000d");
                    return FailPass("oobeSystem", $"{field}: the obfuscated password does not decode");
                }

                _records.Log($"oobeSystem: {field} {(plainText ? "(clear text)" : "(obfuscated)")} would be set; not emulated (Wine has no NetUserSetInfo)");
            }

            foreach (var part in new[] { "UserAccounts/LocalAccounts", "AutoLogon", "FirstLogonCommands", "LogonCommands" })
            {
                if (file.Component("oobeSystem", "Microsoft-Windows-Shell-Setup") is { } shell && Find(shell, part) is not null)
                {
                    _records.Log($"oobeSystem: {part} not emulated");
                }
            }

            if (file.ScrubPasswords("oobeSystem", "auditSystem", "specialize"))
            {
                _records.Log("oobeSystem: passwords in the cached answer file replaced by " + AnswerFile.SensitiveDataDeleted);
            }

            SaveCached(file);
        }

        log.Info(string.Empty, $"{ShellUnattend} Exiting 'oobeSystem' pass with status 0x00000000");
        machine.SetImageState(ImageStates.Complete);
        machine.SetDWord(Machine.SetupKey, "SystemSetupInProgress", 0);
        machine.SetDWord(Machine.SetupKey, "OOBEInProgress", 0);
        // windeploy.exe (Setup's CmdLine) is still running while it runs SetupComplete.cmd: SetupType and CmdLine are
        // cleared once the script has returned. Reseal's service (started with the automatic services at power-on) must
        // not run the agent before that.
        machine.SetDWord(Machine.SetupKey, "SetupType", 2);
        machine.SetString(Machine.SetupKey, "CmdLine", @"oobe\windeploy.exe");
        _records.Log("oobeSystem done: ImageState " + ImageStates.Complete);

        if (File.Exists(_paths.SetupComplete))
        {
            _setupLog.Info(string.Empty, $"{Windeploy} Running SetupComplete.cmd [{_paths.SetupComplete}]");
            var result = CommandRunner.Run(_paths, "\"" + _paths.SetupComplete + "\"", options.SetupCompleteTimeout);
            _records.Log(string.Create(CultureInfo.InvariantCulture,
                $"SetupComplete.cmd exit={result.ExitCode}{(result.TimedOut ? " timedOut=true" : string.Empty)} seconds={result.Elapsed.TotalSeconds:0.0}"));
            if (result.Output.Length > 0)
            {
                _records.Log("SetupComplete.cmd output: " + result.Output);
            }

            _setupLog.Info(string.Empty, $"{Windeploy} SetupComplete.cmd returned [{ExitCodes.Hex(result.ExitCode)}]");
        }
        else
        {
            _records.Log("SetupComplete.cmd: none");
        }

        machine.SetDWord(Machine.SetupKey, "SetupType", 0);
        machine.SetString(Machine.SetupKey, "CmdLine", string.Empty);
        _records.Log("Setup done: SetupType 0, CmdLine empty");
        _records.Log("boot complete: Windows is ready for logon");
        return ExitCodes.Success;
    }

    private int Audit()
    {
        var answer = LoadAnswerFile(PassAuditUser);
        if (answer.Failed)
        {
            return FailPass(PassAuditUser, "the answer file cannot be used");
        }

        if (_progress.Pass != PassAuditUser)
        {
            _progress = _progress with { Pass = PassAuditUser, NextOrder = 0 };
            _progress.Write(_paths.Progress);
        }

        IReadOnlyList<SynchronousCommand> commands;
        try
        {
            commands = answer.File?.SynchronousCommands(PassAuditUser) ?? [];
        }
        catch (AnswerFileException e)
        {
            LogSettingsError(PassAuditUser, e);
            return FailPass(PassAuditUser, e.Message);
        }

        var result = RunCommands(PassAuditUser, commands);
        if (result is not null)
        {
            return result.Value;
        }

        _progress = _progress with { Pass = null, NextOrder = 0 };
        _progress.Write(_paths.Progress);
        _records.Log("audit mode: auditUser done; the desktop is ready");
        return ExitCodes.Success;
    }

    private void ApplyShellSetup(AnswerFile answer, string pass)
    {
        const string shell = "Microsoft-Windows-Shell-Setup";
        if (answer.Setting(pass, shell, "TimeZone") is { Length: > 0 } zone)
        {
            const string tzKey = @"HKLM\SYSTEM\CurrentControlSet\Control\TimeZoneInformation";
            machine.SetString(tzKey, "TimeZoneKeyName", zone);
            var known = @"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Time Zones\" + zone;
            if (machine.GetString(known, "Std") is { } std)
            {
                machine.SetString(tzKey, "StandardName", std);
                machine.SetString(tzKey, "DaylightName", machine.GetString(known, "Dlt") ?? std);
            }

            _records.Log($"{pass}: TimeZone {zone}");
        }

        const string nt = @"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion";
        foreach (var setting in new[] { "RegisteredOwner", "RegisteredOrganization" })
        {
            if (answer.Setting(pass, shell, setting) is { } value)
            {
                machine.SetString(nt, setting, value);
                _records.Log($"{pass}: {setting} {value}");
            }
        }

        if (answer.Component(pass, shell)?.Element(Ns + "OOBE") is { } oobe)
        {
            _records.Log($"{pass}: OOBE " + string.Join(' ', oobe.Elements().Select(e => $"{e.Name.LocalName}={e.Value.Trim()}")));
        }
    }

    /// <summary>International-Core: where Windows keeps each value (docs/wine-e2e.md lists them).</summary>
    private void ApplyInternational(AnswerFile answer, string pass)
    {
        const string international = "Microsoft-Windows-International-Core";
        if (answer.Setting(pass, international, "InputLocale") is { Length: > 0 } input)
        {
            var layouts = input.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(i => i.Contains(':', StringComparison.Ordinal) ? i[(i.IndexOf(':', StringComparison.Ordinal) + 1)..]
                    : Machine.LocaleId(i) is { } id ? Machine.Hex(id, 8) : null)
                .Where(l => l is not null)
                .ToArray();
            for (var i = 0; i < layouts.Length; i++)
            {
                machine.SetString(@"HKU\.DEFAULT\Keyboard Layout\Preload", (i + 1).ToString(CultureInfo.InvariantCulture), layouts[i]!);
            }

            _records.Log($"{pass}: InputLocale {input} -> Preload {string.Join(',', layouts)}");
        }

        if (answer.Setting(pass, international, "SystemLocale") is { Length: > 0 } system)
        {
            if (Machine.LocaleId(system) is { } id)
            {
                machine.SetString(@"HKLM\SYSTEM\CurrentControlSet\Control\Nls\Locale", string.Empty, Machine.Hex(id, 8));
            }

            _records.Log($"{pass}: SystemLocale {system}");
        }

        if (answer.Setting(pass, international, "UILanguage") is { Length: > 0 } ui)
        {
            machine.SetMultiString(@"HKLM\SYSTEM\CurrentControlSet\Control\MUI\Settings", "PreferredUILanguages", ui);
            machine.SetMultiString(@"HKU\.DEFAULT\Control Panel\Desktop", "PreferredUILanguages", ui);
            if (Machine.LocaleId(ui) is { } id)
            {
                machine.SetString(@"HKLM\SYSTEM\CurrentControlSet\Control\Nls\Language", "Default", Machine.Hex(id, 4));
            }

            _records.Log($"{pass}: UILanguage {ui}");
        }

        if (answer.Setting(pass, international, "UserLocale") is { Length: > 0 } user)
        {
            foreach (var root in new[] { @"HKU\.DEFAULT", "HKCU" })
            {
                machine.SetString(root + @"\Control Panel\International", "LocaleName", user);
                if (Machine.LocaleId(user) is { } id)
                {
                    machine.SetString(root + @"\Control Panel\International", "Locale", Machine.Hex(id, 8));
                }
            }

            _records.Log($"{pass}: UserLocale {user}");
        }
    }

    private (AnswerFile? File, bool Failed) LoadAnswerFile(string pass)
    {
        if (!File.Exists(_paths.CachedAnswerFile))
        {
            _records.Log($"{pass}: no cached answer file; defaults only");
            return (null, false);
        }

        try
        {
            return (AnswerFile.Load(_paths.CachedAnswerFile), false);
        }
        catch (AnswerFileException e)
        {
            _setupLog.Error(string.Empty, $"{ShellUnattend} The answer file is invalid. The error was detected at line {e.Line} column {e.Column} of the answer file.");
            _setupLog.Error(string.Empty, $"Windows could not parse or process unattend answer file [{_paths.CachedAnswerFile}] for pass [{pass}]. The answer file is invalid.");
            _records.Log($"{pass}: answer file invalid: {e.Message}");
            return (null, true);
        }
    }

    private void LogSettingsError(string pass, AnswerFileException e) =>
        _setupLog.Error(string.Empty, $"Windows could not parse or process unattend answer file [{_paths.CachedAnswerFile}] for pass [{pass}]. " +
            $"The settings specified in the answer file cannot be applied. The error was detected while processing settings for component [{e.Component ?? "unknown"}].");

    private void SaveCached(AnswerFile? answer)
    {
        if (answer is not null && File.Exists(_paths.CachedAnswerFile))
        {
            answer.Save(_paths.CachedAnswerFile);
        }
    }

    /// <summary>A fatal error in a pass: ErrorHandler.cmd if present, then Setup stops (a blocking dialog on a real machine).</summary>
    private int FailPass(string pass, string reason)
    {
        _setupLog.Error(string.Empty, $"{Windeploy} The computer restarted unexpectedly or encountered an unexpected error. Windows installation cannot proceed. To install Windows, click \"OK\" to restart the computer, and then restart the installation.");
        _progress = _progress with { Pass = PassFailed };
        _progress.Write(_paths.Progress);
        _records.Log($"{pass} failed: {reason}");
        if (File.Exists(_paths.ErrorHandler))
        {
            var result = CommandRunner.Run(_paths, "\"" + _paths.ErrorHandler + "\"", options.CommandTimeout);
            _records.Log(string.Create(CultureInfo.InvariantCulture, $"ErrorHandler.cmd exit={result.ExitCode}"));
        }

        _records.Power("halt", $"{pass} failed");
        return ExitCodes.SetupFailed;
    }

    private int Halt(string reason)
    {
        _records.Power("halt", reason);
        return ExitCodes.SetupFailed;
    }

    private static XElement? Find(XElement element, string path)
    {
        XElement? current = element;
        foreach (var part in path.Split('/'))
        {
            current = current?.Element(Ns + part);
        }

        return current;
    }

    private static string Word(CommandOutcome outcome) => outcome switch
    {
        CommandOutcome.Continue => "continue",
        CommandOutcome.RebootThenNext => "reboot-then-next",
        CommandOutcome.RebootThenRerun => "reboot-then-rerun",
        _ => "fatal",
    };
}
