using System.Collections.ObjectModel;
using System.Globalization;
using Reseal.Windows.Layout;
using Terminal.Gui.Input;
using Terminal.Gui.ViewBase;
using Terminal.Gui.Views;

namespace Reseal.Cli.Settings;

/// <summary>
/// The questions the window asks in a dialog of its own (a modal run). A seam: the library's test driver runs the window
/// without a nested loop, and the tmux test meets the real dialogs (<see cref="TuiPrompts"/>).
/// </summary>
internal interface ISettingsPrompts
{
    /// <summary>Asks a yes/no question; true for <paramref name="yes"/>.</summary>
    bool Confirm(string title, string message, string yes, string no);

    /// <summary>Shows a long text (a preflight, a list of problems); true when the user pressed <paramref name="confirm"/> (null: only Close).</summary>
    bool ShowReport(string title, string text, string? confirm);
}

/// <summary>
/// The settings screen: EC2Launch v2's settings UI in a terminal (tabs General, DNS suffix, Wallpaper, Volumes) with its
/// "Prepare for imaging" buttons, over <see cref="SettingsFile"/> and <see cref="AgentSettingsModel"/>. An invalid file
/// shows its errors (line and column) and offers only "Start from the default" or "Quit". Keyboard (Tab, arrows, Space,
/// Enter, hot keys, F2 save, Esc quit) and mouse both work; the views hold no logic the model layer does not test.
/// </summary>
internal sealed class SettingsWindow : Window
{
    private readonly ISealActions _seal;
    private readonly ISettingsPrompts _prompts;
    private readonly SettingsProtection _protection;
    private SettingsDocument _document;
    private AgentSettings? _saved;
    private bool _quitConfirmed;

    // General
    private readonly CheckBox _setHostName = new() { Text = "Set _computer name", X = 0, Y = 0 };
    private readonly TextField _hostName = new() { X = 34, Y = 0, Width = 20 };
    private readonly CheckBox _extend = new() { Text = "_Extend boot volume", X = 0, Y = 1 };
    private readonly CheckBox _admin = new() { Text = "Set _administrator account", X = 0, Y = 2 };
    private readonly TextField _adminName = new() { X = 40, Y = 2, Width = 21 };
    private readonly OptionSelector _password = new()
    {
        X = 4, Y = 3, Orientation = Orientation.Horizontal,
        Labels = ["_Random", "S_pecify", "_Keep existing (do nothing)"],
    };
    private readonly TextField _passwordText = new() { X = 14, Y = 4, Width = 24, Secret = true };
    private readonly Label _passwordNote = new() { X = 40, Y = 4, Text = "" };
    private readonly CheckBox _ssm = new() { Text = "Start SS_M", X = 0, Y = 5 };
    private readonly CheckBox _ena = new() { Text = "Optimize E_NA", X = 0, Y = 6 };
    private readonly CheckBox _ssh = new() { Text = "Enable _OpenSSH", X = 0, Y = 7 };
    private readonly CheckBox _jumbo = new() { Text = "Enable _jumbo frames", X = 0, Y = 8 };

    // DNS suffix
    private readonly CheckBox _dns = new() { Text = "Set DNS suffi_x list", X = 0, Y = 0 };
    private readonly TextField _suffixes = new() { X = 0, Y = 3, Width = Dim.Fill() };

    // Wallpaper
    private readonly CheckBox _wallpaper = new() { Text = "Se_t wallpaper", X = 0, Y = 0 };
    private readonly TextField _wallpaperPath = new() { X = 14, Y = 1, Width = Dim.Fill() };
    private readonly CheckBox[] _attributes;
    private readonly TextField _tags = new() { X = 16, Y = 8, Width = Dim.Fill() };

    // Volumes
    private readonly CheckBox _volumes = new() { Text = "_Initialize volumes", X = 0, Y = 0 };
    private readonly OptionSelector _volumeChoice = new()
    {
        X = 2, Y = 1, Orientation = Orientation.Horizontal, Labels = ["A_ll volumes", "Listed devices"],
    };
    private readonly TextField _devices = new() { X = 2, Y = 4, Width = Dim.Fill() };

    private readonly View _general = new() { Title = "_General", Width = Dim.Fill(), Height = Dim.Fill(), CanFocus = true };
    private readonly Tabs _tabs = new() { X = 0, Y = 1, Width = Dim.Fill(), Height = Dim.Fill(3) };
    private readonly Label _fileLine = new() { X = 0, Y = 0, Width = Dim.Fill() };
    private readonly Label _status = new() { X = 0, Y = Pos.AnchorEnd(2), Width = Dim.Fill() };
    private readonly View _buttons = new() { X = 0, Y = Pos.AnchorEnd(1), Width = Dim.Fill(), Height = 1 };
    private readonly View _invalid = new() { X = 0, Y = 1, Width = Dim.Fill(), Height = Dim.Fill(), Visible = false };

