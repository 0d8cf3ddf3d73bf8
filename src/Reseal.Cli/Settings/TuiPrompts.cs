using System.Collections.ObjectModel;
using Terminal.Gui.App;
using Terminal.Gui.ViewBase;
using Terminal.Gui.Views;

namespace Reseal.Cli.Settings;

/// <summary>The window's questions as Terminal.Gui dialogs, each a modal run of its own.</summary>
internal sealed class TuiPrompts(IApplication app) : ISettingsPrompts
{
    public bool Confirm(string title, string message, string yes, string no) =>
        MessageBox.Query(app, title, message, no, yes) == 1;

    public bool ShowReport(string title, string text, string? confirm)
    {
        using var dialog = new Dialog { Title = title, Width = Dim.Percent(95), Height = Dim.Percent(90) };
        // A list of lines (scrolls with the keyboard and the mouse wheel), wrapped to the screen: TextView is obsolete in 2.5.
        var body = new ListView { X = 0, Y = 0, Width = Dim.Fill(), Height = Dim.Fill(2) };
        body.SetSource(new ObservableCollection<string>(TextLines.Wrap(text, Math.Max(20, app.Screen.Width - 8))));
        dialog.Add(body);
        dialog.AddButton(new Button { Text = confirm is null ? "_Close" : "_Cancel" });
        if (confirm is not null)
        {
            dialog.AddButton(new Button { Text = confirm });
        }

        app.Run(dialog);
        return confirm is not null && dialog.Result == 1;
    }
}

/// <summary>Word-wrapping for the list views that show long text.</summary>
internal static class TextLines
{
    /// <summary>The lines of <paramref name="text"/>, each cut at a blank so that none is longer than <paramref name="width"/> (a longer word is cut).</summary>
    public static IReadOnlyList<string> Wrap(string text, int width)
    {
        ArgumentNullException.ThrowIfNull(text);
        var lines = new List<string>();
        foreach (var raw in text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n'))
        {
            var indent = raw.Length - raw.TrimStart().Length;
            var line = raw;
            while (line.Length > width)
            {
                var cut = line.LastIndexOf(' ', width);
                if (cut <= indent)
                {
                    cut = width;
                }

                lines.Add(line[..cut].TrimEnd());
                line = new string(' ', Math.Min(indent + 2, width / 2)) + line[cut..].TrimStart();
            }

            lines.Add(line);
        }

        return lines;
    }
}
