using System.Runtime.Versioning;

namespace Reseal.SysprepEmulator;

/// <summary>
/// sysprep.exe itself, in the order seeds/004 ("How Sysprep Works") documents: verify it can run (started from
/// %WINDIR%\System32\Sysprep, one instance, administrator), initialise logging, parse the command line, validate, then
/// run the cleanup and generalize actions, record the result (ImageState, Sysprep_succeeded.tag) and shut down or reboot.
/// </summary>
/// <remarks>
/// <para>Failures before any change (validation: arguments, answer file, AppX packages, BitLocker) leave the machine as
/// it was: ImageState unchanged. A failure while executing (the rearm) leaves ImageState UNDEPLOYABLE and the
/// GeneralizationState "running", so the next Sysprep refuses with "Not running DLLs; either the machine is in an
/// invalid state" (answerfiles.md §5 #7) — Sysprep does not roll back.</para>
/// <para>A failed run is not closed by "Shutting down SysPrep log", as in the logs users post.</para>
/// </remarks>
[SupportedOSPlatform("windows")]
public sealed class SysprepRun(Machine machine, EmulatorOptions options, TimeProvider time, TextWriter console)
{
    private const string Component = "SYSPRP";
    private const string ValidateFailedDialog =
        @"Sysprep was not able to validate your Windows installation. Review the log file at %WINDIR%\System32\Sysprep\Panther\setupact.log for details. After resolving the issue, use Sysprep to validate your installation again.";
    private const string FatalDialog = "A fatal error occurred while trying to sysprep the machine.";

    private readonly EmulatorPaths _paths = machine.Paths;
    private readonly EmulatorRecords _records = new(machine.Paths, time, "sysprep");
    private PantherLog _log = null!;

    public int Run(IReadOnlyList<string> args, string? processPath)
    {
        _records.Log("started: sysprep.exe " + string.Join(' ', args));
        if (processPath is not null && !string.Equals(Path.GetDirectoryName(processPath)?.TrimEnd('\\'), _paths.SysprepFolder.TrimEnd('\\'), StringComparison.OrdinalIgnoreCase))
        {
            return Refuse(ExitCodes.WrongFolder, $@"Sysprep must be run from {_paths.SysprepFolder}, not {Path.GetDirectoryName(processPath)}");
        }

        using var mutex = new Mutex(false, @"Global\Reseal.SysprepEmulator.Instance");
        bool owned;
        try
        {
            owned = mutex.WaitOne(0);
        }
        catch (AbandonedMutexException)
        {
            owned = true;
        }

        if (!owned)
        {
            // Checked before logging starts (seeds/004 step 1): the running instance owns the log.
            return Refuse(ExitCodes.AlreadyRunning, "Another instance of Sysprep is already running; only one instance of Sysprep can run at a time.");
        }

        try
        {
            return RunOwned(args);
        }
        finally
        {
            mutex.ReleaseMutex();
        }
    }

    private int RunOwned(IReadOnlyList<string> args)
    {
        _log = new PantherLog(_paths.SysprepPanther, time);
        _log.Info(Component, "========================================================");
        _log.Info(Component, "===          Beginning of a new sysprep run          ===");
        _log.Info(Component, "========================================================");
        _log.Info(Component, "The time is now " + time.GetLocalNow().ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture), "0x0f004d");
        _log.Info(Component, "Initialized SysPrep log at " + _paths.SysprepPanther, "0x0f004e");

        if (options.Fails(InjectedFailure.NotAdmin) || !Machine.IsAdministrator())
        {
            _log.Error(Component, "ValidatePrivileges:User does not have the required privileges to sysprep the machine", "0x0f0055");
            return Refuse(ExitCodes.AccessDenied, "You must be an administrator to run Sysprep.");
        }

