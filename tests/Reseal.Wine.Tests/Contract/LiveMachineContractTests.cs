using Reseal.TestSupport;
using Reseal.TestSupport.MachineContract;
using Reseal.Wine.Tests.Harness;

namespace Reseal.Wine.Tests.Contract;

/// <summary>
/// The machine contract against <c>LiveWindows</c>: tests/Reseal.MachineProbe, published for win-x64, runs every
/// scenario inside a fresh Wine prefix (Wine's registry, file system and service control manager behind the Win32 calls
/// LiveWindows makes) and prints one verdict per scenario; each fact reads its own. Skips when Wine is not installed.
/// </summary>
[Collection(WineTestGroup.Name)]
public sealed class LiveMachineContractTests(WineFixture wine) : MachineContractTests
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static IReadOnlyDictionary<string, string>? _verdicts;

    /// <summary>
    /// What Wine cannot show, by scenario: such a fact skips with the reason and the probe's own verdict when the probe
    /// did not pass it (and passes when it does, so a Wine that learns it is noticed). docs/windows-behaviour.md.
    /// </summary>
    private static readonly Dictionary<string, string> WineCannotShow = new(StringComparer.Ordinal)
    {
        [nameof(Accounts_BuiltInAdministrator_FoundByRidAndByName)] =
            "Wine 8 has no account database (docs/wine-findings.md): LiveAccounts' lookup of RID 500 (NetUserModalsGet, " +
            "LookupAccountSid, NetUserGetInfo) finds no account there; the in-memory and offline machines hold this fact",
    };

    protected override void Check(string scenario)
    {
        var verdicts = VerdictsAsync().GetAwaiter().GetResult();
        Assert.True(verdicts.TryGetValue(scenario, out var verdict), $"the probe printed no verdict for {scenario}");
        if (verdict.StartsWith("SKIP ", StringComparison.Ordinal))
        {
            Assert.Skip(verdict);
        }

        if (!verdict.StartsWith("PASS ", StringComparison.Ordinal) && WineCannotShow.TryGetValue(scenario, out var reason))
        {
            Assert.Skip($"{reason}. The probe said: {verdict}");
        }

        Assert.True(verdict.StartsWith("PASS ", StringComparison.Ordinal), verdict);
    }

    // One probe run for all the facts: starting a .NET program under Wine takes seconds.
    private async Task<IReadOnlyDictionary<string, string>> VerdictsAsync()
    {
        await Gate.WaitAsync(TestContext.Current.CancellationToken);
        try
        {
            if (_verdicts is not null)
            {
                return _verdicts;
            }

            using var machine = await wine.NewMachineAsync("machine-contract");
            var probe = await PublishedBuild.GetAsync("win-x64", "tests/Reseal.MachineProbe", "--folder", TestContext.Current.CancellationToken);
            var result = machine.Run(Path.Combine(probe, "machine-probe.exe"), []);
            TestContext.Current.TestOutputHelper?.WriteLine($"machine-probe (exit {result.ExitCode}):\n{result.StandardOutput}{result.StandardError}");
            Assert.False(result.TimedOut, "the machine probe did not finish in time");
            Assert.False(result.Crashed, "the machine probe crashed: " + result.StandardError);
            var verdicts = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var line in result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var name = line.Split(' ', 3)[1].TrimEnd(':');
                verdicts[name] = line;
            }

            return _verdicts = verdicts;
        }
        finally
        {
            Gate.Release();
        }
    }
}
