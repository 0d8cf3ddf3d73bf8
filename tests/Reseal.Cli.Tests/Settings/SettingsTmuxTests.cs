using System.Diagnostics;
using Reseal.Agent.Boot.Config;
using Reseal.TestSupport;

namespace Reseal.Cli.Tests.Settings;

/// <summary>
/// <c>reseal settings</c> in a real terminal: the built CLI in a detached tmux session of fixed size (its own tmux server),
/// keys sent with <c>send-keys</c>, mouse clicks as the SGR escape sequences a terminal sends, the screen read with
/// <c>capture-pane</c>; then what reached the disk. Skipped, saying why, when tmux is not installed (.ci/run installs it).
/// </summary>
[Collection("tmux")]
public sealed class SettingsTmuxTests
{
    private const int Width = 100;
    private const int Height = 30;

    /// <summary>One tmux server and session running <c>reseal settings</c>; the exit code and standard error go to files.</summary>
    private sealed class Terminal : IDisposable
    {
        private readonly string _tmux;
        private readonly string _socket = "reseal-settings-" + Guid.NewGuid().ToString("N")[..12];
        private readonly string _exitFile;
        private readonly string _errorFile;

        public Terminal(TempDirectory temp, params string[] args)
        {
            Assert.SkipWhen(OperatingSystem.IsWindows(), "tmux is a Unix terminal multiplexer");
            _tmux = ExternalTool.Require("tmux", "tmux");
            var dotnet = ExternalTool.Dotnet();
            _exitFile = temp.File("exit.txt");
            _errorFile = temp.File("stderr.txt");
            var command = $"{Quote(dotnet)} {Quote(CliRunner.ResealDll)} settings {string.Join(' ', args.Select(Quote))} 2>{Quote(_errorFile)}; echo $? >{Quote(_exitFile)}";
            Tmux("new-session", "-d", "-s", "t", "-x", $"{Width}", "-y", $"{Height}", command);
        }

        public string Screen() => Tmux("capture-pane", "-p", "-t", "t").StandardOutput;

        /// <summary>Waits until the screen shows <paramref name="text"/> (the process starts under load, so up to a minute).</summary>
        public string WaitFor(string text, int seconds = 60)
        {
            var clock = Stopwatch.StartNew();
            var screen = "";
            while (clock.Elapsed < TimeSpan.FromSeconds(seconds))
            {
                screen = Screen();
                if (screen.Contains(text, StringComparison.Ordinal))
                {
                    return screen;
                }

                Thread.Sleep(150);
            }

            Assert.Fail($"'{text}' did not appear within {seconds} s; the screen:\n{screen}\nstandard error:\n{(File.Exists(_errorFile) ? File.ReadAllText(_errorFile) : "")}");
            return screen;
        }

        /// <summary>Waits until the screen no longer shows <paramref name="text"/> (a dialog closing).</summary>
        public void WaitGone(string text, int seconds = 60)
        {
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < TimeSpan.FromSeconds(seconds))
            {
                if (!Screen().Contains(text, StringComparison.Ordinal))
                {
                    return;
                }

                Thread.Sleep(150);
            }

            Assert.Fail($"'{text}' was still on the screen after {seconds} s:\n{Screen()}");
        }

        public void Keys(params string[] keys) => Tmux(["send-keys", "-t", "t", .. keys]);

        public void Type(string text) => Tmux("send-keys", "-t", "t", "-l", text);

        /// <summary>A left click on the first cell of <paramref name="text"/>, as xterm's SGR mouse mode (1006) reports it.</summary>
        public void Click(string text)
        {
            // Waits for it first: the screen may be half drawn when the text looked for before it appeared.
            var lines = WaitFor(text).Split('\n');
            var y = Array.FindIndex(lines, l => l.Contains(text, StringComparison.Ordinal));
            var x = lines[y].IndexOf(text, StringComparison.Ordinal);
            Type($"\u001b[<0;{x + 1};{y + 1}M");
            Type($"\u001b[<0;{x + 1};{y + 1}m");
        }

        /// <summary>Waits for the program to end; its exit code and standard error.</summary>
        public (int Code, string Error) WaitForExit(int seconds = 60)
        {
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < TimeSpan.FromSeconds(seconds))
            {
                if (File.Exists(_exitFile) && File.ReadAllText(_exitFile).Trim() is { Length: > 0 } code)
                {
                    return (int.Parse(code, System.Globalization.CultureInfo.InvariantCulture), File.ReadAllText(_errorFile));
                }

                Thread.Sleep(150);
            }

