using System.Collections.Immutable;
using System.Text;
using System.Text.Json;
using System.Xml;
using System.Xml.Linq;
using Reseal.Windows.Offline;
using Reseal.Windows.Ports;

namespace Reseal.Sysprep.Inspection;

/// <summary>
/// Finds the cloud launch agents installed in a tree by their services, files and registry keys (agents.md), and
/// reads the settings of each that matter to sealing.
/// </summary>
internal static class AgentDetector
{
    private sealed record Signature(string Name, string[] Services, string[] Files, string[] SoftwareKeys, string? ConfigPath);

    private static readonly Signature[] Signatures =
    [
        new("EC2Config", ["Ec2Config"], [@"C:\Program Files\Amazon\Ec2ConfigService\Ec2Config.exe"], [@"Amazon\Ec2ConfigService"],
            @"C:\Program Files\Amazon\Ec2ConfigService\Settings\Config.xml"),
        new("EC2Launch v1", [], [@"C:\ProgramData\Amazon\EC2-Windows\Launch\Scripts\InitializeInstance.ps1"], [],
            @"C:\ProgramData\Amazon\EC2-Windows\Launch\Config\LaunchConfig.json"),
        new("EC2Launch v2", ["EC2Launch"], [@"C:\Program Files\Amazon\EC2Launch\EC2Launch.exe"], [],
            @"C:\ProgramData\Amazon\EC2Launch\config\agent-config.yml"),
        new("Cloudbase-Init", ["cloudbase-init"], [@"C:\Program Files\Cloudbase Solutions\Cloudbase-Init\Python\Scripts\cloudbase-init.exe"],
            [@"Cloudbase Solutions\Cloudbase-Init"], @"C:\Program Files\Cloudbase Solutions\Cloudbase-Init\conf\cloudbase-init.conf"),
        new("GCE", ["GCEAgent", "GCEAgentManager", "GCEWindowsCompatManager"], [@"C:\Program Files\Google\Compute Engine\agent\GCEWindowsAgent.exe"],
            [@"Google\ComputeEngine"], @"C:\Program Files\Google\Compute Engine\instance_configs.cfg"),
        new("Reseal", ["Reseal"], [@"C:\Program Files\Reseal\reseal.exe"], [], @"C:\ProgramData\Reseal\config\agent-config.yml"),
    ];

    /// <summary>EC2Launch v2's marker that the first run happened.</summary>
    internal const string Ec2LaunchRunOnce = @"C:\ProgramData\Amazon\EC2Launch\state\.run-once";

