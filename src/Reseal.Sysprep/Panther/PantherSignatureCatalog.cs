namespace Reseal.Sysprep.Panther;

/// <summary>
/// The known Sysprep and Setup log messages (answerfiles.md §4 and §5). Ids are stable: tools and people quote them.
/// SD001–SD018 are the rows of §5's table in order; SD020–SD026 the answer-file errors of §4; SD030+ generic families.
/// </summary>
public sealed class PantherSignatureCatalog
{
    private const string Hr = @"(?<hr>0x[0-9a-f]+)";
    private const string AppxFix =
        "Remove the per-user package and its provisioned copy, then run Sysprep again: " +
        "`Get-AppxPackage -AllUsers {package} | Remove-AppxPackage -AllUsers` and " +
        "`Get-AppxProvisionedPackage -Online | Where-Object PackageName -like '{package}*' | Remove-AppxProvisionedPackage -Online`. " +
        "Keep the machine off the Store (and its automatic app updates) until it is sealed.";
    private const string AppxFixGeneric =
        "Find the package named by the 'was installed for a user, but not provisioned for all users' line " +
        "(`Get-AppxPackage -AllUsers | Where-Object { $_.PackageUserInformation.InstallState -ne 'Installed' }`), remove it " +
        "with `Remove-AppxPackage -AllUsers` and `Remove-AppxProvisionedPackage -Online`, keep the Store offline, run Sysprep again.";
    private const string UnattendSources = "answerfiles.md §4";

    /// <summary>The built-in catalog.</summary>
    public static PantherSignatureCatalog Default { get; } = new(BuiltIn());

    private readonly PantherSignature[] _signatures;
    private readonly System.Buffers.SearchValues<string> _anchors;

