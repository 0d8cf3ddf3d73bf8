using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Reseal.Sysprep.Panther;

namespace Reseal.Sysprep.Seal;

/// <summary>How a seal of a running Windows ended.</summary>
public enum SealRunOutcome
{
    /// <summary>Sysprep generalized the machine: exit code 0, the expected ImageState, no error in this run's setuperr.log.</summary>
    Sealed,

    /// <summary>Nothing was changed: preflight errors block sealing, an earlier seal was not rolled back, or the plan is stale.</summary>
    Refused,

    /// <summary>A step or Sysprep failed before generalize finished; every change was undone (see <see cref="SealRunResult.UndoProblems"/>).</summary>
    Failed,

    /// <summary>
    /// ImageState says generalize finished, but Sysprep did not end cleanly (non-zero exit, errors logged, or no exit):
    /// nothing was undone, because undoing would leave a generalized image without its first-boot hook and with RDP open.
    /// </summary>
    GeneralizedWithErrors,
}

/// <summary>What <see cref="SealRunner"/> did: the outcome, why, what changed or was undone, and the diagnosis of a failure.</summary>
public sealed record SealRunResult
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>The outcome.</summary>
    public required SealRunOutcome Outcome { get; init; }

    /// <summary>Process exit code: 0 sealed, 1 refused or failed (or generalized with errors), 3 not a Windows machine.</summary>
    public required int ExitCode { get; init; }

    /// <summary>One line saying what happened and, for a failure, its cause.</summary>
    public required string Message { get; init; }

    /// <summary>The step that failed (<see cref="SealStepIds"/>), or null.</summary>
    public string? FailedStep { get; init; }

    /// <summary>The preflight report the run followed.</summary>
    public SealReport? Report { get; init; }

    /// <summary>The file and registry changes made (on failure: made, then undone), one line each.</summary>
    public ImmutableArray<string> Changes { get; init; } = [];

    /// <summary>True when the changes were undone (a failure).</summary>
    public bool Undone { get; init; }

    /// <summary>Changes that could not be undone; empty when the machine is as it was.</summary>
    public ImmutableArray<string> UndoProblems { get; init; } = [];

    /// <summary>The undo journal (Windows path), when it is left on the machine.</summary>
    public string? JournalPath { get; init; }

    /// <summary>Why the watch stopped Sysprep (or could not run it), or null when Sysprep ended by itself or never ran.</summary>
    public SysprepWatchStopReason? WatchStop { get; init; }

    /// <summary>Sysprep's exit code, when it ended by itself.</summary>
    public int? SysprepExitCode { get; init; }

    /// <summary>ImageState before Sysprep ran.</summary>
    public string? ImageStateBefore { get; init; }

    /// <summary>ImageState when the watch ended.</summary>
    public string? ImageStateAfter { get; init; }

    /// <summary>Error lines this Sysprep run logged in setuperr.log (at most 20).</summary>
    public ImmutableArray<string> SysprepErrors { get; init; } = [];

    /// <summary>The diagnosis of the Panther logs, for a failure.</summary>
    public PantherDiagnosis? Diagnosis { get; init; }

    /// <summary>What happens next, or what to do.</summary>
    public string? NextSteps { get; init; }

    /// <summary>Problems that did not stop sealing (the serial console could not be written...).</summary>
    public ImmutableArray<string> Warnings { get; init; } = [];

    /// <summary>Text for people (the preflight report is printed separately, before the run).</summary>
    public string ToText()
    {
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.Append(c, $"seal: {Message}\n");
        if (FailedStep is not null)
        {
            text.Append(c, $"  failed step: {FailedStep}\n");
        }

        if (SysprepExitCode is { } code)
        {
            text.Append(c, $"  sysprep exit code: {code}\n");
        }

        if (ImageStateBefore is not null || ImageStateAfter is not null)
        {
            text.Append(c, $"  ImageState: {ImageStateBefore ?? "(absent)"} -> {ImageStateAfter ?? "(absent)"}\n");
        }

        foreach (var error in SysprepErrors)
        {
            text.Append(c, $"  setuperr.log: {error}\n");
        }

        if (!Changes.IsEmpty)
        {
            text.Append(Undone ? "  changes (undone):\n" : "  changes:\n");
            foreach (var change in Changes)
            {
                text.Append(c, $"    - {change}\n");
            }
        }

        foreach (var problem in UndoProblems)
        {
            text.Append(c, $"  NOT UNDONE: {problem}\n");
        }

        foreach (var warning in Warnings)
        {
            text.Append(c, $"  warning: {warning}\n");
        }

        if (JournalPath is not null)
        {
            text.Append(c, $"  journal: {JournalPath}\n");
        }

        if (Diagnosis is not null)
        {
            text.Append("\nDiagnosis of the Panther logs:\n").Append(PantherDiagnosisFormatter.ToText(Diagnosis));
        }

        if (NextSteps is not null)
        {
            text.Append(c, $"\nNext: {NextSteps}\n");
        }

        return text.ToString();
    }

    /// <summary>JSON for machines.</summary>
    public JsonObject ToJson() => new()
    {
        ["outcome"] = Outcome.ToString(),
        ["exitCode"] = ExitCode,
        ["message"] = Message,
        ["failedStep"] = FailedStep,
        ["changes"] = Strings(Changes),
        ["undone"] = Undone,
        ["undoProblems"] = Strings(UndoProblems),
        ["journal"] = JournalPath,
        ["sysprepExitCode"] = SysprepExitCode,
        ["imageStateBefore"] = ImageStateBefore,
        ["imageStateAfter"] = ImageStateAfter,
        ["sysprepErrors"] = Strings(SysprepErrors),
        ["warnings"] = Strings(Warnings),
        ["nextSteps"] = NextSteps,
        ["diagnosis"] = Diagnosis is null ? null : PantherDiagnosisFormatter.ToJson(Diagnosis),
        ["preflight"] = Report?.ToJson(),
    };

    /// <summary>The JSON rendering as indented text.</summary>
    public string ToJsonText() => ToJson().ToJsonString(Indented);

    private static JsonArray Strings(IEnumerable<string> items) => new([.. items.Select(i => (JsonNode?)JsonValue.Create(i))]);
}
