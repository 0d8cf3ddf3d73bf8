using System.Globalization;
using Reseal.Agent.Boot.Config;
using Reseal.Agent.Boot.ConsoleOutput;
using Reseal.Cloud;
using Reseal.Cloud.Metadata;

namespace Reseal.Agent.Boot.Host.Phases;

/// <summary>The metadata a run got, and the provider that gave it (owned by the run unless the caller injected it).</summary>
/// <param name="Metadata">The metadata, or null when no source answered in time.</param>
/// <param name="Provider">The provider that answered, or null.</param>
/// <param name="Owned">True when the run created the provider and disposes of it.</param>
internal sealed record AcquiredMetadata(InstanceMetadata? Metadata, IMetadataProvider? Provider, bool Owned) : IDisposable
{
    /// <summary>No metadata.</summary>
    public static AcquiredMetadata None { get; } = new(null, null, false);

    /// <inheritdoc/>
    public void Dispose()
    {
        if (Owned)
        {
            Provider?.Dispose();
        }
    }
}

/// <summary>
/// Waits for metadata within bounds: the providers the options inject, else those the configuration's <c>metadata</c>
/// section names, else the default order; retried until one answers or the wait is over, then the run goes on without.
/// </summary>
internal static class MetadataPhase
{
    /// <summary>Acquires the metadata, writing the documented console lines.</summary>
    public static async Task<AcquiredMetadata> AcquireAsync(AgentRun run, MetadataSettings? settings, CancellationToken cancellationToken)
    {
        var (log, options, time) = (run.Log, run.Options, run.Time);
        var injected = options.Providers is not null;
        var providers = options.Providers ?? CreateProviders(settings, log);
        var wait = settings?.WaitSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : options.MetadataWait;
        run.Line(ConsoleLines.WaitingForMetadata);
        if (providers.Count == 0)
        {
            run.Line(ConsoleLines.MetadataNotAvailable);
            log.Warning("no metadata source is configured or mounted: going on without metadata");
            return AcquiredMetadata.None;
        }

        var deadline = time.GetUtcNow() + wait;
        var attempt = 0;
        while (true)
        {
            attempt++;
            var detection = await MetadataDetector.DetectAsync(providers, cancellationToken).ConfigureAwait(false);
            if (detection.Provider is { } provider)
            {
                try
                {
                    var metadata = await provider.GetMetadataAsync(cancellationToken).ConfigureAwait(false);
                    run.Line(ConsoleLines.MetadataAvailable);
                    log.Info($"metadata from {provider.Source} at {provider.Endpoint} ({metadata.Protocol ?? "?"}), instance {metadata.InstanceId}");
                    DisposeAllBut(providers, provider, injected);
                    return new AcquiredMetadata(metadata, provider, Owned: !injected);
                }
                catch (CloudException e)
                {
                    log.Warning($"metadata attempt {attempt.ToString(CultureInfo.InvariantCulture)}: {e.Message}");
                }
            }
            else if (attempt == 1)
            {
                log.Info("no metadata source answered: tried " + string.Join(", ", detection.Tried.Select(t => $"{t.Source} at {t.Endpoint}")));
            }

            if (time.GetUtcNow() >= deadline)
            {
                run.Line(ConsoleLines.MetadataTimedOut);
                log.Warning($"no metadata after {wait.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s: going on without it (no launch key, no user data)");
                DisposeAllBut(providers, null, injected);
                return AcquiredMetadata.None;
            }

            await Task.Delay(options.MetadataRetryDelay, time, cancellationToken).ConfigureAwait(false);
        }
    }

    // Injected providers are the caller's: never disposed here.
    private static void DisposeAllBut(IReadOnlyList<IMetadataProvider> providers, IMetadataProvider? keep, bool injected)
    {
        if (injected)
        {
            return;
        }

        foreach (var provider in providers.Where(p => !ReferenceEquals(p, keep)))
        {
            provider.Dispose();
        }
    }

    private static List<IMetadataProvider> CreateProviders(MetadataSettings? settings, AgentLog log)
    {
        if (settings is null || (settings.Sources.Count == 0 && settings.Endpoints.Count == 0))
        {
            return [.. MetadataDetector.CreateProviders()];
        }

        var names = settings.Sources.Count > 0 ? settings.Sources : [.. MetadataDetector.DefaultOrder.Select(SourceName)];
        var providers = new List<IMetadataProvider>();
        foreach (var name in names)
        {
            var source = MetadataDetector.ParseSource(name);
            try
            {
                if (settings.Endpoints.TryGetValue(name, out var endpoint))
                {
                    providers.Add(MetadataDetector.Create(source, endpoint));
                }
                else
                {
                    providers.AddRange(MetadataDetector.CreateProviders([source]));
                }
            }
            catch (ArgumentException e)
            {
                log.Warning($"metadata source {name}: {e.Message}");
            }
        }

        return providers;
    }

    private static string SourceName(MetadataSource source) => source.ToString().ToLowerInvariant();
}