    /// <summary>A catalog of the given signatures (ids must be unique).</summary>
    public PantherSignatureCatalog(IEnumerable<PantherSignature> signatures)
    {
        ArgumentNullException.ThrowIfNull(signatures);
        _signatures = signatures.ToArray();
        var duplicate = _signatures.GroupBy(s => s.Id, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new ArgumentException($"duplicate signature id {duplicate.Key}", nameof(signatures));
        }

        if (_signatures.Any(s => s.Anchors.Count == 0))
        {
            throw new ArgumentException("every signature needs at least one anchor", nameof(signatures));
        }

        _anchors = System.Buffers.SearchValues.Create(
            _signatures.SelectMany(s => s.Anchors).Distinct(StringComparer.OrdinalIgnoreCase).ToArray(), StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>All signatures, in id order.</summary>
    public IReadOnlyList<PantherSignature> Signatures => _signatures;

    /// <summary>The signature with this id, or null.</summary>
    public PantherSignature? Find(string id) => Array.Find(_signatures, s => s.Id.Equals(id, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// The signatures a message matches. When a specific signature matches, the generic ones that also match are dropped.
    /// </summary>
    public IReadOnlyList<SignatureMatch> Match(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.AsSpan().IndexOfAny(_anchors) < 0)
        {
            return [];
        }

        List<SignatureMatch>? matches = null;
        foreach (var signature in _signatures)
        {
            if (!signature.Anchors.Any(a => message.Contains(a, StringComparison.OrdinalIgnoreCase)))
            {
                continue;
            }

            var match = signature.Match(message);
            if (match is not null)
            {
                (matches ??= []).Add(match);
            }
        }

        if (matches is null)
        {
            return [];
        }

        if (matches.Count > 1 && matches.Any(m => !m.Signature.IsGeneric))
        {
            matches.RemoveAll(m => m.Signature.IsGeneric);
        }

        return matches;
    }

    private static PantherSignature[] BuiltIn() =>
    [
        new("SD001", "Store app installed for a user but not provisioned",
            @"Package (?<package>\S+) was installed for a user, but not provisioned for all users",
            ["not provisioned for all users"], SignatureSeverity.Fatal,
            "An AppX package was installed or updated (often by the Store) for one user only; generalize cannot remove it.",
            AppxFix,
            "SA:sysprep-fails-remove-or-update-store-apps.md; CP:manufacture/desktop/sysprep--generalize--a-windows-installation.md"),

        new("SD002", "Removing the current user's apps failed",
            $@"Failed to remove apps for the current user: {Hr}|Exit code of RemoveAllApps thread was {Hr}",
            ["Failed to remove apps for the current user", "RemoveAllApps thread"], SignatureSeverity.Error,
            "A per-user AppX package (Copilot, Edge, a Store update...) could not be removed for the current user (0x80073cf2: package in use or not provisioned).",
            AppxFixGeneric,
            "vmware/ansible-vsphere-gos-validation#596; antifob/incus-windows#28")
        { PointsTo = ["SD001"] },

        new("SD003", "AppX generalize validation failed",
            $@"Failure occurred while executing 'SysprepGeneralizeValidate' from (?<dll>\S*AppxSysprep\.dll); dwRet = {Hr}",
            ["SysprepGeneralizeValidate"], SignatureSeverity.Fatal,
            "AppxSysprep.dll found a per-user package (Store app, WSL, winget sources installed per user) that would not survive generalize.",
            AppxFixGeneric + " WSL distributions and winget sources installed per user count too.",
            "SA:miracastview-cause-sysprep-error-upgrade-windows-10-1709.md; actions/runner-images#14499; microsoft/winget-cli#5599")
        { PointsTo = ["SD001"] },

        new("SD004", "Generalize pre-validation failed",
            $@"Hit failure while pre-validate sysprep generalize internal providers; hr = {Hr}",
            ["pre-validate sysprep generalize"], SignatureSeverity.Fatal,
            "Summary line: a generalize validation provider (usually AppX, SD001–SD003) failed.",
            "Look at the lines before it for the provider that failed (SD001–SD003); with hr 0x80073cf2 it is a per-user AppX package. " + AppxFixGeneric,
            "actions/runner-images#14499")
        { IsSummary = true, PointsTo = ["SD001", "SD002", "SD003"] },

        new("SD005", "BitLocker is on",
            @"BitLocker is on for the OS volume\. Turn BitLocker off to run Sysprep\.?(?:\s*\((?<hr>0x[0-9a-f]+)\))?",
            ["BitLocker is on for the OS volume"], SignatureSeverity.Fatal,
            "The OS volume is encrypted (suspending protection is not enough); Sysprep refuses to generalize it.",
            "Fully decrypt the OS volume (`manage-bde -off C:`), wait until `manage-bde -status` says 'Fully Decrypted', then run Sysprep again.",
            "antifob/incus-windows#30; canonical/packer-maas#341; MicrosoftDocs/azure-docs PR #58134"),

        new("SD006", "Rearm limit reached",
            @"Failure occurred while executing '(?<dll>[^']*slc\.dll), ?SLReArmWindows', returned error code (?<code>-?\w+)|hr = (?<hr>0xc004d307)",
            ["SLReArmWindows", "0xc004d307"], SignatureSeverity.Fatal,
            "Windows has been rearmed as many times as it allows (3 on Windows 7); generalize rearms again and fails (0xc004d307).",
            "Rebuild the image from fresh media; while iterating set SkipRearm=1 (Microsoft-Windows-Security-SPP, generalize pass); check the rearms left with `slmgr /dlv`.",
            "SA:error-occurs-when-running-sysprep-generalize.md; MS Embedded SkipRearm page (msdn jj963386)"),

        new("SD007", "Machine in an invalid state after an earlier failed Sysprep",
            @"RunExternalDlls:\s*Not running DLLs; either the machine is in an invalid state or we couldn't update the recorded state, dwRet = (?<code>\w+)",
            ["Not running DLLs; either the machine is in an invalid state"], SignatureSeverity.Fatal,
            "An earlier Sysprep stopped part-way and Sysprep does not roll back; the recorded state forbids running again.",
            "Recreate the machine from the image or snapshot taken before the first Sysprep; do not try to repair this one.",
            "SA:fatal-error-occurred-sysprep-machine.md"),

        new("SD008", "Servicing (CBS) busy or pending",
            $@"Failed to query pending CBS operations; hr = {Hr}|Failure occurred while executing 'Sysprep_Clean_Validate_Opk' from (?<dll>\S+); dwRet = {Hr}",
            ["pending CBS operations", "Sysprep_Clean_Validate_Opk"], SignatureSeverity.Fatal,
            "Component servicing is busy or has pending operations (updates installing, a reboot owed).",
            "Reboot, let Windows Update / TrustedInstaller finish (no pending reboot), then run Sysprep again (inferred).",
            "GoogleCloudPlatform/compute-image-windows#156"),

        new("SD009", "Defender for Endpoint (Sense) onboarded",
            $@"Error from RegDeleteValueW for value senseGuid under key (?<key>.+?); dwRet = {Hr}",
            ["senseGuid"], SignatureSeverity.Fatal,
            "Microsoft Defender for Endpoint is onboarded (or a policy re-creates its key); Sysprep cannot delete senseGuid.",
            "Offboard the machine from Defender for Endpoint (run the offboarding script, remove the onboarding policy), reboot, run Sysprep again.",
            "actions/runner-images#9659, #7103, #10434"),

        new("SD010", "DSC cleanup provider failed",
            @"Failure occurred while executing '(?<dll>[^']*DscCore\.dll), ?SysPrep_Cleanup', returned error code (?<code>\w+)",
            ["DscCore.dll"], SignatureSeverity.Fatal,
            "A DSC provider file is missing (often after a language pack or cumulative update).",
            "No authoritative fix is known: check that %WINDIR%\\System32\\DscCore.dll and its configuration folder exist (repair with `sfc /scannow` or DISM /RestoreHealth), or rebuild the image.",
            "MicrosoftDocs/azure-docs#80346, #49145, #43893"),

        new("SD011", "Defender MRT generalize failed",
            @"MRTGeneralize:\d+ - ERROR: Failed DeleteInstance AntiSpywareProduct(?:\.instanceGuid=""?(?<guid>\{?[^""\s]*\}?)""?)?(?:\s*hr=(?<hr>\w+))?",
            ["MRTGeneralize"], SignatureSeverity.Warning,
            "Defender's WMI registration was tampered with; often non-fatal.",
            "Usually none; if it is the only error, repair or remove the Defender feature and run Sysprep again.",
            "MicrosoftDocs/azure-docs#43893; GoogleCloudPlatform/compute-image-windows#156")
        { IsNoise = true },

        new("SD012", "BCD EFI entry update failed",
            @"BCD: BiUpdateEfiEntry failed (?<status>[0-9a-fx]+)",
            ["BiUpdateEfiEntry"], SignatureSeverity.Warning,
            "The firmware (NVRAM) entry could not be written on a VM; logged next to the real error (inferred).",
            "Usually none: look at the other errors of the same run (SD001 often).",
            "microsoft/winget-cli#5599")
        { IsNoise = true },

        new("SD013", "BCD generalize provider failed",
            @"Failure occurred while executing '(?<dll>[^']*spbcd\.dll), ?Sysprep_Generalize_Bcd', returned error code (?<code>\w+)",
            ["Sysprep_Generalize_Bcd"], SignatureSeverity.Fatal,
            "The BCD generalize provider failed (seen on cloned appliances whose boot configuration points at missing devices).",
            "Check the boot configuration (`bcdedit /enum all`): the {default} and {bootmgr} devices must exist; repair with `bcdboot C:\\Windows`, then run Sysprep again.",
            "ftpdocs.broadcom.com CA AppLogic doc 2329147.html"),

        new("SD014", "Answer file password could not be decoded",
            $@"\[Shell Unattend\] Failed to decode password \({Hr}\)",
            ["Failed to decode password"], SignatureSeverity.Fatal,
            "A password marked PlainText=false has the wrong obfuscation suffix or encoding (answerfiles.md §3).",
            "Encode the password as Base64 of UTF-16LE(password + \"Password\" or \"AdministratorPassword\"), or set PlainText=true; `reseal unattend lint` checks it.",
            "SvenGroot/GenerateAnswerFile#48"),

        new("SD015", "CopyProfile failed",
            $@"\[Shell Unattend\] (?:CopyProfile|_FindLatestProfile) failed \({Hr}\)",
            ["CopyProfile failed", "_FindLatestProfile failed"], SignatureSeverity.Fatal,
            "CopyProfile found extra, domain or stale profiles (ProfileList keys without folders).",
            "Remove extra accounts and stale keys under HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\ProfileList, or set CopyProfile=false.",
            "awsdocs/amazon-ec2-user-guide-windows sysprep-troubleshoot.md"),

        new("SD016", "Answer file component for another architecture",
            @"Unable to find manifest file (?<manifest>\S*?(?<arch>x86|amd64|arm64|wow64)_microsoft-windows-[^\s]*)",
            ["Unable to find manifest file"], SignatureSeverity.Error,
            "The answer file names a component for an architecture the image does not have (e.g. x86 on amd64 or ARM64).",
            "Keep only components whose processorArchitecture matches the image ({arch} is wrong here); `reseal unattend lint` checks it.",
            "cschneegans/unattend-generator#216"),

        new("SD017", "Sysprep failed",
            @"Sysprep was not able to validate your Windows installation|A fatal error occurred while trying to sysprep the machine",
            ["not able to validate your Windows installation", "fatal error occurred while trying to sysprep"], SignatureSeverity.Fatal,
            "Generic message: validation (before any change) or execution failed.",
            "Read the detailed errors above it in %WINDIR%\\System32\\Sysprep\\Panther\\setupact.log and setuperr.log; after an execution failure recreate the machine (SD007).",
            "SA:miracastview-cause-sysprep-error-upgrade-windows-10-1709.md; SA:fatal-error-occurred-sysprep-machine.md")
        { IsSummary = true },

        new("SD018", "File operations pending",
            @"WinMain:\s*File operations pending",
            ["File operations pending"], SignatureSeverity.Warning,
            "Files are waiting to be replaced at the next reboot (PendingFileRenameOperations).",
            "Reboot, then run Sysprep again (inferred).",
            "notepad-plus-plus/notepad-plus-plus#13675"),

        new("SD020", "Answer file could not be parsed or processed",
            @"Windows could not parse or process (?:the )?unattend answer file \[(?<answerFile>[^\]]+)\] for pass \[(?<pass>[^\]]+)\]\.?\s*(?<detail>.*)",
            ["could not parse or process unattend answer file", "could not parse or process the unattend answer file"], SignatureSeverity.Fatal,
            "Setup rejected the answer file for the {pass} pass.",
            "Fix {answerFile} for the {pass} pass (`reseal unattend lint` names the setting), and delete stale copies in %WINDIR%\\Panther.",
            UnattendSources)
        { IsGeneric = true },

        new("SD021", "Answer file names a component or setting that does not exist",
            @"Windows could not parse or process (?:the )?unattend answer file \[(?<answerFile>[^\]]+)\] for pass \[(?<pass>[^\]]+)\]\.?\s*A component or setting specified in the answer file does not exist",
            ["A component or setting specified in the answer file does not exist"], SignatureSeverity.Fatal,
            "A component or setting in the {pass} pass is not in this image: misspelled, wrong pass, wrong architecture or version, or a malformed list (InputLocale in windowsPE).",
            "Fix {answerFile}: check component names, processorArchitecture, publicKeyToken and the pass of each setting under {pass}; `reseal unattend lint` names it.",
            "ChrisTitusTech/winutil#1299; hashicorp/packer#5418"),

        new("SD022", "Answer file sets a component or setting twice",
            @"Windows could not parse or process (?:the )?unattend answer file \[(?<answerFile>[^\]]+)\] for pass \[(?<pass>[^\]]+)\]\.?\s*A component or non-list setting is specified more than once",
            ["specified more than once in the answer file"], SignatureSeverity.Fatal,
            "A component or a non-list setting appears twice in the {pass} pass.",
            "Merge the duplicate components or settings of the {pass} pass in {answerFile}; `reseal unattend lint` names them.",
            "boxcutter/windows-batch#50"),

        new("SD023", "Answer file settings cannot be applied",
            @"(?:Windows could not parse or process (?:the )?unattend answer file \[(?<answerFile>[^\]]+)\] for pass \[(?<pass>[^\]]+)\]\.?\s*)?The settings specified in the answer file cannot be applied\. The error was detected while processing settings for component \[(?<component>[^\]]+)\]",
            ["The settings specified in the answer file cannot be applied"], SignatureSeverity.Fatal,
            "A value of component {component} is invalid for this image (bad format, wrong pass, or a value Setup rejects).",
            "Check every setting of {component} (value formats, the pass it is in, empty elements); `reseal unattend lint` and `reseal unattend explain` help.",
            "AutomatedLab/AutomatedLab#550; rbalsleyMSFT/FFU#29"),

        new("SD024", "Answer file is not well-formed XML",
            @"The answer file is invalid\. The error was detected at line (?<line>\d+) column (?<column>\d+)",
            ["The answer file is invalid"], SignatureSeverity.Fatal,
            "The answer file is not well-formed XML (or not valid against the unattend schema) at line {line}, column {column}.",
            "Fix the XML at line {line}, column {column} of the answer file; `reseal unattend lint` shows the same position.",
            "rcmaehl/LocalUser.App#8"),

        new("SD025", "ProductKey setting cannot be read",
            @"Windows cannot read the <ProductKey> setting from the unattend answer file",
            ["cannot read the <ProductKey> setting"], SignatureSeverity.Fatal,
            "The ProductKey setting is in the wrong component for this architecture or badly formatted.",
            "Use the component of the image's architecture and the form XXXXX-XXXXX-XXXXX-XXXXX-XXXXX (or the <Key> element in windowsPE).",
            "ms-iot/windows-iotent-deploy#4; memstechtips/UnattendedWinstall#49"),

        new("SD026", "Setup restarted unexpectedly",
            @"The computer restarted unexpectedly or encountered an unexpected error",
            ["restarted unexpectedly or encountered an unexpected error"], SignatureSeverity.Fatal,
            "Generic message shown after an answer-file error (SD020–SD025) or a failed pass.",
            "Find the answer-file error logged before it in %WINDIR%\\Panther\\setupact.log; fix the answer file and redeploy (the instance cannot continue).",
            "boxcutter/windows-batch#50")
        { IsSummary = true, PointsTo = ["SD020", "SD021", "SD022", "SD023", "SD024", "SD025"] },

        new("SD030", "A pass exited with an error status",
            @"Exiting '?(?<pass>\w+)'? pass with status (?<hr>0x0*[1-9a-f][0-9a-f]*)",
            ["pass with status"], SignatureSeverity.Error,
            "The {pass} pass failed with status {hr}.",
            "Look at the errors logged during the {pass} pass (Shell Unattend, answer file, RunSynchronous commands).",
            UnattendSources + "; SvenGroot/GenerateAnswerFile#48")
        { IsSummary = true, PointsTo = ["SD014", "SD015", "SD020", "SD021", "SD022", "SD023", "SD024", "SD025"] },

        new("SD031", "Sysprep stopped on a failure",
            $@"Hit failure while (?<step>.+?); hr = {Hr}",
            ["Hit failure while"], SignatureSeverity.Fatal,
            "Summary line: Sysprep stopped while {step}.",
            "Look at the errors logged before it in the same run for the provider that failed.",
            "answerfiles.md §5")
        { IsSummary = true, IsGeneric = true },

        new("SD032", "Sysprep halted while running its providers",
            @"An error occurred while running registry sysprep DLLs, halting sysprep execution\.?\s*dwRet = (?<code>\w+)",
            ["halting sysprep execution"], SignatureSeverity.Fatal,
            "Summary line: a provider DLL failed and Sysprep stopped.",
            "Look at the LaunchDll / LaunchModule failure logged just before it.",
            "answerfiles.md §5")
        { IsSummary = true, PointsTo = ["SD006", "SD010", "SD013", "SD033"] },

        new("SD033", "A Sysprep provider DLL failed",
            @"LaunchDll:\s*Failure occurred while executing '(?<dll>[^']+)', returned error code (?<code>-?\w+)",
            ["LaunchDll"], SignatureSeverity.Error,
            "The Sysprep provider {dll} failed with {code}.",
            "Find what {dll} needs (its feature, service or files) or remove the feature it belongs to, then run Sysprep again.",
            "answerfiles.md §5")
        { IsGeneric = true },

        new("SD034", "A Sysprep provider module failed",
            @"LaunchModule:\s*Failure occurred while executing '(?<function>[^']+)' from (?<dll>\S+?);? dwRet = (?<hr>\w+)",
            ["LaunchModule"], SignatureSeverity.Error,
            "{function} in {dll} failed with {hr}.",
            "Find what {dll} checks ({function}) and fix it, then run Sysprep again.",
            "answerfiles.md §5")
        { IsGeneric = true },
    ];
}
