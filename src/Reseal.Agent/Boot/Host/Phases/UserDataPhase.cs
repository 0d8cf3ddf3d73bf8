using System.Globalization;
using Reseal.Agent.Boot.ConsoleOutput;
using Reseal.Agent.Boot.UserData;
using Reseal.Cloud.Metadata;

namespace Reseal.Agent.Boot.Host.Phases;

/// <summary>Parses the instance's user data against the run's tasks; its problems are logged and said on the console.</summary>
internal static class UserDataPhase
{
    /// <summary>The parsed user data, or null when the metadata has none.</summary>
    public static UserDataResult? Parse(AgentRun run, InstanceMetadata? metadata)
    {
        if (metadata is not { HasUserData: true })
        {
            return null;
        }

        var log = run.Log;
        var result = UserDataParser.Parse(metadata.UserData.Span, source: "user data", tasks: run.Options.Tasks);
        log.Info($"user data: {result.FormatName}, {result.RawBytes.ToString(CultureInfo.InvariantCulture)} bytes, {result.Items.Count.ToString(CultureInfo.InvariantCulture)} item(s)");
        foreach (var diagnostic in result.Diagnostics.Where(d => d.Severity != DiagnosticSeverity.Info))
        {
            // Unsupported or malformed user data is said on the console too, never dropped silently.
            log.Warning(diagnostic.ToString());
            run.Line($"Message: user data {diagnostic.Severity.ToString().ToLowerInvariant()} {diagnostic.Code}: {ConsoleLines.OneLine(diagnostic.Message)}");
        }

        return result;
    }
}
