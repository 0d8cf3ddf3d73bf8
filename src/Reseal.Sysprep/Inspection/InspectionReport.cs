using System.Collections.Immutable;
using Reseal.Windows.Ports;

namespace Reseal.Sysprep.Inspection;

/// <summary>What <c>reseal inspect</c> found in a tree: the facts, the findings, and the verdict.</summary>
public sealed record InspectionReport
{
    private InspectionReport(string root, InspectionFacts facts, ImmutableArray<Finding> findings)
    {
        Root = root;
        Facts = facts;
        Findings = findings;
    }

    /// <summary>The tree's host directory.</summary>
    public string Root { get; }

    /// <summary>What was read.</summary>
    public InspectionFacts Facts { get; }

    /// <summary>Findings, errors first, in the order they were found within a severity.</summary>
    public ImmutableArray<Finding> Findings { get; }

    /// <summary>The verdict.</summary>
    public Readiness Readiness
    {
        get
        {
            if (Findings.Any(f => f.Code is "not-windows" or "not-a-directory")
                || (Facts.Hives.Length > 0 && !Facts.Hives.Where(h => h.Hive is RegistryHive.System or RegistryHive.Software).Any(h => h.IsReadable)))
            {
                return Readiness.Unreadable;
            }

            return Findings.Any(f => f.Severity == FindingSeverity.Error) ? Readiness.NotReady : Readiness.Ready;
        }
    }

    /// <summary>Builds a report, ordering findings by severity (errors first).</summary>
    public static InspectionReport Create(string root, InspectionFacts facts, IEnumerable<Finding> findings)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(facts);
        ArgumentNullException.ThrowIfNull(findings);
        return new InspectionReport(root, facts, [.. findings.OrderByDescending(f => f.Severity)]);
    }
}
