namespace Reseal.Cloud.Metadata;

/// <summary>When a metadata script runs.</summary>
public enum CloudScriptPhase
{
    /// <summary>GCE <c>sysprep-specialize-script-*</c>: once, on the instance's first boot, before the startup scripts.</summary>
    Specialize,

    /// <summary>GCE <c>windows-startup-script-*</c>: at every boot.</summary>
    Startup,

    /// <summary>GCE <c>windows-shutdown-script-*</c>: when Windows shuts down (run by the service).</summary>
    Shutdown,
}

/// <summary>A script the metadata carries (GCE's metadata scripts).</summary>
/// <param name="Phase">When it runs.</param>
/// <param name="Kind"><c>ps1</c>, <c>cmd</c>, <c>bat</c> or <c>url</c> (the key's suffix).</param>
/// <param name="Value">The script text, or for <c>url</c> the address of the script.</param>
/// <param name="Key">The metadata key it came from.</param>
/// <param name="Scope"><c>instance</c> or <c>project</c> metadata.</param>
public sealed record CloudScript(CloudScriptPhase Phase, string Kind, string Value, string Key, string Scope);

/// <summary>
/// GCE's metadata-script keys and their order. On Windows GCE's runner looks, for each phase, at the suffixes
/// <c>ps1</c>, <c>cmd</c>, <c>bat</c>, <c>url</c> in that order (URL last on Windows), taking each key from the instance's
/// metadata when set there, else from the project's; empty values are ignored.
/// </summary>
public static class GceScripts
{
    /// <summary>The suffixes, in the order the scripts run.</summary>
    public static IReadOnlyList<string> Kinds { get; } = ["ps1", "cmd", "bat", "url"];

    /// <summary>Largest script value kept (a metadata value may be 256 KB; a URL script is bounded separately).</summary>
    public const int MaxValueLength = 256 * 1024;

    /// <summary>The key prefix of <paramref name="phase"/>.</summary>
    public static string Prefix(CloudScriptPhase phase) => phase switch
    {
        CloudScriptPhase.Specialize => "sysprep-specialize-script-",
        CloudScriptPhase.Startup => "windows-startup-script-",
        _ => "windows-shutdown-script-",
    };

    /// <summary>Every metadata script in <paramref name="instance"/> or <paramref name="project"/> attributes, phase by phase, in run order.</summary>
    public static IReadOnlyList<CloudScript> From(IReadOnlyDictionary<string, string> instance, IReadOnlyDictionary<string, string> project)
    {
        ArgumentNullException.ThrowIfNull(instance);
        ArgumentNullException.ThrowIfNull(project);
        var scripts = new List<CloudScript>();
        foreach (var phase in Enum.GetValues<CloudScriptPhase>())
        {
            foreach (var kind in Kinds)
            {
                var key = Prefix(phase) + kind;
                var (value, scope) = instance.TryGetValue(key, out var own) && own.Length > 0 ? (own, "instance")
                    : project.TryGetValue(key, out var shared) && shared.Length > 0 ? (shared, "project") : (null, "");
                if (value is null)
                {
                    continue;
                }

                if (value.Length > MaxValueLength)
                {
                    throw new CloudException($"GCE metadata: {scope} attribute '{key}' is {value.Length} characters; at most {MaxValueLength} are read");
                }

                scripts.Add(new CloudScript(phase, kind, value, key, scope));
            }
        }

        return scripts;
    }
}

/// <summary>
/// The optional capability of a metadata service whose scripts may be given as an address (GCE's <c>*-script-url</c>:
/// <c>gs://bucket/object</c> or an http(s) URL), fetched with the instance's own credentials where the service has them.
/// </summary>
public interface IScriptDownloader
{
    /// <summary>The script at <paramref name="url"/>; a <see cref="CloudException"/> that names the address when it cannot be had.</summary>
    Task<byte[]> DownloadScriptAsync(string url, CancellationToken cancellationToken);
}
