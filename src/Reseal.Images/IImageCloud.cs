namespace Reseal.Images;

/// <summary>
/// The handful of calls image creation and verification need, implemented once per cloud. Every method throws only
/// <see cref="ImageCloudException"/> for expected failures (not found, refused, unreachable) and
/// <see cref="OperationCanceledException"/> when its token is cancelled.
/// </summary>
public interface IImageCloud : IDisposable
{
    /// <summary>Which cloud this is.</summary>
    CloudKind Kind { get; }

    /// <summary>What the cloud calls an instance ("instance", "server", "ECS").</summary>
    string MachineNoun { get; }

    /// <summary>The state of an instance or server.</summary>
    Task<MachineStatus> GetMachineAsync(string machineId, CancellationToken cancellationToken);

    /// <summary>Asks the cloud to create the image; returns as soon as it accepted.</summary>
    Task<CreatedImage> CreateImageAsync(CreateImageRequest request, CancellationToken cancellationToken);

    /// <summary>Where the image (or, on Huawei, its job) stands.</summary>
    Task<ImageStatus> GetImageAsync(CreatedImage image, CancellationToken cancellationToken);

    /// <summary>Launches one clone of the image, tagged as a verification instance; returns its id.</summary>
    Task<string> LaunchAsync(VerifyImageRequest request, CancellationToken cancellationToken);

    /// <summary>The clone's console output (the newest part the cloud keeps), or null when it has none yet.</summary>
    Task<string?> GetConsoleOutputAsync(string machineId, CancellationToken cancellationToken);

    /// <summary>The encrypted password the cloud holds for the clone (base64), or null while it has none.</summary>
    Task<string?> GetPasswordDataAsync(string machineId, CancellationToken cancellationToken);

    /// <summary>Terminates (deletes) the clone. Succeeds when it is already gone.</summary>
    Task TerminateAsync(string machineId, CancellationToken cancellationToken);
}
