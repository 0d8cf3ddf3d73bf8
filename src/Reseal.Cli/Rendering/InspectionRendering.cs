using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Reseal.Sysprep.Inspection;
using Reseal.Windows.Ports;

namespace Reseal.Cli.Rendering;

/// <summary><c>reseal inspect</c>'s output: the facts, the findings and the verdict, as text for people and JSON for machines.</summary>
internal static class InspectionRendering
{
    /// <summary>The report as text for people.</summary>
    public static string Text(InspectionReport report)
    {
        var text = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        text.Append(c, $"Windows tree: {report.Root}\n");
        var f = report.Facts;
        void Line(string label, string? value)
        {
            if (!string.IsNullOrEmpty(value))
            {
                text.Append(c, $"  {label,-16}{value}\n");
            }
        }

        foreach (var hive in f.Hives)
        {
            Line(RegistryHives.FileName(hive.Hive), hive.State.ToString().ToLowerInvariant() + (hive.Problem is null ? "" : ": " + hive.Problem));
        }

        if (f.Os is { } os)
        {
            Line("OS", $"{os.ProductName ?? "unknown product"} ({os.EditionId ?? "?"}, {os.InstallationType ?? "?"}) {os.VersionText}{(os.DisplayVersion is null ? "" : " " + os.DisplayVersion)}");
        }

        if (f.Setup is { } setup)
        {
            Line("Image state", setup.ImageStateText ?? "(none)");
            Line("Setup", $"SystemSetupInProgress={Show(setup.SystemSetupInProgress)} OOBEInProgress={Show(setup.OobeInProgress)} SetupType={Show(setup.SetupType)} GeneralizationState={Show(setup.GeneralizationState)}");
        }

        if (f.Identity is { } id)
        {
            Line("Computer name", id.ComputerName);
            Line("Host name", id.HostName is null ? null : id.HostName + (string.IsNullOrEmpty(id.DnsDomain) ? "" : " (domain " + id.DnsDomain + ")"));
            Line("Time zone", id.TimeZone is null && id.TimeZoneBiasMinutes is null ? null : $"{id.TimeZone ?? "(no key name)"} (bias {Show(id.TimeZoneBiasMinutes)} min)");
            Line("Locale", id.LocaleName is null ? null : $"{id.LocaleName} ({id.Locale})");
            Line("System language", id.SystemLanguage);
            Line("MachineGuid", id.MachineGuid);
        }

        if (f.Domain is { } domain)
        {
            Line("Machine SID", domain.MachineSidFromSam?.ToString() ?? domain.MachineSidFromSecurity?.ToString());
            Line("Domain", domain.PrimaryDomainName is null ? null : $"{domain.PrimaryDomainName} ({(domain.DomainJoined == true ? "joined domain " + domain.DnsDomainName : "workgroup")})");
        }

        foreach (var account in f.Accounts)
        {
            Line("Account", $"{account.Name} (RID {account.Rid}, {(account.Disabled ? "disabled" : "enabled")}{(account.IsAdministrator == true ? ", administrator" : "")})");
        }

        foreach (var profile in f.Profiles)
        {
            Line("Profile", $"{profile.Sid} {profile.ProfileImagePath}");
        }

        foreach (var agent in f.Agents)
        {
            Line("Agent", $"{agent.Name}: {string.Join("; ", agent.Evidence)}");
            foreach (var setting in agent.Config)
            {
                Line("", "  " + setting);
            }
        }

        Line("RDP", f.RdpDenied is null ? null : f.RdpDenied.Value ? "off (fDenyTSConnections=1)" : "on (fDenyTSConnections=0)");
        Line("SkipRearm", f.Activation is null ? null : f.Activation.SkipRearm ? "1" : "0");
        foreach (var answer in f.AnswerFiles)
        {
            Line("Answer file", $"{answer.Path} [{answer.Role}] {string.Join(", ", answer.Passwords.Select(p => $"{p.Element}: {p.Storage}"))}");
        }

        foreach (var log in f.SysprepLogs)
        {
            Line("Log", $"{log.Path} ({log.Length} bytes)");
        }

        if (f.SetupComplete is { } setupComplete)
        {
            text.Append("  SetupComplete.cmd:\n");
            foreach (var line in ScriptRedaction.Redact(setupComplete).Split('\n').Take(40))
            {
                text.Append(c, $"    | {line.TrimEnd('\r')}\n");
            }
        }

        text.Append('\n');
        foreach (var finding in report.Findings)
        {
            text.Append(c, $"{finding.Severity.ToString().ToUpperInvariant(),-8}{finding.Code}: {finding.Message}\n");
            if (finding.Fix is not null)
            {
                text.Append(c, $"        fix: {finding.Fix}\n");
            }

            if (finding.Location is not null)
            {
                text.Append(c, $"        at: {finding.Location}\n");
            }
        }

        text.Append(c, $"\n{ReportSummary.Of(report)}\n");
        return text.ToString();
    }

