using Reseal.Agent.Boot.Config;
using Reseal.Agent.Boot.Tasks;
using Reseal.Cloud.Metadata;

namespace Reseal.Agent.Boot.Host.Phases;

/// <summary>
/// What a run does with a metadata source beyond reading its metadata: where a random password is posted back, and what
/// runs once the tasks are over. One registration per source in <see cref="All"/>; the session asks for the one of the
/// source that answered and never tests provider types itself.
/// </summary>
internal abstract class CloudHooks
{
    /// <summary>The registered hooks, one per source that has any (the other sources have none).</summary>
    public static IReadOnlyList<CloudHooks> All { get; } = [new OpenStackHooks(), new ConfigDriveHooks(), new GceHooks(), new AzureHooks()];

    /// <summary>The source these hooks serve.</summary>
    public abstract MetadataSource Source { get; }

    /// <summary>The hooks of the source that gave <paramref name="acquired"/>, or hooks that do nothing.</summary>
    public static CloudHooks For(AcquiredMetadata acquired)
    {
        ArgumentNullException.ThrowIfNull(acquired);
        return acquired.Metadata is { } metadata ? All.FirstOrDefault(h => h.Source == metadata.Source) ?? NoHooks.Instance : NoHooks.Instance;
    }

    /// <summary>Where a random password is posted back (disposable when the hooks created a client for it), or null.</summary>
    public virtual Task<IPasswordPostBack?> PostBackAsync(AgentRun run, AcquiredMetadata acquired, MetadataSettings? settings, CancellationToken cancellationToken) =>
        Task.FromResult<IPasswordPostBack?>(null);

    /// <summary>
    /// The metadata with user data the cloud leaves on the machine rather than serves (Azure's custom data), when the
    /// source served none; <paramref name="metadata"/> itself otherwise.
    /// </summary>
    public virtual InstanceMetadata WithLocalUserData(AgentRun run, InstanceMetadata metadata) => metadata;

    /// <summary>Runs after the stages (and before a seal's follow-up and any reboot).</summary>
    public virtual Task AfterTasksAsync(AgentRun run, AcquiredMetadata acquired, CancellationToken cancellationToken) => Task.CompletedTask;

    private sealed class NoHooks : CloudHooks
    {
        public static NoHooks Instance { get; } = new();

        public override MetadataSource Source => (MetadataSource)(-1);
    }
}

/// <summary>OpenStack (and Huawei): the password is posted to the metadata service that answered (Nova keeps the first).</summary>
internal sealed class OpenStackHooks : CloudHooks
{
    public override MetadataSource Source => MetadataSource.OpenStack;

    // The provider's optional capability: null when a caller injected a provider of this source without the endpoint
    // (then nothing is posted, as before these hooks were registered).
    public override Task<IPasswordPostBack?> PostBackAsync(AgentRun run, AcquiredMetadata acquired, MetadataSettings? settings, CancellationToken cancellationToken) =>
        Task.FromResult<IPasswordPostBack?>(acquired.Provider?.PasswordEndpoint is { } endpoint ? new OpenStackPostBack(endpoint, owned: null) : null);
}

/// <summary>A config drive carries no password endpoint: post to the metadata service when the cloud also runs one.</summary>
internal sealed class ConfigDriveHooks : CloudHooks
{
    public override MetadataSource Source => MetadataSource.ConfigDrive;

    public override async Task<IPasswordPostBack?> PostBackAsync(AgentRun run, AcquiredMetadata acquired, MetadataSettings? settings, CancellationToken cancellationToken)
    {
        // The configuration's endpoint was checked to be an absolute http(s) URL when it was read.
        var endpoint = settings?.Endpoints.GetValueOrDefault("openstack");
        var service = new OpenStackMetadataProvider(endpoint is null ? null : new Uri(endpoint, UriKind.Absolute));
        if (await service.IsAvailableAsync(cancellationToken).ConfigureAwait(false))
        {
            run.Log.Info($"the password will be posted to {service.Endpoint}");
            return new OpenStackPostBack(service, owned: service);
        }

        run.Log.Info($"no OpenStack metadata service at {service.Endpoint}: the password is published on the console only");
        service.Dispose();
        return null;
    }
}

/// <summary>Posts to an OpenStack metadata service's password endpoint; disposes <paramref name="owned"/> when given.</summary>
internal sealed class OpenStackPostBack(IPasswordEndpoint provider, IDisposable? owned) : IPasswordPostBack, IDisposable
{
    public string Endpoint => provider.Endpoint;

    public async Task<bool> HoldsPasswordAsync(CancellationToken cancellationToken) =>
        !string.IsNullOrWhiteSpace(await provider.GetStoredPasswordAsync(cancellationToken).ConfigureAwait(false));

    public Task<PasswordPostResult> PostAsync(string encryptedPasswordBase64, CancellationToken cancellationToken) =>
        provider.PostPasswordAsync(encryptedPasswordBase64, cancellationToken);

    public void Dispose() => owned?.Dispose();
}

/// <summary>
/// Azure: custom data is not served by IMDS; Azure decodes it and writes it to <c>%SYSTEMDRIVE%\AzureData\CustomData.bin</c>
/// (at most 65,535 bytes) and never runs it on Windows. The agent runs it as user data, in the formats it reads, when IMDS
/// has no user data; when both exist, IMDS user data runs and the console says the custom data did not.
/// </summary>
internal sealed class AzureHooks : CloudHooks
{
    /// <summary>Where Azure leaves custom data on Windows.</summary>
    public const string CustomDataPath = @"%SYSTEMDRIVE%\AzureData\CustomData.bin";

    /// <summary>The most Azure writes (its documented limit for the decoded custom data).</summary>
    public const int MaxCustomDataBytes = 65535;

    public override MetadataSource Source => MetadataSource.Azure;

    public override InstanceMetadata WithLocalUserData(AgentRun run, InstanceMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(metadata);
        var files = run.Machine.Files;
        string path;
        byte[] bytes;
        try
        {
            path = files.Expand(CustomDataPath);
            if (!files.FileExists(path))
            {
                return metadata;
            }

            var length = files.GetFileLength(path) ?? 0;
            if (length > MaxCustomDataBytes)
            {
                run.Line($"Message: Azure custom data {path} is {length} bytes, more than the {MaxCustomDataBytes} Azure writes; not run");
                return metadata;
            }

            bytes = files.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            run.Log.Warning($"Azure custom data could not be read: {e.Message}");
            run.Line($"Message: Azure custom data could not be read ({ConsoleOutput.ConsoleLines.OneLine(e.Message)}); not run");
            return metadata;
        }

        if (bytes.Length == 0)
        {
            return metadata;
        }

        if (metadata.HasUserData)
        {
            run.Line($"Message: user data from Azure IMDS runs; the custom data in {path} ({bytes.Length} bytes) does not (give one or the other)");
            return metadata;
        }

        run.Line($"Message: user data from Azure custom data {path} ({bytes.Length} bytes)");
        return metadata with { UserData = bytes };
    }
}