    public static ImmutableArray<AgentFacts> Detect(IWindowsMachine windows, List<Finding> findings)
    {
        ArgumentNullException.ThrowIfNull(windows);
        ArgumentNullException.ThrowIfNull(findings);
        var agents = new List<AgentFacts>();
        var systemReadable = WindowsInspector.IsReadable(windows, RegistryHive.System);
        var softwareReadable = WindowsInspector.IsReadable(windows, RegistryHive.Software);
        foreach (var signature in Signatures)
        {
            var evidence = new List<string>();
            var services = new List<ServiceInfo>();
            if (systemReadable)
            {
                foreach (var name in signature.Services)
                {
                    if (windows.Services.Find(name) is { } service)
                    {
                        services.Add(service);
                        evidence.Add($"service {service.Name} ({service.StartMode?.ToString() ?? "start mode unknown"})");
                    }
                }
            }

            evidence.AddRange(signature.Files.Where(windows.Files.FileExists));
            if (softwareReadable)
            {
                evidence.AddRange(signature.SoftwareKeys.Where(k => windows.Registry.KeyExists(RegistryHive.Software, k)).Select(k => @"HKLM\SOFTWARE\" + k));
            }

            var configPath = signature.ConfigPath is { } path && windows.Files.FileExists(path) ? path : null;
            if (configPath is not null)
            {
                evidence.Add(configPath);
            }

            if (evidence.Count == 0)
            {
                continue;
            }

            var config = configPath is null ? [] : ReadConfig(windows, signature.Name, configPath, findings);
            agents.Add(new AgentFacts(signature.Name, [.. evidence.Distinct(StringComparer.OrdinalIgnoreCase)], [.. services], configPath, [.. config]));
        }

        // EC2Launch v2 writes .run-once after an instance's first run; left in an image, every instance started from it
        // skips the once-only user data and tasks (runs-on/runner-images-for-aws#30: "user data silently skipped").
        if (agents.Any(a => a.Name == "EC2Launch v2") && windows.Files.FileExists(Ec2LaunchRunOnce))
        {
            findings.Add(new Finding("ec2launch-run-once", FindingSeverity.Warning,
                $"EC2Launch v2's {Ec2LaunchRunOnce} is in this image: instances started from it skip the user data and tasks that run once",
                "seal with 'reseal seal --agent ec2launch-v2' (it deletes the file), or run 'ec2launch reset' before capturing", Ec2LaunchRunOnce));
        }

        var names = agents.Select(a => a.Name).ToList();
        if (agents.Count == 0 && !systemReadable)
        {
            findings.Add(new Finding("agent-unknown", FindingSeverity.Warning,
                "no launch agent's files were found, and its services could not be checked because SYSTEM is unreadable",
                "repair the SYSTEM hive, then inspect again"));
        }
        else if (agents.Count == 0)
        {
            findings.Add(new Finding("no-agent", FindingSeverity.Warning,
                "no launch agent is installed: clones will not get a password, host name or user data from the cloud",
                "install one (reseal seal installs the Reseal agent) before sealing"));
        }
        else if (agents.Count > 1)
        {
            findings.Add(new Finding("several-agents", FindingSeverity.Warning,
                $"{agents.Count} launch agents are installed ({string.Join(", ", names)}): each sets the password and host name at first boot, and they race",
                "disable all but one (set their services to Disabled and remove their SetupComplete/scheduled-task hooks)"));
        }
        else
        {
            findings.Add(new Finding("agent", FindingSeverity.Info, $"launch agent installed: {names[0]}"));
        }

        return [.. agents];
    }

    private static List<string> ReadConfig(IWindowsMachine windows, string agent, string path, List<Finding> findings)
    {
        var text = Encoding.UTF8.GetString(windows.Files.ReadAllBytes(path, OfflineFiles.MaxTextFileBytes)).TrimStart('\uFEFF');
        try
        {
            return agent switch
            {
                "EC2Launch v1" => LaunchConfig(text, path, findings),
                "EC2Config" => Ec2ConfigPlugins(text),
                "Cloudbase-Init" or "GCE" => IniSettings(text, ["username", "groups", "metadata_services", "plugins", "first_logon_behaviour", "inject_user_password", "logging_serial_port_settings"]),
                _ => YamlTasks(text),
            };
        }
        catch (Exception e) when (e is JsonException or XmlException or InvalidOperationException)
        {
            findings.Add(new Finding("agent-config-invalid", FindingSeverity.Warning, $"{agent}'s configuration cannot be parsed: {e.Message}",
                "fix or regenerate it; the agent will fail or fall back to defaults at first boot", path));
            return [];
        }
    }

    private static List<string> LaunchConfig(string json, string path, List<Finding> findings)
    {
        using var document = JsonDocument.Parse(json);
        var lines = new List<string>();
        foreach (var property in document.RootElement.EnumerateObject())
        {
            if (property.NameEquals("adminPassword"))
            {
                var set = property.Value.ValueKind == JsonValueKind.String && property.Value.GetString()!.Length > 0;
                lines.Add($"adminPassword = {(set ? "(set)" : "(empty)")}");
                continue;
            }

            if (property.Value.ValueKind is JsonValueKind.String or JsonValueKind.True or JsonValueKind.False or JsonValueKind.Number)
            {
                lines.Add($"{property.Name} = {property.Value}");
            }
        }

        var type = document.RootElement.TryGetProperty("adminPasswordType", out var t) ? t.GetString() : null;
        var password = document.RootElement.TryGetProperty("adminPassword", out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
        if (string.Equals(type, "Specify", StringComparison.OrdinalIgnoreCase) && !string.IsNullOrEmpty(password))
        {
            findings.Add(new Finding("agent-clear-password", FindingSeverity.Error,
                "EC2Launch v1 holds the administrator password in clear text (adminPasswordType=Specify) and every clone gets it",
                "set adminPasswordType to Random and clear adminPassword before sealing", path));
        }

        return lines;
    }

    private static List<string> Ec2ConfigPlugins(string xml)
    {
        var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null };
        using var reader = XmlReader.Create(new StringReader(xml), settings);
        var document = XDocument.Load(reader);
        return document.Descendants().Where(e => e.Name.LocalName == "Plugin")
            .Select(p => $"{p.Elements().FirstOrDefault(e => e.Name.LocalName == "Name")?.Value} = {p.Elements().FirstOrDefault(e => e.Name.LocalName == "State")?.Value}")
            .ToList();
    }

    private static List<string> IniSettings(string text, string[] keys) =>
        text.Split('\n').Select(l => l.Trim())
            .Where(l => l.Contains('=', StringComparison.Ordinal) && keys.Contains(l[..l.IndexOf('=', StringComparison.Ordinal)].Trim(), StringComparer.OrdinalIgnoreCase))
            .Select(l => l[..l.IndexOf('=', StringComparison.Ordinal)].Trim() + " = " + l[(l.IndexOf('=', StringComparison.Ordinal) + 1)..].Trim())
            .ToList();

    private static List<string> YamlTasks(string text) =>
        text.Split('\n').Select(l => l.Trim().TrimStart('-').Trim())
            .Where(l => l.StartsWith("task:", StringComparison.Ordinal) || l.StartsWith("stage:", StringComparison.Ordinal) || l.StartsWith("version:", StringComparison.Ordinal))
            .Select(l => l.Replace(":", " =", StringComparison.Ordinal).Replace("  ", " ", StringComparison.Ordinal))
            .ToList();
}
