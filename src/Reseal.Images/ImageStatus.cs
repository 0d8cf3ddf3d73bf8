namespace Reseal.Images;

/// <summary>Where an image is in its creation, across clouds.</summary>
public enum ImagePhase
{
    /// <summary>Being made (EC2 <c>pending</c>, Glance <c>queued</c>/<c>saving</c>, IMS job <c>INIT</c>/<c>RUNNING</c>).</summary>
    Pending,

    /// <summary>Ready to launch (EC2 <c>available</c>, Glance/IMS <c>active</c>).</summary>
    Available,

    /// <summary>Failed for good (EC2 <c>failed</c>/<c>error</c>/<c>invalid</c>, Glance <c>killed</c>/<c>deleted</c>, IMS job <c>FAIL</c>).</summary>
    Failed,
}

/// <summary>An image being created, as far as the cloud has said.</summary>
/// <param name="ImageId">The image id; null while a Huawei IMS job has not yet named it.</param>
/// <param name="JobId">The asynchronous job that creates it (Huawei IMS), else null.</param>
public sealed record CreatedImage(string? ImageId, string? JobId);

/// <summary>An image's state as the cloud reported it.</summary>
/// <param name="ImageId">The image id, when known.</param>
/// <param name="State">The cloud's own word for the state.</param>
/// <param name="Phase">The state mapped to what Reseal acts on.</param>
/// <param name="Reason">Why it failed, when the cloud says (EC2 StateReason, IMS fail_reason).</param>
/// <param name="SnapshotIds">The snapshots behind the image (EC2), in device order.</param>
/// <param name="Progress">How far the copy is, 0–100, when the cloud says (EC2 snapshot progress, IMS job percent).</param>
public sealed record ImageStatus(
    string? ImageId,
    string State,
    ImagePhase Phase,
    string? Reason = null,
    IReadOnlyList<string>? SnapshotIds = null,
    double? Progress = null);
