namespace Reseal.Sysprep.Tests.Panther;

/// <summary>One documented log line per signature (answerfiles.md §4 and §5, exact texts).</summary>
/// <param name="Id">The signature it should match.</param>
/// <param name="Level">The level column.</param>
/// <param name="Component">The component column (null: empty).</param>
/// <param name="Message">The message as Windows writes it; null component + raw=true: a pasted dialog line.</param>
/// <param name="Sysprep">Logged by Sysprep (inside a run) rather than by Setup's passes.</param>
/// <param name="FixMentions">A word the fix must contain.</param>
/// <param name="MessageId">The message id column, or null.</param>
/// <param name="IsRaw">Written as a raw line (no timestamp), like a copied dialog.</param>
public sealed record SignatureSample(string Id, string Level, string? Component, string Message, bool Sysprep, string FixMentions,
    string? MessageId = null, bool IsRaw = false)
{
    public override string ToString() => Id;
}

internal static class SignatureSamples
{
    public const string PackageFullName = "Microsoft.LanguageExperiencePacken-GB_19041.12.36.0_neutral__8wekyb3d8bbwe";

    public static IReadOnlyList<SignatureSample> All { get; } =
    [
        new("SD001", "Error", "SYSPRP", $"Package {PackageFullName} was installed for a user, but not provisioned for all users. This package will not function properly in the sysprep image.", true, "Remove-AppxProvisionedPackage"),
        new("SD002", "Error", "SYSPRP", "Failed to remove apps for the current user: 0x80073cf2.", true, "Remove-AppxPackage"),
        new("SD003", "Error", "SYSPRP", @"ActionPlatform::LaunchModule: Failure occurred while executing 'SysprepGeneralizeValidate' from C:\Windows\System32\AppxSysprep.dll; dwRet = 0x3cf2", true, "Remove-AppxProvisionedPackage"),
        new("SD004", "Error", "SYSPRP", "WinMain:Hit failure while pre-validate sysprep generalize internal providers; hr = 0x80073cf2", true, "AppX"),
        new("SD005", "Error", "SYSPRP", "BitLocker-Sysprep: BitLocker is on for the OS volume. Turn BitLocker off to run Sysprep. (0x80310039)", true, "manage-bde -off"),
        new("SD006", "Error", "SYSPRP", @"LaunchDll: Failure occurred while executing 'C:\Windows\System32\slc.dll, SLReArmWindows', returned error code -1073425657", true, "SkipRearm", "0x0f0082"),
        new("SD007", "Error", "SYSPRP", "RunExternalDlls:Not running DLLs; either the machine is in an invalid state or we couldn't update the recorded state, dwRet = 31", true, "Recreate", "0x0f0073"),
        new("SD008", "Error", "SYSPRP", "spopk.dll:: Failed to query pending CBS operations; hr = 0x80080005", true, "Reboot"),
        new("SD009", "Error", "SYSPRP", @"ActionPlatform::DeleteValue: Error from RegDeleteValueW for value senseGuid under key HKEY_LOCAL_MACHINE\Software\Microsoft\Windows Advanced Threat Protection; dwRet = 0x5", true, "Offboard"),
        new("SD010", "Error", "SYSPRP", "LaunchDll:Failure occurred while executing 'DscCore.dll,SysPrep_Cleanup', returned error code 0x2", true, "DscCore.dll", "0x0f0082"),
        new("SD011", "Error", "SYSPRP", "MRTGeneralize:107 - ERROR: Failed DeleteInstance AntiSpywareProduct.instanceGuid=\"{D68DDC3A-831F-4fae-9E44-DA132C1ACF46}\" hr=2147749904", true, "Defender"),
        new("SD012", "Error", "SYSPRP", "BCD: BiUpdateEfiEntry failed c000000d", true, "other errors"),
        new("SD013", "Error", "SYSPRP", @"LaunchDll:Failure occurred while executing 'C:\Windows\System32\spbcd.dll,Sysprep_Generalize_Bcd', returned error code 2", true, "bcdedit", "0x0f0082"),
        new("SD014", "Error", null, "[Shell Unattend] Failed to decode password (0x8007000d)", false, "Base64"),
        new("SD015", "Error", null, "[Shell Unattend] CopyProfile failed (0x80070003)", false, "ProfileList"),
        new("SD016", "Error", null, @"[setup.exe] [Action Queue] : Unable to find manifest file C:\WINDOWS\Winsxs\Manifests\x86_microsoft-windows-deployment_31bf3856ad364e35_10.0.22621.1_none_9d5a2e4d8c9b1f0a.manifest", false, "processorArchitecture"),
        new("SD017", "Error", null, "A fatal error occurred while trying to sysprep the machine.", true, "setupact.log", IsRaw: true),
        new("SD018", "Warning", "SYSPRP", "WinMain: File operations pending", true, "Reboot"),
        new("SD020", "Error", null, @"Windows could not parse or process unattend answer file [C:\Windows\Panther\unattend.xml] for pass [auditUser]. The answer file could not be read.", false, "unattend lint"),
        new("SD021", "Error", null, @"Windows could not parse or process unattend answer file [C:\Windows\Panther\unattend.xml] for pass [specialize]. A component or setting specified in the answer file does not exist.", false, "processorArchitecture"),
        new("SD022", "Error", null, @"Windows could not parse or process unattend answer file [C:\Windows\Panther\unattend.xml] for pass [specialize]. A component or non-list setting is specified more than once in the answer file.", false, "duplicate"),
        new("SD023", "Error", null, @"Windows could not parse or process unattend answer file [C:\Windows\Panther\unattend.xml] for pass [oobeSystem]. The settings specified in the answer file cannot be applied. The error was detected while processing settings for component [Microsoft-Windows-Shell-Setup].", false, "Microsoft-Windows-Shell-Setup"),
        new("SD024", "Error", null, "The answer file is invalid. The error was detected at line 37 column 1 of the answer file.", false, "line 37, column 1"),
        new("SD025", "Error", null, "Windows cannot read the <ProductKey> setting from the unattend answer file.", false, "XXXXX-XXXXX"),
        new("SD026", "Error", null, "The computer restarted unexpectedly or encountered an unexpected error. Windows installation cannot proceed.", false, "answer-file error"),
        new("SD030", "Error", null, "[Shell Unattend] Exiting 'oobeSystem' pass with status 0x8007000d", false, "oobeSystem"),
        new("SD031", "Error", "SYSPRP", "WinMain:Hit failure while processing sysprep cleanup providers; hr = 0x8007001f", true, "same run"),
        new("SD032", "Error", "SYSPRP", "RunExternalDlls:An error occurred while running registry sysprep DLLs, halting sysprep execution. dwRet = 0x2", true, "LaunchDll", "0x0f0070"),
        new("SD033", "Error", "SYSPRP", @"LaunchDll:Failure occurred while executing 'C:\Windows\System32\msdtcprx.dll,SysPrepDtcCleanup', returned error code 0x5", true, "msdtcprx.dll", "0x0f0082"),
        new("SD034", "Error", "SYSPRP", @"ActionPlatform::LaunchModule: Failure occurred while executing 'ValidateWinsat' from C:\Windows\System32\spwinsat.dll; dwRet = 0x5", true, "spwinsat.dll"),
    ];

    public static TheoryData<SignatureSample> Data()
    {
        var data = new TheoryData<SignatureSample>();
        foreach (var sample in All)
        {
            data.Add(sample);
        }

        return data;
    }

    public static PantherLogBuilder Add(this PantherLogBuilder log, SignatureSample sample) =>
        sample.IsRaw ? log.Raw(sample.Message) : log.Entry(sample.Level, sample.Component, sample.Message, sample.MessageId);
}
