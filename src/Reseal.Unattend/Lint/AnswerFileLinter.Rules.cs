using System.Xml.Linq;
using Reseal.Unattend.Catalog;
using Reseal.Unattend.Model;

namespace Reseal.Unattend.Lint;

public sealed partial class AnswerFileLinter
{
    /// <summary>Lifecycle (removed, too new, deprecated) and per-component rules.</summary>
    private sealed partial class Run
    {
        /// <summary>Removed (error), not yet available (error) or deprecated (warning) on the target; false when the node should not be checked further.</summary>
        private bool CheckLifecycle(XElement element, SettingLifecycle lifecycle, string path, string? page)
        {
            if (lifecycle.IsRemovedOn(windows))
            {
                Report(LintRules.RemovedSetting, element,
                    $"{path} was removed {When(lifecycle.Removed!.Value)}; {windows} does not have it", reference: page);
                return false;
            }

            if (lifecycle.IsNewerThan(windows))
            {
                Report(LintRules.SettingTooNew, element,
                    $"{path} first appeared in {WindowsRelease.DescribeBuild(lifecycle.Since!.Value)}; {windows} does not have it", reference: page);
                return false;
            }

            if (lifecycle.IsDeprecatedOn(windows) && !element.Ancestors().Any(_deprecated.Contains))
            {
                _deprecated.Add(element);
                Report(LintRules.Deprecated, element,
                    $"{path} is deprecated {When(lifecycle.Deprecated!.Value)}; Microsoft says not to use it (checked for {windows})", reference: page);
            }

            return true;
        }

        private static string When(int build) => build == 0
            ? "(the reference gives no version; it describes Windows 10 and Server 2016)"
            : "since " + WindowsRelease.DescribeBuild(build);

        private void CheckComponentRules(ComponentSettings component, ConfigurationPass? pass)
        {
            var autoLogon = component.Find("AutoLogon");
            if (autoLogon is not null && component.Name == "Microsoft-Windows-Shell-Setup")
            {
                var enabled = autoLogon.Element(UnattendNames.Unattend + "Enabled")?.Value.Trim();
                var disabled = string.Equals(enabled, "false", StringComparison.OrdinalIgnoreCase);
                if (!disabled && autoLogon.Element(UnattendNames.Unattend + "LogonCount") is null && !TemplatePlaceholders.HasTemplateStatements(autoLogon))
                {
                    Report(LintRules.AutoLogonCount, autoLogon, "AutoLogon is enabled without LogonCount, which the reference says must be given with AutoLogon",
                        reference: SettingCatalog.ReferenceUrl + "microsoft-windows-shell-setup-autologon");
                }
            }

            if (component.Name != "Microsoft-Windows-Deployment")
            {
                return;
            }

            var reseal = component.Find("Reseal");
            if (pass == ConfigurationPass.AuditSystem && reseal is not null)
            {
                var force = reseal.Element(UnattendNames.Unattend + "ForceShutdownNow")?.Value.Trim();
                var mode = reseal.Element(UnattendNames.Unattend + "Mode")?.Value.Trim();
                if (string.Equals(force, "true", StringComparison.OrdinalIgnoreCase) && !string.Equals(mode, "OOBE", StringComparison.OrdinalIgnoreCase))
                {
                    Report(LintRules.ResealLoop, reseal,
                        $"Reseal in auditSystem with ForceShutdownNow=true and Mode {(mode is null ? "unset" : mode)} reboots into audit mode forever");
                }
            }

            if (pass == ConfigurationPass.AuditUser && reseal is not null && component.Find("Generalize") is { } generalize)
            {
                Report(LintRules.GeneralizeWithReseal, generalize, "Generalize and Reseal are both set in auditUser; Reseal will be ignored");
            }
        }
    }
}