        _log.Info(Component, "ValidatePrivileges:User has required privileges to sysprep machine", "0x0f0054");
        if (File.Exists(_paths.SuccessTag))
        {
            File.Delete(_paths.SuccessTag);
            _log.Info(Component, $"FCreateTagFile:Tag file {_paths.SuccessTag} already exists; deleted it", "0x0f007e");
        }
        else
        {
            _log.Info(Component, $"FCreateTagFile:Tag file {_paths.SuccessTag} does not already exist, no need to delete anything", "0x0f007e");
        }

        SysprepCommandLine command;
        try
        {
            command = SysprepCommandLine.Parse(args);
        }
        catch (SysprepUsageException e)
        {
            _log.Error(Component, "ParseCommands:Invalid command line: " + e.Message);
            return Refuse(ExitCodes.InvalidArguments, "Sysprep: " + e.Message);
        }

        foreach (var option in command.LoggedOptions)
        {
            _log.Info(Component, $"ParseCommands:Found supported command line option '{option}'", "0x0f005f");
        }

        if (command.VmMode)
        {
            _log.Info(Component, "WinMain:Sysprep mode [vm]; was specified", "0x0f00b7");
        }

        var generalization = machine.GetDWord(Machine.SysprepStatusKey, "GeneralizationState");
        if (generalization is { } g && g != Machine.GeneralizationReady)
        {
            _log.Error(Component, "RunExternalDlls:Not running DLLs; either the machine is in an invalid state or we couldn't update the recorded state, dwRet = 31", "0x0f0073");
            _log.Error(Component, "WinMain:Hit failure while processing sysprep cleanup external providers; hr = 0x8007001f", "0x0f00ae");
            _records.Log($"refused: GeneralizationState is {g}, not {Machine.GeneralizationReady} (an earlier Sysprep stopped part-way)");
            return Fail(ExitCodes.InvalidState, FatalDialog);
        }

        // The answer file: /unattend, else the implicit search (a cached file beats one in System32\Sysprep).
        AnswerFile? answer = null;
        var answerPath = command.Unattend is { } given ? Path.GetFullPath(given) : _paths.ImplicitAnswerFiles.FirstOrDefault(File.Exists);
        if (answerPath is not null)
        {
            if (!File.Exists(answerPath))
            {
                _log.Error(Component, $"WinMain:The answer file {answerPath} was not found; hr = 0x80070002");
                return Fail(ExitCodes.FileNotFound, ValidateFailedDialog);
            }

            try
            {
                answer = AnswerFile.Load(answerPath);
                _log.Info(Component, $"Unattend:Using answer file [{answerPath}]");
            }
            catch (AnswerFileException e)
            {
                _log.Error(string.Empty, $"Windows could not parse or process unattend answer file [{answerPath}] for pass [generalize]. " +
                    $"The answer file is invalid. The error was detected at line {e.Line} column {e.Column} of the answer file.");
                _records.Log("answer file refused: " + e.Message);
                return Fail(ExitCodes.InvalidAnswerFile, ValidateFailedDialog);
            }
        }

        // Validation: nothing has changed yet, so a failure leaves the machine as it was.
        if (command.Generalize)
        {
            _log.Info(Component, @"SysprepSession::CreateSession: Successfully created instance with action file C:\Windows\System32\Sysprep\ActionFiles\Generalize.xml");
            _log.Info(Component, @"SysprepSession::Validate: Validating actions from C:\Windows\System32\Sysprep\ActionFiles\Generalize.xml", "0x0f004d");
            if (options.Fails(InjectedFailure.BitLocker))
            {
                _log.Error(Component, "BitLocker-Sysprep: BitLocker is on for the OS volume. Turn BitLocker off to run Sysprep. (0x80310039)");
                _log.Error(Component, @"ActionPlatform::LaunchModule: Failure occurred while executing 'ValidateBitLockerState' from C:\Windows\System32\BdeSysprep.dll; dwRet = 0x80310039", "0x0f0082");
                ValidationFailed("0x80310039");
                return Fail(ExitCodes.BitLocker, ValidateFailedDialog);
            }

            if (options.Fails(InjectedFailure.StorePackage))
            {
                _log.Error(Component, $"Package {options.StorePackage} was installed for a user, but not provisioned for all users. This package will not function properly in the sysprep image.");
                _log.Error(Component, "Failed to remove apps for the current user: 0x80073cf2.");
                _log.Error(Component, "Exit code of RemoveAllApps thread was 0x3cf2.");
                _log.Error(Component, @"ActionPlatform::LaunchModule: Failure occurred while executing 'SysprepGeneralizeValidate' from C:\Windows\System32\AppxSysprep.dll; dwRet = 0x3cf2", "0x0f0082");
                ValidationFailed("0x80073cf2", "0x3cf2");
                return Fail(ExitCodes.StorePackage, ValidateFailedDialog);
            }
        }

