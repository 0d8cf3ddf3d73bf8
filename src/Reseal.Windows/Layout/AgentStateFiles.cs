namespace Reseal.Windows.Layout;

/// <summary>
/// The names of the agent's files in its state folder (<see cref="SealPaths.StateDirectory"/>) that a seal deletes, so a
/// clone starts with none of the builder's runs: the agent writes them, the seal resets them (part of the on-disk
/// contract, <see cref="SealPaths"/>).
/// </summary>
public static class AgentStateFiles
{
    /// <summary>The current state file.</summary>
    public const string State = "state.json";

    /// <summary>The backup of the state before the last save.</summary>
    public const string PreviousState = "previous-state.json";

    /// <summary>The marker the first-boot hand-over writes when Setup has finished.</summary>
    public const string SetupHandOverMarker = "setup-complete.json";

    /// <summary>The run status of the last agent run.</summary>
    public const string RunStatus = "run.json";

    /// <summary>True for the name of a state save in progress (or one a crash interrupted) beside <see cref="State"/>.</summary>
    public static bool IsTemporaryStateFile(string fileName) => AtomicFile.IsTempName(fileName, State);
}