    /// <summary>The report as a JSON object for machines.</summary>
    public static JsonObject Json(InspectionReport report)
    {
        var f = report.Facts;
        var facts = new JsonObject
        {
            ["hives"] = Array(f.Hives.Select(h => new JsonObject
            {
                ["hive"] = RegistryHives.FileName(h.Hive),
                ["state"] = h.State.ToString().ToLowerInvariant(),
                ["problem"] = h.Problem,
                ["notes"] = Array(h.Notes.Select(n => (JsonNode?)JsonValue.Create(n))),
            })),
            ["os"] = f.Os is not { } os ? null : new JsonObject
            {
                ["productName"] = os.ProductName,
                ["editionId"] = os.EditionId,
                ["installationType"] = os.InstallationType,
                ["version"] = os.VersionText,
                ["build"] = os.Build,
                ["displayVersion"] = os.DisplayVersion,
                ["isServer"] = os.IsServer,
            },
            ["setup"] = f.Setup is not { } s ? null : new JsonObject
            {
                ["imageState"] = s.ImageStateText,
                ["stateIniImageState"] = s.StateIniImageState,
                ["systemSetupInProgress"] = s.SystemSetupInProgress,
                ["oobeInProgress"] = s.OobeInProgress,
                ["setupType"] = s.SetupType,
                ["cmdLine"] = s.CmdLine,
                ["generalizationState"] = s.GeneralizationState,
                ["unattendFile"] = s.UnattendFile,
            },
            ["identity"] = f.Identity is not { } id ? null : new JsonObject
            {
                ["computerName"] = id.ComputerName,
                ["hostName"] = id.HostName,
                ["dnsDomain"] = id.DnsDomain,
                ["timeZone"] = id.TimeZone,
                ["timeZoneBiasMinutes"] = id.TimeZoneBiasMinutes,
                ["localeName"] = id.LocaleName,
                ["locale"] = id.Locale,
                ["systemLanguage"] = id.SystemLanguage,
                ["machineGuid"] = id.MachineGuid,
            },
            ["domain"] = f.Domain is not { } d ? null : new JsonObject
            {
                ["machineSid"] = d.MachineSidFromSam?.ToString(),
                ["machineSidFromSecurity"] = d.MachineSidFromSecurity?.ToString(),
                ["primaryDomainName"] = d.PrimaryDomainName,
                ["domainJoined"] = d.DomainJoined,
                ["dnsDomainName"] = d.DnsDomainName,
            },
            ["accounts"] = Array(f.Accounts.Select(a => new JsonObject
            {
                ["name"] = a.Name,
                ["rid"] = a.Rid,
                ["enabled"] = !a.Disabled,
                ["administrator"] = a.IsAdministrator,
                ["fullName"] = a.FullName,
                ["flags"] = a.Flags,
                ["lastLogon"] = a.LastLogon?.ToString("o", CultureInfo.InvariantCulture),
                ["logonCount"] = a.LogonCount,
            })),
            ["profiles"] = Array(f.Profiles.Select(p => new JsonObject { ["sid"] = p.Sid, ["path"] = p.ProfileImagePath, ["state"] = p.State })),
            ["agents"] = Array(f.Agents.Select(a => new JsonObject
            {
                ["name"] = a.Name,
                ["evidence"] = Array(a.Evidence.Select(e => (JsonNode?)JsonValue.Create(e))),
                ["services"] = Array(a.Services.Select(s => new JsonObject { ["name"] = s.Name, ["startMode"] = s.StartMode?.ToString(), ["imagePath"] = s.ImagePath })),
                ["configPath"] = a.ConfigPath,
                ["config"] = Array(a.Config.Select(e => (JsonNode?)JsonValue.Create(e))),
            })),
            ["rdpDenied"] = f.RdpDenied,
            ["pendingReboot"] = Array(f.PendingReboot.Select(p => (JsonNode?)JsonValue.Create(p))),
            ["skipRearm"] = f.Activation?.SkipRearm,
            ["storeApps"] = f.StoreApps is not { } apps ? null : new JsonObject
            {
                ["perUser"] = new JsonObject(apps.PerUserPackages.OrderBy(p => p.Key, StringComparer.Ordinal)
                    .Select(p => KeyValuePair.Create(p.Key, (JsonNode?)Array(p.Value.Select(v => (JsonNode?)JsonValue.Create(v)))))),
                ["deprovisioned"] = Array(apps.Deprovisioned.Select(v => (JsonNode?)JsonValue.Create(v))),
            },
            ["bitLocker"] = Array(f.BitLocker.Select(b => (JsonNode?)JsonValue.Create(b))),
            ["answerFiles"] = Array(f.AnswerFiles.Select(a => new JsonObject
            {
                ["path"] = a.Path,
                ["role"] = a.Role,
                ["length"] = a.Length,
                ["problem"] = a.Problem,
                ["passwords"] = Array(a.Passwords.Select(p => new JsonObject { ["element"] = p.Element, ["pass"] = p.Pass, ["storage"] = p.Storage.ToString() })),
            })),
            ["setupComplete"] = f.SetupComplete is { } script ? ScriptRedaction.Redact(script) : null,
            ["sysprepLogs"] = Array(f.SysprepLogs.Select(l => new JsonObject
            {
                ["path"] = l.Path,
                ["length"] = l.Length,
                ["errors"] = Array(l.ErrorLines.Select(e => (JsonNode?)JsonValue.Create(e))),
            })),
        };

        return new JsonObject(ReportJson.Verdict(report.Root, report.Readiness.ToString(), ExitCodes.For(report.Readiness), ReportSummary.Of(report)))
        {
            ["facts"] = facts,
            ["findings"] = Array(report.Findings.Select(x => new JsonObject
            {
                ["code"] = x.Code,
                ["severity"] = x.Severity.ToString().ToLowerInvariant(),
                ["message"] = x.Message,
                ["fix"] = x.Fix,
                ["location"] = x.Location,
            })),
        };
    }

    private static JsonArray Array(IEnumerable<JsonNode?> items) => new([.. items]);

    private static string Show<T>(T? value)
        where T : struct => value?.ToString() ?? "-";
}
