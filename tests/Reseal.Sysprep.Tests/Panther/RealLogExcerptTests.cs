using Reseal.Sysprep.Panther;
using Reseal.TestSupport;

namespace Reseal.Sysprep.Tests.Panther;

/// <summary>
/// Fixtures laid out like the logs users posted in public issues (GoogleCloudPlatform/compute-image-windows#156,
/// actions/runner-images#9659): a failed run is not closed by "Shutting down SysPrep log"; the next run starts after it.
/// </summary>
public sealed class RealLogExcerptTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private const string Banner = "2018-09-15 18:04:00, Info                  SYSPRP ========================================================";

    [Fact]
    public void Diagnose_CbsPendingRunThenNewRun_RootCauseIsServicingAndFirstRunNotEnded()
    {
        using var dir = new TempDirectory();
        var text = string.Join("\r\n",
            Banner,
            "2018-09-15 18:04:00, Info                  SYSPRP ===          Beginning of a new sysprep run          ===",
            Banner,
            "2018-09-15 18:04:00, Info       [0x0f005f] SYSPRP ParseCommands:Found supported command line option 'GENERALIZE'",
            "2018-09-15 18:04:00, Info       [0x0f005f] SYSPRP ParseCommands:Found supported command line option 'MODE'",
            "2018-09-15 18:04:00, Info       [0x0f00b7] SYSPRP WinMain:Sysprep mode [vm]; was specified",
            "2018-09-15 18:04:30, Info                  SYSPRP SysprepSession::CreateXPathForSelection: Processor architecture in registry is AMD64",
            @"2018-09-15 18:04:30, Info       [0x0f0080] SYSPRP ActionPlatform::LaunchModule: Found 'Sysprep_Clean_Validate_Opk' in C:\Windows\System32\spopk.dll; executing it",
            "2018-09-15 18:08:32, Error      [0x0f00b0] SYSPRP spopk.dll:: Failed to query pending CBS operations; hr = 0x80080005",
            @"2018-09-15 18:08:32, Error      [0x0f0082] SYSPRP ActionPlatform::LaunchModule: Failure occurred while executing 'Sysprep_Clean_Validate_Opk' from C:\Windows\System32\spopk.dll; dwRet = 0x5",
            @"2018-09-15 18:08:32, Error                 SYSPRP SysprepSession::Validate: Error in validating actions from C:\Windows\System32\Sysprep\ActionFiles\Cleanup.xml; dwRet = 0x5",
            "2018-09-15 18:08:32, Error                 SYSPRP RunPlatformActions:Failed while validating SysprepSession actions; dwRet = 0x5",
            "2018-09-15 18:08:32, Error      [0x0f0070] SYSPRP RunExternalDlls:An error occurred while running registry sysprep DLLs, halting sysprep execution. dwRet = 0x5",
            "2018-09-15 18:08:32, Error      [0x0f00d8] SYSPRP WinMain:Hit failure while pre-validate sysprep cleanup internal providers; hr = 0x80070005",
            "2018-09-15 18:25:29, Info                  SYSPRP ========================================================",
            "2018-09-15 18:25:29, Info                  SYSPRP ===          Beginning of a new sysprep run          ===",
            "2018-09-15 18:25:29, Info                  SYSPRP ========================================================",
            @"2018-09-15 18:25:29, Info       [0x0f007e] SYSPRP FCreateTagFile:Tag file C:\Windows\System32\Sysprep\Sysprep_succeeded.tag does not already exist, no need to delete anything",
            "2018-09-15 18:25:30, Info       [0x0f0080] SYSPRP ActionPlatform::LaunchModule: Found 'Sysprep_Clean_Validate_Opk' in C:\\Windows\\System32\\spopk.dll; executing it",
            "2018-09-15 18:29:32, Error      [0x0f00b0] SYSPRP spopk.dll:: Failed to query pending CBS operations; hr = 0x80080005",
            "2018-09-15 18:29:32, Error      [0x0f00d8] SYSPRP WinMain:Hit failure while pre-validate sysprep cleanup internal providers; hr = 0x80070005") + "\r\n";
        dir.Write("Panther/setupact.log", PantherLogBuilder.Encode(text, LogEncoding.Utf16LeBom));

        var diagnosis = new PantherDiagnoser().Diagnose(dir.File("Panther"), Token);

        Assert.Equal(SysprepOutcome.Failed, diagnosis.Outcome);
        Assert.Equal("SD008", diagnosis.RootCause?.Id);
        Assert.Equal(20, diagnosis.RootCause!.Evidence[^1].Line);
        Assert.Equal(2, diagnosis.RootCause.Occurrences);
        Assert.Equal(2, diagnosis.Runs.Count);
        Assert.False(diagnosis.Runs[0].Ended);
        Assert.Equal(["GENERALIZE", "MODE"], diagnosis.Runs[0].Options);
        Assert.Equal("vm", diagnosis.Runs[0].Mode);
        Assert.Contains(diagnosis.OtherFindings, f => f.Id == "SD031" && f.Signature.IsSummary);
        Assert.Contains(diagnosis.OtherFindings, f => f.Id == "SD032");
        Assert.Equal(2, diagnosis.UnknownErrors.Count(u => !u.InLatestRun));
    }

    [Fact]
    public void Diagnose_SenseOnboardedWithSummaryChain_RootCauseIsSense()
    {
        using var dir = new TempDirectory();
        var text = string.Join("\n",
            "2024-03-07 22:26:19, Info                  SYSPRP ===          Beginning of a new sysprep run          ===",
            @"2024-03-07 22:26:20, Error                 SYSPRP ActionPlatform::DeleteValue: Error from RegDeleteValueW for value senseGuid under key HKEY_LOCAL_MACHINE\Software\Microsoft\Windows Advanced Threat Protection; dwRet = 0x5",
            "2024-03-07 22:26:20, Error                 SYSPRP SysprepSession::ExecuteAction: Failed during deleteValue operation; dwRet = 0x5",
            "2024-03-07 22:26:20, Error                 SYSPRP SysprepSession::ExecuteInternal: Error in executing action for Windows-SenseClient-Service; dwRet = 0x5",
            @"2024-03-07 22:26:20, Error                 SYSPRP SysprepSession::Execute: Error in executing actions from C:\Windows\System32\Sysprep\ActionFiles\Generalize.xml; dwRet = 0x5",
            "2024-03-07 22:26:20, Error                 SYSPRP RunPlatformActions:Failed while executing Sysprep session actions; dwRet = 0x5",
            "2024-03-07 22:26:20, Error      [0x0f0070] SYSPRP RunDlls:An error occurred while running registry sysprep DLLs, halting sysprep execution. dwRet = 0x5",
            "2024-03-07 22:26:20, Error      [0x0f00a8] SYSPRP WinMain:Hit failure while processing sysprep generalize internal providers; hr = 0x80070005");
        var path = dir.Write("setupact.log", PantherLogBuilder.Encode(text, LogEncoding.Utf8));

        var diagnosis = new PantherDiagnoser().Diagnose(path, Token);

        Assert.Equal(SysprepOutcome.Failed, diagnosis.Outcome);
        Assert.Equal("SD009", diagnosis.RootCause?.Id);
        Assert.Contains("Offboard", diagnosis.RootCause!.Fix, StringComparison.Ordinal);
        Assert.Equal(@"HKEY_LOCAL_MACHINE\Software\Microsoft\Windows Advanced Threat Protection", diagnosis.RootCause.Variables["key"]);
        Assert.Equal("processing sysprep generalize internal providers", diagnosis.OtherFindings.Single(f => f.Id == "SD031").Variables["step"]);
        Assert.Equal(4, diagnosis.UnknownErrors.Sum(u => u.Count));
    }
}
