using System.Collections.Immutable;
using Reseal.Sysprep.Inspection;

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

/// <summary>What <c>reseal seal --dry-run</c> found: the checks, the plan and the verdict (the CLI renders it).</summary>
public sealed record SealReport
{
    /// <summary>
    /// What an apply of a tree that is not Windows is refused with, and the preflight's verdict line for such a tree.
    /// </summary>
    public const string NotWindowsSummary = "NOT A WINDOWS TREE: no Windows\\System32\\config, or its SYSTEM and SOFTWARE hives cannot be read";

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
}
