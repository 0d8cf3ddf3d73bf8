namespace Reseal.Sysprep.Seal;

/// <summary>
/// A bug in reseal (an exception no correct step meets) stopped a seal part-way. Thrown only after the journal has undone
/// what it could, so the machine is as it was (or the journal is kept and the message says what was not undone); the
/// original exception is the inner exception, for the bug report.
/// </summary>
public sealed class SealBugException : Exception
{
    /// <summary>Creates the exception for a bug at <paramref name="step"/>.</summary>
    public SealBugException(string step, IReadOnlyList<string> undoProblems, Exception innerException)
        : base(Describe(step, undoProblems), innerException)
    {
        Step = step;
    }

    /// <summary>The step that was being applied (<see cref="SealStepIds"/>).</summary>
    public string Step { get; }

    private static string Describe(string step, IReadOnlyList<string> undoProblems)
    {
        ArgumentNullException.ThrowIfNull(undoProblems);
        return undoProblems.Count == 0
            ? $"a bug in reseal stopped sealing at step {step}; every change was undone"
            : $"a bug in reseal stopped sealing at step {step}, and NOT everything was undone: {string.Join("; ", undoProblems)}";
    }
}