    public SettingsWindow(SettingsDocument document, ISealActions seal, ISettingsPrompts prompts, SettingsProtection protection)
    {
        ArgumentNullException.ThrowIfNull(document);
        _document = document;
        _seal = seal;
        _prompts = prompts;
        _protection = protection;
        Title = "Reseal settings (F2 save, Esc quit)";
        _attributes = [.. AgentSettingsModel.WallpaperAttributes.Select((name, i) => new CheckBox
        {
            Text = name, X = i < 5 ? 2 : 30, Y = 3 + (i % 5),
        })];

        var general = _general;
        general.Add(_setHostName, new Label { Text = "name:", X = 28, Y = 0 }, _hostName,
            _extend, _admin, new Label { Text = "name:", X = 34, Y = 2 }, _adminName, _password,
            new Label { Text = "password:", X = 4, Y = 4 }, _passwordText, _passwordNote,
            _ssm, _ena, _ssh, _jumbo);
        var dns = new View { Title = "_DNS suffix", Width = Dim.Fill(), Height = Dim.Fill(), CanFocus = true };
        dns.Add(_dns, new Label { Text = "Suffixes, separated by commas ($REGION and $AZ are replaced at boot):", X = 0, Y = 2 }, _suffixes,
            new Label { Text = "e.g. $REGION.ec2-utilities.amazonaws.com, $AZ.example.internal", X = 0, Y = 4 });
        var wallpaper = new View { Title = "_Wallpaper", Width = Dim.Fill(), Height = Dim.Fill(), CanFocus = true };
        wallpaper.Add(_wallpaper, new Label { Text = "image path:", X = 2, Y = 1 }, _wallpaperPath,
            new Label { Text = "Instance attributes to print on it:", X = 2, Y = 2 });
        wallpaper.Add(_attributes);
        wallpaper.Add(new Label { Text = "instance tags:", X = 2, Y = 8 }, _tags);
        var volumes = new View { Title = "_Volumes", Width = Dim.Fill(), Height = Dim.Fill(), CanFocus = true };
        volumes.Add(_volumes, _volumeChoice,
            new Label { Text = "Devices, separated by ';': device, name, letter, partition (mbr or gpt)", X = 2, Y = 3 }, _devices,
            new Label { Text = "e.g. xvdb, Data, D, gpt; xvdc, Logs, E", X = 2, Y = 5 });
        _tabs.Add(general, dns, wallpaper, volumes);

        var save = new Button { Text = "_Save" };
        var withSysprep = new Button { Text = "Shutdown with S_ysprep", X = Pos.Right(save) + 1 };
        var withoutSysprep = new Button { Text = "Shutdown witho_ut Sysprep", X = Pos.Right(withSysprep) + 1 };
        var quit = new Button { Text = "_Quit", X = Pos.Right(withoutSysprep) + 1 };
        save.Accepting += (_, e) => { Save(); e.Handled = true; };
        withSysprep.Accepting += (_, e) => { Seal(sysprep: true); e.Handled = true; };
        withoutSysprep.Accepting += (_, e) => { Seal(sysprep: false); e.Handled = true; };
        quit.Accepting += (_, e) => { RequestStop(); e.Handled = true; };
        _buttons.Add(save, withSysprep, withoutSysprep, quit);

        Add(_fileLine, _tabs, _invalid, _status, _buttons);
        KeyDown += (_, key) =>
        {
            if (key == Key.F2)
            {
                Save();
                key.Handled = true;
            }
        };
        foreach (var box in new[] { _setHostName, _admin, _dns, _wallpaper, _volumes })
        {
            box.ValueChanged += (_, _) => UpdateEnabled();
        }

        _password.ValueChanged += (_, _) => UpdateEnabled();
        _volumeChoice.ValueChanged += (_, _) => UpdateEnabled();
        Show(document);
    }

    /// <summary>The seal the user confirmed, to run once the views are closed; null when they quit.</summary>
    public SealPreview? SealToRun { get; private set; }

    /// <summary>The document as it stands (after saves).</summary>
    public SettingsDocument Document => _document;

    /// <summary>The line under the tabs: what the last action did.</summary>
    public string Status => _status.Text;

    /// <summary>True when the views hold a change not saved yet.</summary>
    public bool IsDirty => _saved is not null && !Current().Equals(_saved);

