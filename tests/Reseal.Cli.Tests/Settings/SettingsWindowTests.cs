using System.Drawing;
using Reseal.Agent.Boot.Config;
using Reseal.Cli.Settings;
using Reseal.TestSupport;
using Terminal.Gui.App;
using Terminal.Gui.Drivers;
using Terminal.Gui.Input;
using Terminal.Gui.Testing;
using Terminal.Gui.Time;

namespace Reseal.Cli.Tests.Settings;

/// <summary>
/// The settings window under Terminal.Gui's own test driver: the ANSI driver with virtual time and its input injector
/// (keys and mouse clicks go through the library's real dispatch), the screen read back from the driver.
/// </summary>
[Collection("Terminal.Gui")]
public sealed class SettingsWindowTests
{
    private sealed class FakeSeal : ISealActions
    {
        public List<bool> Previews { get; } = [];

        public bool CanRun { get; init; } = true;

        public string Target => "fake machine";

        public SealPreview Preview(bool sysprep)
        {
            Previews.Add(sysprep);
            return new SealPreview(sysprep, sysprep ? "PLAN: generalize with Sysprep\n" : "PLAN: reset agent state, no Sysprep\n", CanRun, CanRun ? null : "blocked");
        }

        public Task<int> RunAsync(SealPreview preview, CancellationToken cancellationToken) => Task.FromResult(0);
    }

    private sealed class FakePrompts(bool answer) : ISettingsPrompts
    {
        public List<string> Shown { get; } = [];

        public bool Confirm(string title, string message, string yes, string no)
        {
            Shown.Add($"{title}: {message}");
            return answer;
        }

        public bool ShowReport(string title, string text, string? confirm)
        {
            Shown.Add($"{title}: {text} [{confirm}]");
            return answer && confirm is not null;
        }
    }

    private sealed class Session : IDisposable
    {
        public Session(SettingsDocument document, ISealActions seal, ISettingsPrompts prompts)
        {
            App = Application.Create(new VirtualTimeProvider());
            App.Init(DriverRegistry.Names.ANSI);
            App.Driver!.SetScreenSize(100, 30);
            Window = new SettingsWindow(document, seal, prompts, SettingsProtection.None);
            App.Begin(Window);
        }

        public IApplication App { get; }

        public SettingsWindow Window { get; }

        public string Screen()
        {
            App.LayoutAndDraw(forceRedraw: true);
            return App.Driver!.ToString()!;
        }

        /// <summary>Where <paramref name="text"/> is on the screen (first match).</summary>
        public Point Find(string text)
        {
            var lines = Screen().Split('\n');
            for (var y = 0; y < lines.Length; y++)
            {
                var x = lines[y].IndexOf(text, StringComparison.Ordinal);
                if (x >= 0)
                {
                    return new Point(x, y);
                }
            }

            throw new InvalidOperationException($"'{text}' is not on the screen:\n{string.Join('\n', lines)}");
        }

        public void Click(string text)
        {
            App.InjectSequence(InputInjectionExtensions.LeftButtonClick(Find(text)));
            App.LayoutAndDraw();
        }

        public void Key(Key key)
        {
            App.InjectKey(key);
            App.LayoutAndDraw();
        }

        public void Dispose()
        {
            Window.Dispose();
            App.Dispose();
        }
    }

    [Fact]
    public void Window_DefaultConfig_ShowsEc2LaunchChoices()
    {
        using var temp = new TempDirectory();
        using var session = new Session(SettingsFile.Load(temp.File("agent-config.yml")), new FakeSeal(), new FakePrompts(false));

        var screen = session.Screen();

        Assert.Contains("☑ Extend boot volume", screen, StringComparison.Ordinal);
        Assert.Contains("☐ Enable jumbo frames", screen, StringComparison.Ordinal);
        Assert.Contains("◉ Random", screen, StringComparison.Ordinal);
        Assert.Contains("Shutdown with Sysprep", screen, StringComparison.Ordinal);
        Assert.Contains("new: the built-in default", screen, StringComparison.Ordinal);
    }