        // Execution: from here a failure leaves the machine half-done.
        machine.SetImageState(ImageStates.Undeployable);
        _records.Log("ImageState " + ImageStates.Undeployable);
        if (command.Generalize)
        {
            machine.SetDWord(Machine.SysprepStatusKey, "GeneralizationState", Machine.GeneralizationRunning);
        }

        if (options.Delay > TimeSpan.Zero)
        {
            _records.Log($"delay: waiting {options.Delay.TotalSeconds:0.#} s (test knob)");
            Thread.Sleep(options.Delay);
        }

        _log.Info(Component, @"SysprepSession::Execute: Executing actions from C:\Windows\System32\Sysprep\ActionFiles\Cleanup.xml");
        if (command.Generalize && !Generalize(answer))
        {
            return Fail(ExitCodes.RearmLimit, FatalDialog);
        }

        if (answer is not null && answerPath is not null && !string.Equals(answerPath, _paths.CachedAnswerFile, StringComparison.OrdinalIgnoreCase))
        {
            // Setup reads the cached copy in the passes of the next boots.
            Directory.CreateDirectory(_paths.Panther);
            File.Copy(answerPath, _paths.CachedAnswerFile, overwrite: true);
            _log.Info(Component, $"Unattend:Cached answer file [{answerPath}] to [{_paths.CachedAnswerFile}]");
        }

        machine.SetString(Machine.SetupKey, "CmdLine", @"oobe\windeploy.exe");
        machine.SetDWord(Machine.SetupKey, "SetupType", 2);
        if (command.Generalize)
        {
            machine.SetDWord(Machine.SysprepStatusKey, "GeneralizationState", Machine.GeneralizationDone);
        }

        machine.SetImageState(command.TargetImageState);
        _records.Log("ImageState " + command.TargetImageState);
        File.WriteAllBytes(_paths.SuccessTag, []);
        _log.Info(Component, $"FCreateTagFile:Created tag file {_paths.SuccessTag}", "0x0f007e");

        switch (command.Action)
        {
            case PowerAction.Shutdown:
                _log.Info(Component, "WinMain:Shutting down the machine");
                _records.Power("shutdown", command.Generalize ? "after generalize" : "after sysprep");
                break;
            case PowerAction.Reboot:
                _log.Info(Component, "WinMain:Rebooting the machine");
                _records.Power("reboot", command.Generalize ? "after generalize" : "after sysprep");
                break;
            default:
                _log.Info(Component, "WinMain:Quitting; the machine keeps running");
                _records.Log("quit: the machine keeps running");
                break;
        }

