using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Reseal.Agent.Boot.Config;
using Reseal.Agent.Boot.Runner;

namespace Reseal.Agent.Boot.Host.Phases;

/// <summary>Writes run.json (what <c>reseal agent status</c> reads): running at the start, how the run ended at the end.</summary>
internal static class RunStatusWriter
{
    /// <summary>
    /// Writes the status; a file that cannot be written is a warning in the log, never the end of the run. With
    /// <c>metadataFrom</c> it records the metadata source that answered the run and its endpoint: what the service
    /// watches after the run (GCE's password resets).
    /// </summary>
    public static void Write(AgentPaths paths, AgentLog log, string status, DateTimeOffset started, DateTimeOffset? finished, BootRunResult? result,
        bool rebootPending = false, (string Source, string Endpoint)? metadataFrom = null)
    {
        try
        {
            var json = new JsonObject
            {
                ["status"] = status,
                ["startedAt"] = started.ToString("O", CultureInfo.InvariantCulture),
                ["finishedAt"] = finished?.ToString("O", CultureInfo.InvariantCulture),
                ["processId"] = Environment.ProcessId,
                ["failed"] = result is null ? null : new JsonArray([.. result.Outcomes.Where(o => o.Outcome == TaskOutcomeKind.Failed)
                    .Select(o => (JsonNode?)JsonValue.Create($"{o.Stage.ToYamlName()} {o.Task}#{o.Entry.ToString(CultureInfo.InvariantCulture)}: {o.Message}"))]),
                ["readyAfterMs"] = result?.ReadyAfter is { } ready ? (long)ready.TotalMilliseconds : null,
                ["rebootPending"] = rebootPending,
                ["metadataSource"] = metadataFrom?.Source,
                ["metadataEndpoint"] = metadataFrom?.Endpoint,
            };
            AtomicFile.WriteText(paths.RunStatus, json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            log.Warning($"{paths.RunStatus} cannot be written ({e.Message}); 'reseal agent status' will not see this run");
        }
    }

    /// <summary>
    /// Removes run.json after a run that sealed the machine: the seal cleared the agent's state so the image carries
    /// none, and a record of this run (even "running", written at its start) would be read by a clone's
    /// <c>agent status --block</c> before the clone's own run begins.
    /// </summary>
    public static void Remove(AgentPaths paths, AgentLog log, string outcome)
    {
        try
        {
            File.Delete(paths.RunStatus);
            log.Info($"the machine is sealed: {paths.RunStatus} removed so the image carries no run record (this run {outcome})");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            log.Error($"the machine is sealed but {paths.RunStatus} could not be removed ({e.Message}); run 'reseal agent reset' before capturing");
        }
    }
}