    /// <summary>The settings as the views show them now.</summary>
    public AgentSettings Current()
    {
        var typed = _passwordText.Text;
        var (devices, _) = AgentSettings.ParseDevices(_devices.Text);
        return new AgentSettings
        {
            SetHostName = On(_setHostName),
            HostName = _hostName.Text.Trim(),
            ExtendBootVolume = On(_extend),
            Admin = new AdminAccountSettings(On(_admin), _adminName.Text.Trim(), (AdminPasswordChoice)(_password.Value ?? 0),
                (AdminPasswordChoice)(_password.Value ?? 0) == AdminPasswordChoice.Specify && typed.Length > 0 ? typed : null,
                _saved?.Admin.HasStoredPassword ?? false),
            StartSsm = On(_ssm),
            OptimizeEna = On(_ena),
            EnableOpenSsh = On(_ssh),
            EnableJumboFrames = On(_jumbo),
            SetDnsSuffix = On(_dns),
            DnsSuffixes = AgentSettings.SplitList(_suffixes.Text),
            SetWallpaper = On(_wallpaper),
            WallpaperPath = _wallpaperPath.Text.Trim(),
            WallpaperAttributes = [.. _attributes.Where(On).Select(a => a.Text)],
            WallpaperTags = AgentSettings.SplitList(_tags.Text),
            InitializeVolumes = On(_volumes),
            Volumes = _volumeChoice.Value == 1 ? VolumeSelection.Devices : VolumeSelection.All,
            Devices = devices,
        };
    }

    /// <summary>Saves the settings (F2, the Save button); the status line says what happened.</summary>
    public bool Save()
    {
        if (_document.Base is null)
        {
            return false;
        }

        var (_, deviceError) = AgentSettings.ParseDevices(_devices.Text);
        if (deviceError is not null)
        {
            SetStatus($"Not saved: {deviceError}");
            return false;
        }

        SettingsSaveResult result;
        try
        {
            result = SettingsFile.Save(_document, Current(), _protection);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or PlatformNotSupportedException)
        {
            SetStatus($"Not saved: {e.Message}");
            return false;
        }

        if (!result.Saved)
        {
            SetStatus(result.Problems.Count == 1 ? $"Not saved: {result.Problems[0]}" : $"Not saved: {result.Problems.Count} problems (listed in the dialog)");
            if (result.Problems.Count > 1)
            {
                _ = _prompts.ShowReport("Not saved", string.Join('\n', result.Problems), null);
            }

            return false;
        }

        Show(result.Document);
        SetStatus($"Saved {result.Document.Path}" + (result.Problems.Count > 0 ? $". Warning: {result.Problems[0]}" : ""));
        return true;
    }

    /// <summary>A "Shutdown" button: save first if needed, show the preflight, and on confirmation close the views to seal.</summary>
    public void Seal(bool sysprep)
    {
        if (_document.Base is null)
        {
            return;
        }

        if (IsDirty)
        {
            if (!_prompts.Confirm("Unsaved changes", "Save the settings before sealing? The seal uses the file on disk.", "_Save", "_Cancel") || !Save())
            {
                return;
            }
        }

        SealPreview preview;
        try
        {
            preview = _seal.Preview(sysprep);
        }
        catch (Exception e) when (DomainErrors.ExitCodeFor(e) is not null || e is IOException or UnauthorizedAccessException)
        {
            SetStatus($"Cannot seal: {e.Message}");
            return;
        }

        var title = sysprep ? "Shutdown with Sysprep" : "Shutdown without Sysprep";
        var text = $"Target: {_seal.Target}\n\n{preview.Text}" + (preview.Why is { } why ? $"\n{why}\n" : "");
        if (_prompts.ShowReport(title, text, preview.CanRun ? (sysprep ? "Seal and shut down" : "Shut down") : null) && preview.CanRun)
        {
            SealToRun = preview;
            _quitConfirmed = true;
            RequestStop();
            return;
        }

        SetStatus(preview.CanRun ? "Not sealed." : $"{title}: {preview.Why}");
    }

    /// <summary>Esc or Quit: with unsaved changes, asks first; quitting writes nothing.</summary>
    protected override bool OnIsRunningChanging(bool oldIsRunning, bool newIsRunning)
    {
        if (oldIsRunning && !newIsRunning && !_quitConfirmed && IsDirty
            && !_prompts.Confirm("Quit", "Quit without saving? Your changes are not written.", "_Quit", "S_tay"))
        {
            return true;
        }

        return base.OnIsRunningChanging(oldIsRunning, newIsRunning);
    }

    private void StartFromDefault()
    {
        Show(SettingsFile.StartFromDefault(_document));
        SetStatus($"Started from the built-in default; saving keeps the invalid file as {_document.InvalidCopyPath}");
    }