            Assert.Fail($"reseal settings did not exit within {seconds} s; the screen:\n{Screen()}");
            return default;
        }

        public void Dispose() => Tmux("kill-server");

        private ProcessResult Tmux(params string[] args) =>
            ExternalTool.Run(_tmux, ["-L", _socket, "-f", "/dev/null", .. args], "", TimeSpan.FromSeconds(20));

        private static string Quote(string text) => "'" + text.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
    }

    private static string ConfigIn(string root) => Path.Combine(root, "ProgramData", "Reseal", "config", "agent-config.yml");

    [Fact]
    public void Settings_MainScreen_ShowsTheDefaultAndSavesJumboFramesWithF2()
    {
        using var temp = new TempDirectory();
        var root = Directory.CreateDirectory(temp.File("tree")).FullName;
        using var terminal = new Terminal(temp, "--root", root);

        // Each part waited for: a capture may fall between two frames of the first draw.
        foreach (var part in new[] { "Shutdown without Sysprep", "☑ Extend boot volume", "☑ Set administrator account",
            "◉ Random  ○ Specify  ○ Keep existing (do nothing)", "☐ Enable jumbo frames", "General", "DNS suffix", "new: the built-in default" })
        {
            terminal.WaitFor(part);
        }

        terminal.Keys("M-j");
        terminal.WaitFor("☑ Enable jumbo frames");
        terminal.Keys("F2");
        terminal.WaitFor("Saved ");
        terminal.Keys("Escape");
        var (code, error) = terminal.WaitForExit();

        Assert.Equal(0, code);
        Assert.Contains("settings saved to", error, StringComparison.Ordinal);
        var saved = AgentConfigReader.ReadFile(ConfigIn(root));
        Assert.True(saved.IsValid);
        Assert.Contains(saved.Config!.TasksOf(AgentStage.PostReady), t => t.Name == "enableJumboFrames");
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(ConfigIn(root)));
        }
    }

    [Fact]
    public void Settings_ChangesThenQuitWithoutSaving_FileByteIdentical()
    {
        using var temp = new TempDirectory();
        var root = Directory.CreateDirectory(temp.File("tree")).FullName;
        var path = ConfigIn(root);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "# kept as it is\n" + AgentSettingsModelTests.Rich);
        var before = File.ReadAllBytes(path);
        using var terminal = new Terminal(temp, "--root", root);

        terminal.WaitFor("its comments are not kept");
        terminal.Click("Optimize ENA");
        terminal.WaitFor("☑ Optimize ENA");
        terminal.Keys("Escape");
        terminal.WaitFor("Quit without saving?");
        terminal.Keys("M-q");
        var (code, error) = terminal.WaitForExit();

        Assert.Equal(0, code);
        Assert.Contains("no change written", error, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(path)!));
    }

    [Fact]
    public void Settings_SpecifyPassword_NeverOnScreenOnlyInTheOwnerOnlyFile()
    {
        using var temp = new TempDirectory();
        var root = Directory.CreateDirectory(temp.File("tree")).FullName;
        using var terminal = new Terminal(temp, "--root", root);
        const string password = "Zebra-Secret-42";

        terminal.WaitFor("Shutdown without Sysprep");
        terminal.Keys("M-p");
        terminal.WaitFor("◉ Specify");
        // The password field is right of its label.
        var lines = terminal.Screen().Split('\n');
        var y = Array.FindIndex(lines, l => l.Contains("password:", StringComparison.Ordinal));
        var x = lines[y].IndexOf("password:", StringComparison.Ordinal) + 12;
        terminal.Type($"\u001b[<0;{x + 1};{y + 1}M\u001b[<0;{x + 1};{y + 1}m");
        terminal.Type(password);
        var typed = terminal.Screen();
        terminal.Keys("F2");
        var saved = terminal.WaitFor("Saved ");
        terminal.Keys("Escape");
        var (code, error) = terminal.WaitForExit();

        Assert.Equal(0, code);
        Assert.DoesNotContain(password, typed, StringComparison.Ordinal);
        Assert.DoesNotContain(password, saved, StringComparison.Ordinal);
        Assert.DoesNotContain(password, error, StringComparison.Ordinal);
        var inputs = AgentConfigReader.ReadFile(ConfigIn(root)).Config!.TasksOf(AgentStage.PreReady).Single(t => t.Name == "setAdminAccount").Entries[0];
        Assert.Equal(("static", password), (inputs.Map("password")!.Text("type"), inputs.Map("password")!.Text("data")));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(ConfigIn(root)));
        }
    }

    [Fact]
    public void Settings_InvalidFile_ShowsLineAndColumnAndQuitLeavesIt()
    {
        using var temp = new TempDirectory();
        var root = Directory.CreateDirectory(temp.File("tree")).FullName;
        var path = ConfigIn(root);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "version: 1.0\nconfig:\n- stage: preReady\n  tasks:\n  - task: setAdminAcount\n");
        var before = File.ReadAllBytes(path);
        using var terminal = new Terminal(temp, "--root", root);

        terminal.WaitFor("Start from the default");
        terminal.WaitFor("agent-config.yml:5:11: error RA120");
        terminal.WaitFor("1 error(s)");
        terminal.Keys("F2");
        terminal.Keys("M-q");
        var (code, _) = terminal.WaitForExit();

        Assert.Equal(0, code);
        Assert.Equal(before, File.ReadAllBytes(path));
    }

    [Fact]
    public void Settings_ShutdownButtonsOnRoot_ShowTheDryRunAndSealNothing()
    {
        using var temp = new TempDirectory();
        var root = WindowsTree.Full(temp);
        using var terminal = new Terminal(temp, "--root", root);

        terminal.WaitFor("Shutdown without Sysprep");
        terminal.Click("Shutdown with Sysprep");
        // The dialog is drawn over several frames: wait for its last part (its Close button) before reading it.
        terminal.WaitFor("Seal preflight");
        var screen = terminal.WaitFor("Close");
        Assert.Contains("dry run", screen, StringComparison.Ordinal);
        terminal.Keys("Enter");
        // The button row stays visible under the dialog: wait until the dialog has gone before the next click, or the
        // click lands while Terminal.Gui is still closing it and is lost (seen under a loaded CI machine).
        terminal.WaitGone("Seal preflight");
        terminal.Click("Shutdown without Sysprep");
        terminal.WaitFor("no Sysprep (shut down)");
        screen = terminal.WaitFor("Close");
        Assert.Contains("Seal preflight", screen, StringComparison.Ordinal);
        Assert.Contains("no Sysprep (shut down)", screen, StringComparison.Ordinal);
        terminal.Keys("Enter");
        terminal.WaitGone("Seal preflight");
        terminal.Keys("Escape");
        var (code, _) = terminal.WaitForExit();

        Assert.Equal(0, code);
        Assert.False(File.Exists(ConfigIn(root)));
    }
}
