using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Reseal.Agent.Boot.Migration;

namespace Reseal.Cli.Rendering;

/// <summary>The report of <c>reseal agent migrate</c>: every setting found and what became of it, as text or JSON.</summary>
internal static class MigrationRendering
{
    /// <summary>The fate as the report words it.</summary>
    public static string FateName(SettingFate fate) => fate switch
    {
        SettingFate.Mapped => "mapped",
        SettingFate.Default => "already Reseal's default",
        _ => "not migrated",
    };

    /// <summary>The report for people: the settings grouped by file, each with its fate, then a count per fate.</summary>
    public static string Text(MigrationResult result)
    {
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.Append(c, $"{AgentMigrator.DisplayName(result.Agent)} settings -> agent-config.yml\n");
        foreach (var group in result.Settings.GroupBy(s => s.Setting.File))
        {
            text.Append(c, $"{group.Key}\n");
            foreach (var outcome in group)
            {
                var setting = outcome.Setting;
                text.Append(c, $"  {setting.Line,4}  {setting.Name} = {setting.Value}\n");
                text.Append(c, $"        {FateName(outcome.Fate)}{(outcome.Target is null ? "" : " -> " + outcome.Target)}: {outcome.Reason}\n");
            }
        }

        int Count(SettingFate fate) => result.Settings.Count(s => s.Fate == fate);
        text.Append(c, $"{result.Settings.Count} setting(s): {Count(SettingFate.Mapped)} mapped, {Count(SettingFate.Default)} already Reseal's default, {Count(SettingFate.NotMigrated)} not migrated\n");
        return text.ToString();
    }

    /// <summary>The report for machines. The configuration's text is never included (it may hold a password).</summary>
    public static JsonObject Json(MigrationResult result, string? written) => new()
    {
        ["agent"] = AgentMigrator.CliName(result.Agent),
        ["files"] = ReportJson.Strings(result.Files),
        ["settings"] = new JsonArray([.. result.Settings.Select(s => (JsonNode)new JsonObject
        {
            ["file"] = s.Setting.File,
            ["line"] = s.Setting.Line,
            ["name"] = s.Setting.Name,
            ["value"] = s.Setting.Value,
            ["fate"] = s.Fate switch { SettingFate.Mapped => "mapped", SettingFate.Default => "default", _ => "notMigrated" },
            ["target"] = s.Target,
            ["reason"] = s.Reason,
        })]),
        ["diagnostics"] = new JsonArray([.. result.Diagnostics.Select(d => (JsonNode)new JsonObject
        {
            ["code"] = d.Code,
            ["severity"] = d.Severity.ToString().ToLowerInvariant(),
            ["file"] = d.Source,
            ["line"] = d.Line,
            ["message"] = d.Message,
        })]),
        ["valid"] = result.Succeeded,
        ["holdsPassword"] = result.HasClearTextPassword,
        ["written"] = written,
    };
}
