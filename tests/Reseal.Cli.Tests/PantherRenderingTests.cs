using System.Text.Json.Nodes;
using Reseal.Cli.Rendering;
using Reseal.Sysprep.Panther;
using Reseal.Sysprep.Tests.Panther;
using Reseal.TestSupport;

namespace Reseal.Cli.Tests;

/// <summary>
/// <c>reseal diagnose</c>'s text and JSON of a diagnosis (<see cref="PantherRendering"/>), over logs written by the
/// Sysprep tests' Panther log builder (linked into this project) with the signature samples taken from real logs.
/// </summary>
public sealed class PantherRenderingTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static SignatureSample Sample(string id) => SignatureSamples.All.Single(s => s.Id == id);

    [Fact]
    public void Json_Failure_StableShape()
    {
        using var dir = new TempDirectory();
        new PantherLogBuilder().BeginRun().Add(Sample("SD001")).Add(Sample("SD004")).EndRun().WriteTo(dir.File("setupact.log"));
        var diagnosis = new PantherDiagnoser().Diagnose(dir.Path, Token);

        var json = PantherRendering.Json(diagnosis);
        var reparsed = JsonNode.Parse(json.ToJsonString())!;

        Assert.Equal("failed", (string?)reparsed["outcome"]);
        Assert.Equal("SD001", (string?)reparsed["rootCause"]!["id"]);
        Assert.Equal("fatal", (string?)reparsed["rootCause"]!["severity"]);
        Assert.Equal(SignatureSamples.PackageFullName, (string?)reparsed["rootCause"]!["variables"]!["package"]);
        Assert.Equal(9L, (long?)reparsed["rootCause"]!["evidence"]![0]!["line"]);
        Assert.Equal("SD004", (string?)reparsed["otherFindings"]![0]!["id"]);
        Assert.Equal("utf-16le", (string?)reparsed["sources"]![0]!["encoding"]);
        Assert.True((bool?)reparsed["runs"]![0]!["ended"]);
        Assert.NotNull(reparsed["problems"]);
    }

    [Fact]
    public void Text_Failure_ShowsRootCauseFixAndEvidenceLocation()
    {
        using var dir = new TempDirectory();
        var path = new PantherLogBuilder().BeginRun().Add(Sample("SD005")).EndRun().WriteTo(dir.File("setupact.log"));
        var diagnosis = new PantherDiagnoser().Diagnose(dir.Path, Token);

        var text = PantherRendering.Text(diagnosis);

        Assert.Contains("Outcome: failed", text, StringComparison.Ordinal);
        Assert.Contains("Root cause: SD005 BitLocker is on", text, StringComparison.Ordinal);
        Assert.Contains("manage-bde -off", text, StringComparison.Ordinal);
        Assert.Contains(path + ":9: ", text, StringComparison.Ordinal);
    }
}
