using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Reseal.Sysprep.Inspection;
using Reseal.Unattend.Profiles;

namespace Reseal.Sysprep.Seal;

/// <summary>The verdict of a seal preflight.</summary>
public enum SealReadiness
{
    /// <summary>Nothing blocks sealing (exit code 0).</summary>
    Ready,

    /// <summary>Error checks were found but <c>--force</c> was given (exit code 0).</summary>
    Forced,

    /// <summary>At least one error check blocks sealing (exit code 1).</summary>
    Blocked,

    /// <summary>Not a Windows tree, or its SYSTEM and SOFTWARE hives cannot be read (exit code 3).</summary>
    NotWindows,
}

/// <summary>What <c>reseal seal --dry-run</c> found: the checks, the plan, the verdict, and its text and JSON renderings.</summary>
public sealed record SealReport
{
    private SealReport(string root, SealOptions options, ImmutableArray<PreflightCheck> checks, SealPlan? plan, SealReadiness readiness)
    {
        Root = root;
        Options = options;
        Checks = checks;
        Plan = plan;
        Readiness = readiness;
    }

    /// <summary>The tree's host directory (or the machine's description).</summary>
    public string Root { get; }

    /// <summary>The options the plan was built with.</summary>
    public SealOptions Options { get; }

    /// <summary>Every check, in <see cref="PreflightCodes.All"/> order.</summary>
    public ImmutableArray<PreflightCheck> Checks { get; }

    /// <summary>The plan; null when the tree is not Windows.</summary>
    public SealPlan? Plan { get; }

    /// <summary>The verdict.</summary>
    public SealReadiness Readiness { get; }

    /// <summary>The checks that block sealing (errors), whether or not forced.</summary>
    public ImmutableArray<PreflightCheck> Errors => [.. Checks.Where(c => c.IsError)];

    /// <summary>Process exit code: 0 ready (or forced), 1 blocking checks, 3 not a Windows tree.</summary>
    public int ExitCode => Readiness switch
    {
        SealReadiness.Ready or SealReadiness.Forced => 0,
        SealReadiness.Blocked => 1,
        _ => 3,
    };

    /// <summary>The one-line summary.</summary>
    public string Summary
    {
        get
        {
            var errors = Checks.Count(c => c.Severity == CheckSeverity.Error);
            var warnings = Checks.Count(c => c.Severity == CheckSeverity.Warning);
            return Readiness switch
            {
                SealReadiness.Ready => $"READY to seal ({warnings} warning{Plural(warnings)})",
                SealReadiness.Forced => $"FORCED: {errors} error{Plural(errors)} ignored (--force), {warnings} warning{Plural(warnings)}",
                SealReadiness.Blocked => $"NOT READY to seal: {errors} error{Plural(errors)}, {warnings} warning{Plural(warnings)} (--force to seal anyway)",
                _ => "NOT A WINDOWS TREE: no Windows\\System32\\config, or its SYSTEM and SOFTWARE hives cannot be read",
            };
        }
    }

