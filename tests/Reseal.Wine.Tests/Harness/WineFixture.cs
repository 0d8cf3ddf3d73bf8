using System.Globalization;

namespace Reseal.Wine.Tests.Harness;

/// <summary>
/// Shared by every test class of the <c>Wine</c> collection: the win-x64 builds (published once) and the template prefix
/// (made once), both created on first use so that a run without Wine skips quickly. The classes of one collection run one
/// after another, so Wine tests never compete for the two cores; each test gets its own machine (a copy of the template).
/// </summary>
public sealed class WineFixture : IAsyncLifetime
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private WinePrefixTemplate? _template;
    private Exception? _failure;

    /// <summary>
    /// The template; skips the test when Wine is missing. A failure to publish or to make the template fails this test
    /// and every later one with the same error (instead of retrying a slow step).
    /// </summary>
    public async Task<WinePrefixTemplate> TemplateAsync()
    {
        var tools = WineTools.Require();
        var cancellationToken = TestContext.Current.CancellationToken;
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_failure is not null)
            {
                throw new InvalidOperationException("the Wine harness could not be set up earlier in this run", _failure);
            }

            if (_template is null)
            {
                try
                {
                    var build = await WineBuild.GetAsync(cancellationToken);
                    _template = await Task.Run(() => WinePrefixTemplate.Create(tools, build), cancellationToken);
                    TestContext.Current.TestOutputHelper?.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"wine harness: build {build}; template prefix in {_template.Seconds:0.0} s at {_template.Root}"));
                }
                catch (Exception e) when (e is InvalidOperationException or IOException)
                {
                    _failure = e;
                    throw;
                }
            }

            return _template;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>A new machine (copy of the template), for one test; dispose it at the end of the test.</summary>
    public async Task<WineMachine> NewMachineAsync(string? name = null)
    {
        var template = await TemplateAsync();
        var machine = await Task.Run(() => template.NewMachine(name ?? TestContext.Current.Test?.TestDisplayName));
        TestContext.Current.TestOutputHelper?.WriteLine(string.Create(CultureInfo.InvariantCulture, $"wine harness: machine ready in {machine.SetupSeconds:0.0} s at {machine.Folder}"));
        return machine;
    }

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync()
    {
        _template?.Dispose();
        _gate.Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>The Wine tests: one collection, so they run one at a time and share one <see cref="WineFixture"/>.</summary>
[CollectionDefinition(Name)]
public sealed class WineTestGroup : ICollectionFixture<WineFixture>
{
    public const string Name = "Wine";
}
