using Reseal.Sysprep.Panther;
using Reseal.TestSupport;

namespace Reseal.Sysprep.Tests.Panther;

public sealed class PantherSignatureCatalogTests
{
    public static TheoryData<SignatureSample> Samples => SignatureSamples.Data();

    [Theory]
    [MemberData(nameof(Samples))]
    public void Diagnose_DocumentedMessage_FindsSignatureEvidenceAndFix(SignatureSample sample)
    {
        ArgumentNullException.ThrowIfNull(sample);
        using var dir = new TempDirectory();
        var log = new PantherLogBuilder();
        string path;
        if (sample.Sysprep)
        {
            log.BeginRun().Noise();
            path = dir.File("Windows/System32/Sysprep/Panther/setupact.log");
        }
        else
        {
            log.Entry("Info", null, "[windeploy.exe] Found unattend file at [C:\\Windows\\Panther\\unattend.xml]")
               .Entry("Info", null, "[Shell Unattend] Running 'oobeSystem' pass");
            path = dir.File("Windows/Panther/setupact.log");
        }

        var expectedLine = log.LineCount + 1;
        log.Add(sample).Noise();
        if (sample.Sysprep)
        {
            log.EndRun();
        }

        log.WriteTo(path);

        var diagnosis = new PantherDiagnoser().Diagnose(dir.Path, TestContext.Current.CancellationToken);

        var finding = Assert.Single(diagnosis.AllFindings, f => f.Id == sample.Id);
        Assert.Contains(sample.FixMentions, finding.Fix, StringComparison.OrdinalIgnoreCase);
        foreach (var name in new System.Text.RegularExpressions.Regex(finding.Signature.Pattern).GetGroupNames())
        {
            Assert.DoesNotContain("{" + name + "}", finding.Fix, StringComparison.Ordinal);
        }

        Assert.Equal(expectedLine, finding.Evidence[0].Line);
        Assert.Equal(path, finding.Evidence[0].File);
        Assert.Contains(sample.Message, finding.Evidence[0].Text, StringComparison.Ordinal);
        Assert.NotEmpty(finding.Signature.Source);
        if (!finding.Signature.IsNoise && finding.Signature.Severity >= SignatureSeverity.Error)
        {
            Assert.Equal(SysprepOutcome.Failed, diagnosis.Outcome);
            Assert.Equal(sample.Id, diagnosis.RootCause?.Id);
        }
    }

    [Fact]
    public void Default_EverySignature_HasADocumentedSample()
    {
        var catalogIds = PantherSignatureCatalog.Default.Signatures.Select(s => s.Id).Order(StringComparer.Ordinal);
        var sampleIds = SignatureSamples.All.Select(s => s.Id).Order(StringComparer.Ordinal);
        Assert.Equal(catalogIds, sampleIds);
    }

    [Fact]
    public void Default_Section5Rows_AllPresentWithCauseFixAndSource()
    {
        for (var row = 1; row <= 18; row++)
        {
            var signature = PantherSignatureCatalog.Default.Find($"SD{row:000}");
            Assert.NotNull(signature);
            Assert.False(string.IsNullOrWhiteSpace(signature.Cause));
            Assert.False(string.IsNullOrWhiteSpace(signature.Fix));
            Assert.False(string.IsNullOrWhiteSpace(signature.Source));
        }
    }

    [Fact]
    public void Default_NoiseAndSummaryFlags_MatchTheReference()
    {
        var catalog = PantherSignatureCatalog.Default;
        Assert.True(catalog.Find("SD012")!.IsNoise);
        Assert.True(catalog.Find("SD011")!.IsNoise);
        Assert.True(catalog.Find("SD004")!.IsSummary);
        Assert.True(catalog.Find("SD017")!.IsSummary);
        Assert.Contains("SD001", catalog.Find("SD004")!.PointsTo);
        Assert.False(catalog.Find("SD001")!.IsNoise);
    }

    [Fact]
    public void Match_PackageNotProvisioned_ExtractsPackageFullName()
    {
        var message = SignatureSamples.All.Single(s => s.Id == "SD001").Message;
        var match = Assert.Single(PantherSignatureCatalog.Default.Match(message));
        Assert.Equal(SignatureSamples.PackageFullName, match.Variables["package"]);
        Assert.Contains(SignatureSamples.PackageFullName, match.Signature.RenderFix(match.Variables), StringComparison.Ordinal);
    }

    [Fact]
    public void Match_AnswerFileNotParsed_ExtractsFileAndPassAndPrefersSpecific()
    {
        var message = SignatureSamples.All.Single(s => s.Id == "SD021").Message;
        var match = Assert.Single(PantherSignatureCatalog.Default.Match(message));
        Assert.Equal("SD021", match.Signature.Id);
        Assert.Equal("specialize", match.Variables["pass"]);
        Assert.Equal(@"C:\Windows\Panther\unattend.xml", match.Variables["answerFile"]);
    }

    [Fact]
    public void Match_InvalidAnswerFile_ExtractsLineAndColumn()
    {
        var match = Assert.Single(PantherSignatureCatalog.Default.Match("The answer file is invalid. The error was detected at line 37 column 1 of the answer file."));
        Assert.Equal("37", match.Variables["line"]);
        Assert.Equal("1", match.Variables["column"]);
    }

    [Theory]
    [InlineData("BitLocker-Sysprep: BitLocker is on for the OS volume. Turn BitLocker off to run Sysprep. (0x80310039)", "SD005", "hr", "0x80310039")]
    [InlineData("Exit code of RemoveAllApps thread was 0x3cf2.", "SD002", "hr", "0x3cf2")]
    [InlineData(@"LaunchDll:Failure occurred while executing 'C:\Windows\System32\slc.dll,SLReArmWindows', returned error code -1073425657", "SD006", "code", "-1073425657")]
    [InlineData("Sysprep_Clean_Validate_Opk: something; hr = 0xc004d307", "SD006", "hr", "0xc004d307")]
    [InlineData(@"ActionPlatform::LaunchModule: Failure occurred while executing 'Sysprep_Clean_Validate_Opk' from C:\Windows\System32\spopk.dll; dwRet = 0x5", "SD008", "hr", "0x5")]
    [InlineData(@"[setup.exe] [Action Queue] : Unable to find manifest file C:\WINDOWS\Winsxs\Manifests\x86_microsoft-windows-deployment_31bf.manifest", "SD016", "arch", "x86")]
    [InlineData("WinMain:Hit failure while pre-validate sysprep generalize internal providers; hr = 0x80073cf2", "SD004", "hr", "0x80073cf2")]
    public void Match_DocumentedVariant_ExtractsVariable(string message, string id, string variable, string expected)
    {
        var match = Assert.Single(PantherSignatureCatalog.Default.Match(message));
        Assert.Equal(id, match.Signature.Id);
        Assert.Equal(expected, match.Variables[variable]);
    }

    [Fact]
    public void Match_OrdinaryInfoLine_NoMatch()
    {
        Assert.Empty(PantherSignatureCatalog.Default.Match("ActionPlatform::ExecuteAction: Successfully executed the action"));
        Assert.Empty(PantherSignatureCatalog.Default.Match("[Shell Unattend] Exiting 'specialize' pass with status 0x00000000"));
    }

    [Fact]
    public void Constructor_DuplicateIds_Throws()
    {
        var one = PantherSignatureCatalog.Default.Signatures[0];
        Assert.Throws<ArgumentException>(() => new PantherSignatureCatalog([one, one]));
    }
}
