using System.Text.Json;
using Reseal.Windows.Layout;

namespace Reseal.Agent.Boot.Host;

/// <summary>What run.json says about the last run.</summary>
/// <param name="Status"><c>running</c>, <c>completed</c>, <c>failed</c> or <c>rebooting</c> (or whatever the file holds).</param>
/// <param name="StartedAt">When the run started, as written (null when absent).</param>
/// <param name="Failed">The failed tasks, one line each.</param>
/// <param name="MetadataSource">The metadata source that answered the run (<c>Gce</c>, <c>Ec2</c>, …), or null.</param>
/// <param name="MetadataEndpoint">Where it answered from, or null.</param>
public sealed record RunStatusRecord(string? Status, string? StartedAt, IReadOnlyList<string> Failed, string? MetadataSource = null,
    string? MetadataEndpoint = null)
{
    /// <summary><see cref="StartedAt"/> as a time, or null when absent or not a time.</summary>
    public DateTimeOffset? StartedTime =>
        DateTimeOffset.TryParse(StartedAt, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.RoundtripKind, out var at) ? at : null;

    /// <summary>True for a run that ended (completed or failed).</summary>
    public bool Finished => Status is "completed" or "failed";
}

/// <summary>
/// The agent's run status (<c>run.json</c>, written by <see cref="AgentSession"/>) and its run lock (<c>agent.lock</c>,
/// held by a run): the names and the reading, in one place for the session, the service and <c>reseal agent status/reset</c>.
/// </summary>
public static class RunStatusFile
{
    /// <summary>The status file's name in the state folder.</summary>
    public const string FileName = AgentStateFiles.RunStatus;

    /// <summary>The run lock's name in the state folder.</summary>
    public const string LockFileName = "agent.lock";

    /// <summary>Reads run.json in <paramref name="stateDirectory"/>; null when there is none.</summary>
    /// <exception cref="JsonException">Not JSON.</exception>
    /// <exception cref="IOException">Unreadable.</exception>
    public static RunStatusRecord? Read(string stateDirectory)
    {
        var path = Path.Combine(stateDirectory, FileName);
        if (!File.Exists(path))
        {
            return null;
        }

        // StrictJson: a lone surrogate escape is a JsonException here (callers handle it), not an InvalidOperationException later.
        using var document = Reseal.Cloud.StrictJson.Parse(File.ReadAllText(path));
        var root = document.RootElement;
        string? Text(string name) => root.ValueKind == JsonValueKind.Object && root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        var failed = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("failed", out var f) && f.ValueKind == JsonValueKind.Array
            ? f.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.GetString()!).ToList()
            : [];
        return new RunStatusRecord(Text("status"), Text("startedAt"), failed, Text("metadataSource"), Text("metadataEndpoint"));
    }

    /// <summary>True when a run holds the lock in <paramref name="stateDirectory"/> now.</summary>
    public static bool IsLockHeld(string stateDirectory)
    {
        var path = Path.Combine(stateDirectory, LockFileName);
        if (!File.Exists(path))
        {
            return false;
        }

        try
        {
            using var probe = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
            return false;
        }
        catch (IOException)
        {
            return true;
        }
    }
}