        _log.Info(Component, "Shutting down SysPrep log", "0x0f0052");
        _records.Log("exit 0");
        return ExitCodes.Success;
    }

    /// <summary>The generalize actions. False when the rearm failed.</summary>
    private bool Generalize(AnswerFile? answer)
    {
        _log.Info(Component, @"SysprepSession::Execute: Executing actions from C:\Windows\System32\Sysprep\ActionFiles\Generalize.xml");
        var skipRearm = answer?.Setting("generalize", "Microsoft-Windows-Security-SPP", "SkipRearm") == "1"
            || machine.GetDWord(Machine.SppKey, "SkipRearm") == 1;
        if (skipRearm)
        {
            if (answer?.Setting("generalize", "Microsoft-Windows-Security-SPP", "SkipRearm") == "1")
            {
                machine.SetDWord(Machine.SppKey, "SkipRearm", 1);
            }

            _log.Info(Component, "LaunchDll:SkipRearm is set; the licensing state is kept and Windows is not rearmed");
            _records.Log("rearm skipped (SkipRearm=1)");
        }
        else
        {
            _log.Info(Component, @"LaunchDll:Found 'C:\Windows\System32\slc.dll,SLReArmWindows'; executing it", "0x0f0080");
            if (options.Fails(InjectedFailure.RearmLimit))
            {
                _log.Error(Component, @"LaunchDll:Failure occurred while executing 'C:\Windows\System32\slc.dll,SLReArmWindows', returned error code -1073425657", "0x0f0082");
                _log.Error(Component, "RunExternalDlls:An error occurred while running registry sysprep DLLs, halting sysprep execution. dwRet = -1073425657", "0x0f0070");
                _log.Error(Component, "WinMain:Hit failure while processing sysprep generalize internal providers; hr = 0xc004d307", "0x0f00a8");
                _records.Log("rearm failed: limit reached (0xc004d307); ImageState left UNDEPLOYABLE");
                return false;
            }

            _records.Log("rearmed");
        }

        if (answer?.Setting("generalize", "Microsoft-Windows-PnpSysprep", "PersistAllDeviceInstalls") is { } persist)
        {
            _log.Info(Component, $"PnPSysprep: PersistAllDeviceInstalls = {persist}");
        }

        if (answer?.Setting("generalize", "Microsoft-Windows-TerminalServices-LocalSessionManager", "fDenyTSConnections") is { } deny)
        {
            machine.SetDWord(Machine.TerminalServerKey, "fDenyTSConnections", deny.Equals("true", StringComparison.OrdinalIgnoreCase) ? 1 : 0);
            _records.Log("generalize: fDenyTSConnections = " + deny);
        }

        machine.ClearComputerName();
        _log.Info(Component, "Generalize: the computer name was cleared; a new one is set in specialize");
        _records.Log("computer name cleared; SID reset not emulated");
        return true;
    }

    private void ValidationFailed(string hr, string? dwRet = null)
    {
        dwRet ??= hr;
        _log.Error(Component, $@"SysprepSession::Validate: Error in validating actions from C:\Windows\System32\Sysprep\ActionFiles\Generalize.xml; dwRet = {dwRet}");
        _log.Error(Component, $"RunPlatformActions:Failed while validating SysprepSession actions; dwRet = {dwRet}");
        _log.Error(Component, $"RunExternalDlls:An error occurred while running registry sysprep DLLs, halting sysprep execution. dwRet = {dwRet}", "0x0f0070");
        _log.Error(Component, $"WinMain:Hit failure while pre-validate sysprep generalize internal providers; hr = {hr}", "0x0f00d8");
        _records.Log($"validation failed ({hr}); nothing was changed");
    }

    /// <summary>A failure after logging started: the run is left open in the log, the dialog goes to standard error.</summary>
    private int Fail(int exitCode, string dialog)
    {
        console.WriteLine(dialog);
        _records.Log("exit " + ExitCodes.Hex(exitCode));
        return exitCode;
    }

    /// <summary>Refused before or while validating what Sysprep was asked: a dialog, no change.</summary>
    private int Refuse(int exitCode, string dialog)
    {
        console.WriteLine(dialog);
        _records.Log("refused: " + dialog + " exit " + ExitCodes.Hex(exitCode));
        return exitCode;
    }
}