    [Fact]
    public void Window_ClickCheckboxThenF2_SavesTheTask()
    {
        using var temp = new TempDirectory();
        var path = temp.File("agent-config.yml");
        using var session = new Session(SettingsFile.Load(path), new FakeSeal(), new FakePrompts(false));

        session.Click("Enable jumbo frames");
        Assert.True(session.Window.IsDirty);
        session.Key(Terminal.Gui.Input.Key.F2);

        Assert.Contains("☑ Enable jumbo frames", session.Screen(), StringComparison.Ordinal);
        Assert.StartsWith("Saved ", session.Window.Status, StringComparison.Ordinal);
        Assert.False(session.Window.IsDirty);
        Assert.Contains(AgentConfigReader.ReadFile(path).Config!.TasksOf(AgentStage.PostReady), t => t.Name == "enableJumboFrames");
    }

    [Fact]
    public void Window_HotKeyTogglesOpenSsh()
    {
        using var temp = new TempDirectory();
        using var session = new Session(SettingsFile.Load(temp.File("agent-config.yml")), new FakeSeal(), new FakePrompts(false));

        session.Key(Terminal.Gui.Input.Key.O.WithAlt);

        Assert.True(session.Window.Current().EnableOpenSsh);
        Assert.Contains("☑ Enable OpenSSH", session.Screen(), StringComparison.Ordinal);
    }

    [Fact]
    public void Window_InvalidFile_ShowsErrorsWithLineAndColumn_StartFromDefaultOnlyWhenChosen()
    {
        using var temp = new TempDirectory();
        var path = temp.Write("agent-config.yml", "version: 1.0\nconfig:\n- stage: preReady\n  tasks:\n  - task: setAdminAcount\n");
        var before = File.ReadAllBytes(path);
        using var session = new Session(SettingsFile.Load(path), new FakeSeal(), new FakePrompts(false));

        var screen = session.Screen();
        Assert.Contains(":5:11: error RA120", screen, StringComparison.Ordinal);
        Assert.DoesNotContain("Shutdown with Sysprep", screen, StringComparison.Ordinal);
        session.Key(Terminal.Gui.Input.Key.F2);
        Assert.Equal(before, File.ReadAllBytes(path));

        session.Click("Start from the default");

        Assert.Contains("☑ Extend boot volume", session.Screen(), StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(path));
    }

    [Fact]
    public void Window_ShutdownWithoutSysprep_ShowsPreviewAndOnConfirmStopsWithTheSeal()
    {
        using var temp = new TempDirectory();
        var path = temp.Write("agent-config.yml", DefaultAgentConfig.Yaml);
        var seal = new FakeSeal();
        var prompts = new FakePrompts(true);
        using var session = new Session(SettingsFile.Load(path), seal, prompts);

        session.Click("Shutdown without Sysprep");

        Assert.Equal([false], seal.Previews);
        Assert.Contains(prompts.Shown, s => s.Contains("PLAN: reset agent state, no Sysprep", StringComparison.Ordinal) && s.EndsWith("[Shut down]", StringComparison.Ordinal));
        Assert.False(session.Window.SealToRun!.Sysprep);
    }

    [Fact]
    public void Window_ShutdownBlockedByPreflight_OffersOnlyClose()
    {
        using var temp = new TempDirectory();
        var path = temp.Write("agent-config.yml", DefaultAgentConfig.Yaml);
        var prompts = new FakePrompts(true);
        using var session = new Session(SettingsFile.Load(path), new FakeSeal { CanRun = false }, prompts);

        session.Click("Shutdown with Sysprep");

        Assert.Contains(prompts.Shown, s => s.Contains("PLAN: generalize with Sysprep", StringComparison.Ordinal) && s.EndsWith("[]", StringComparison.Ordinal));
        Assert.Null(session.Window.SealToRun);
        Assert.Contains("blocked", session.Window.Status, StringComparison.Ordinal);
    }

    [Fact]
    public void Window_SealWithUnsavedChangesDeclined_NothingWrittenNothingSealed()
    {
        using var temp = new TempDirectory();
        var path = temp.Write("agent-config.yml", DefaultAgentConfig.Yaml);
        var before = File.ReadAllBytes(path);
        var seal = new FakeSeal();
        using var session = new Session(SettingsFile.Load(path), seal, new FakePrompts(false));

        session.Click("Optimize ENA");
        session.Click("Shutdown with Sysprep");

        Assert.Empty(seal.Previews);
        Assert.Null(session.Window.SealToRun);
        Assert.Equal(before, File.ReadAllBytes(path));
    }
}