    /// <summary>
    /// A report for checks and a plan: blocked when a check is an error, unless forced. A Windows tree with one damaged
    /// essential hive is blocked (exit 1), as <c>reseal inspect</c> says; only <see cref="NotWindows"/> gives exit 3.
    /// </summary>
    public static SealReport Create(string root, SealOptions options, ImmutableArray<PreflightCheck> checks, SealPlan plan)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(plan);
        var anyError = checks.Any(c => c.IsError);
        var readiness = !anyError ? SealReadiness.Ready
            : options.Force ? SealReadiness.Forced
            : SealReadiness.Blocked;
        return new SealReport(root, options, checks, plan, readiness);
    }

    /// <summary>A report for a folder that is not a readable Windows tree: one error check naming why.</summary>
    public static SealReport NotWindows(string root, SealOptions options, InspectionReport inspection)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(inspection);
        var check = SealPreflight.WindowsTree(inspection.Facts, inspection.Findings);
        if (!check.IsError)
        {
            check = check with { Severity = CheckSeverity.Error, Message = "not a Windows tree" };
        }

        var fix = inspection.Findings.FirstOrDefault(f => f.Code is "not-windows" or "not-a-directory")?.Fix ?? check.Fix;
        return new SealReport(root, options, [check with { Fix = fix }], null, SealReadiness.NotWindows);
    }

    /// <summary>The report as text for people: checks, then the plan, then the summary.</summary>
    public string ToText()
    {
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.Append(c, $"Seal preflight: {Root}\n");
        text.Append(c, $"  options: {OptionsText()}\n\n");
        text.Append("Checks:\n");
        foreach (var check in Checks)
        {
            text.Append(c, $"  {Label(check.Severity),-7} {check.Code}: {check.Message}\n");
            if (check.Severity is not (CheckSeverity.Ok or CheckSeverity.NotApplicable))
            {
                foreach (var evidence in check.Evidence)
                {
                    text.Append(c, $"          - {evidence}\n");
                }

                if (check.Fix is not null)
                {
                    text.Append(c, $"          fix: {check.Fix}\n");
                }
            }
        }

        if (Plan is { } plan)
        {
            text.Append("\nPlan (reseal seal would):\n");
            var n = 0;
            foreach (var step in plan.Steps)
            {
                text.Append(c, $"  {++n}. {step.Title} [{step.Id}]{(step.AppliesOffline ? "" : " (running Windows only)")}\n");
                foreach (var change in step.Changes)
                {
                    text.Append(c, $"       - {change}\n");
                }

                text.Append(c, $"       undo: {step.Undo}\n");
                if (step.Id is SealStepIds.FirstBootHook or SealStepIds.RunSysprep && step.Content is { } content)
                {
                    foreach (var line in content.TrimEnd('\r', '\n').Split('\n'))
                    {
                        text.Append(c, $"       | {line.TrimEnd('\r')}\n");
                    }
                }
            }
        }

        text.Append(c, $"\n{Summary}\n");
        return text.ToString();
    }

    /// <summary>The report as a JSON object for machines.</summary>
    public JsonObject ToJson()
    {
        var json = new JsonObject
        {
            ["root"] = Root,
            ["readiness"] = Readiness.ToString(),
            ["exitCode"] = ExitCode,
            ["summary"] = Summary,
            ["options"] = new JsonObject
            {
                ["profile"] = Options.AnswerFileOverride is null ? AnswerFileProfiles.CliName(ProfileUsed) : null,
                ["agent"] = Plan?.Agent is { } agent ? SealAgents.CliName(agent) : null,
                ["answerFile"] = Options.AnswerFileOverride,
                ["completion"] = Options.Completion.ToString().ToLowerInvariant(),
                ["modeVm"] = Options.ModeVm,
                ["clean"] = Options.Clean,
                ["force"] = Options.Force,
            },
            ["checks"] = new JsonArray([.. Checks.Select(check => (JsonNode)new JsonObject
            {
                ["code"] = check.Code,
                ["severity"] = Label(check.Severity).ToLowerInvariant(),
                ["title"] = check.Title,
                ["message"] = check.Message,
                ["evidence"] = Strings(check.Evidence),
                ["fix"] = check.Fix,
            })]),
        };
        if (Plan is { } plan)
        {
            json["plan"] = new JsonObject
            {
                ["steps"] = new JsonArray([.. plan.Steps.Select(step => (JsonNode)new JsonObject
                {
                    ["id"] = step.Id,
                    ["title"] = step.Title,
                    ["changes"] = Strings(step.Changes),
                    ["undo"] = step.Undo,
                    ["appliesOffline"] = step.AppliesOffline,
                    // As in the text form: only the first-boot hook and the Sysprep command line. The answer file's
                    // content can hold passwords and is never printed.
                    ["content"] = step.Id is SealStepIds.FirstBootHook or SealStepIds.RunSysprep ? step.Content : null,
                })]),
                ["answerFile"] = new JsonObject
                {
                    ["source"] = plan.AnswerFile.Source,
                    ["path"] = plan.AnswerFile.TargetPath,
                    ["locale"] = plan.AnswerFile.Locale?.Locale,
                    ["localeSource"] = plan.AnswerFile.Locale?.Source,
                    ["localeNote"] = plan.AnswerFile.Locale?.Note,
                    ["copyProfile"] = plan.AnswerFile.CopyProfile,
                    ["lint"] = Strings(plan.AnswerFile.Lint.Findings.Select(f => f.ToString())),
                },
                ["stateFiles"] = Strings(plan.StateFiles),
                ["logFiles"] = Strings(plan.LogFiles),
                ["movedAside"] = new JsonArray([.. plan.StaleAnswerFiles.Select(m => (JsonNode)new JsonObject { ["from"] = m.From, ["to"] = m.To })]),
                ["rdpDenyBefore"] = plan.RdpDenyBefore,
                ["beforeSysprepHook"] = plan.BeforeSysprepHook,
                ["setupComplete"] = new JsonObject
                {
                    ["path"] = plan.SetupComplete.Path,
                    ["existed"] = !plan.SetupComplete.Before.IsDefault,
                    ["unchanged"] = plan.SetupComplete.Unchanged,
                    ["content"] = plan.SetupComplete.AfterText,
                },
                ["sysprep"] = new JsonObject
                {
                    ["path"] = plan.SysprepPath,
                    ["arguments"] = Strings(plan.SysprepArguments),
                    ["commandLine"] = plan.SysprepCommandLine,
                },
            };
        }

        return json;
    }

    /// <summary>The JSON rendering as indented text.</summary>
    public string ToJsonText() => ToJson().ToJsonString(new JsonSerializerOptions { WriteIndented = true });

    private ProfileName ProfileUsed => Options.Profile ?? SealAgents.Profile(Plan?.Agent ?? SealAgent.Reseal);

    private string OptionsText()
    {
        var parts = new List<string>
        {
            "agent " + (Plan?.Agent is { } agent ? SealAgents.CliName(agent) : "(not chosen)"),
            Options.AnswerFileOverride is { } file ? "answer file " + file : "profile " + AnswerFileProfiles.CliName(ProfileUsed),
            Options.CompletionSwitch,
        };
        if (Options.ModeVm)
        {
            parts.Add("/mode:vm");
        }

        if (Options.Clean)
        {
            parts.Add("clean");
        }

        if (Options.Force)
        {
            parts.Add("force");
        }

        return string.Join(", ", parts);
    }

    private static JsonArray Strings(IEnumerable<string> items) => new([.. items.Select(i => (JsonNode?)JsonValue.Create(i))]);

    private static string Label(CheckSeverity severity) => severity switch
    {
        CheckSeverity.Ok => "OK",
        CheckSeverity.NotApplicable => "N/A",
        CheckSeverity.Info => "INFO",
        CheckSeverity.Warning => "WARNING",
        _ => "ERROR",
    };

    private static string Plural(int n) => n == 1 ? "" : "s";
}