    private void Show(SettingsDocument document)
    {
        _document = document;
        var state = document.State switch
        {
            SettingsFileState.Missing => "new: the built-in default; F2 creates it",
            SettingsFileState.Invalid when document.Base is not null => "invalid on disk: starting from the default",
            SettingsFileState.Invalid => "INVALID",
            _ => document.HasComments ? "its comments are not kept when saving" : "valid",
        };
        // The state first: a long path is cut at the right edge, the state must stay readable.
        _fileLine.Text = $"{state}: {document.Path}";
        if (document.Base is null)
        {
            ShowInvalid(document);
            return;
        }

        _invalid.Visible = false;
        _tabs.Visible = true;
        _buttons.Visible = true;
        _tabs.Value = _general;
        var settings = document.Settings!;
        _saved = settings;
        Set(_setHostName, settings.SetHostName);
        _hostName.Text = settings.HostName;
        Set(_extend, settings.ExtendBootVolume);
        Set(_admin, settings.Admin.Enabled);
        _adminName.Text = settings.Admin.Name;
        _password.Value = (int)settings.Admin.Password;
        _passwordText.Text = "";
        _passwordNote.Text = settings.Admin.HasStoredPassword ? "(one is stored; type to replace)" : "";
        Set(_ssm, settings.StartSsm);
        Set(_ena, settings.OptimizeEna);
        Set(_ssh, settings.EnableOpenSsh);
        Set(_jumbo, settings.EnableJumboFrames);
        Set(_dns, settings.SetDnsSuffix);
        _suffixes.Text = string.Join(", ", settings.DnsSuffixes);
        Set(_wallpaper, settings.SetWallpaper);
        _wallpaperPath.Text = settings.WallpaperPath;
        foreach (var box in _attributes)
        {
            Set(box, settings.WallpaperAttributes.Contains(box.Text));
        }

        _tags.Text = string.Join(", ", settings.WallpaperTags);
        Set(_volumes, settings.InitializeVolumes);
        _volumeChoice.Value = settings.Volumes == VolumeSelection.Devices ? 1 : 0;
        _devices.Text = string.Join("; ", settings.Devices.Select(d => d.ToLine()));
        UpdateEnabled();
        var warnings = document.Diagnostics.Count(d => !d.IsError);
        SetStatus(warnings > 0 ? $"{warnings} warning(s) from the validator: {document.Diagnostics.First(d => !d.IsError).Message}" : "");
    }

    private void ShowInvalid(SettingsDocument document)
    {
        _tabs.Visible = false;
        _buttons.Visible = false;
        _invalid.RemoveAll();
        var errors = document.Diagnostics.Where(d => d.IsError).ToList();
        var intro = new Label
        {
            X = 0, Y = 0, Width = Dim.Fill(),
            Text = string.Create(CultureInfo.InvariantCulture,
                $"The file has {errors.Count} error(s); the agent would run its built-in default instead. Nothing is written unless you start from the default."),
        };
        var list = new ListView { X = 0, Y = 2, Width = Dim.Fill(), Height = Dim.Fill(2) };
        // The file's name, not its path (the path is on the line above): agent-config.yml:5:11: error RA120: ...
        list.SetSource(new ObservableCollection<string>(TextLines.Wrap(
            string.Join("\n", document.Diagnostics.Select(d => (d with { Source = Path.GetFileName(d.Source ?? document.Path) }).ToString())), 94)));
        var start = new Button { Text = "Start from the _default", X = 0, Y = Pos.AnchorEnd(1) };
        var quit = new Button { Text = "_Quit", X = Pos.Right(start) + 1, Y = Pos.AnchorEnd(1) };
        start.Accepting += (_, e) => { StartFromDefault(); e.Handled = true; };
        quit.Accepting += (_, e) => { RequestStop(); e.Handled = true; };
        _invalid.Add(intro, list, start, quit);
        _invalid.Visible = true;
        SetStatus("Invalid file: start from the default, or quit and fix it (reseal agent validate --config FILE).");
        start.SetFocus();
    }

    private void UpdateEnabled()
    {
        _hostName.Enabled = On(_setHostName);
        _adminName.Enabled = _password.Enabled = On(_admin);
        _passwordText.Enabled = On(_admin) && _password.Value == (int)AdminPasswordChoice.Specify;
        _suffixes.Enabled = On(_dns);
        _wallpaperPath.Enabled = _tags.Enabled = On(_wallpaper);
        foreach (var box in _attributes)
        {
            box.Enabled = On(_wallpaper);
        }

        _volumeChoice.Enabled = On(_volumes);
        _devices.Enabled = On(_volumes) && _volumeChoice.Value == 1;
    }

    private void SetStatus(string text) => _status.Text = text;

    private static bool On(CheckBox box) => box.Value == CheckState.Checked;

    private static void Set(CheckBox box, bool on) => box.Value = on ? CheckState.Checked : CheckState.UnChecked;
}
