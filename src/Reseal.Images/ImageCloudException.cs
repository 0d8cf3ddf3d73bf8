namespace Reseal.Images;

/// <summary>What kind of failure a cloud call ended in; decides the exit code and the advice.</summary>
public enum ImageFailureKind
{
    /// <summary>The instance, image or other named resource does not exist (or is not visible to these credentials).</summary>
    NotFound,

    /// <summary>The cloud refused a value we sent (a name already used, a malformed id, a bad parameter).</summary>
    InvalidRequest,

    /// <summary>The resource exists but is in a state the operation cannot use.</summary>
    WrongState,

    /// <summary>The cloud could not be reached, did not answer in time, or answered with something that is not its API.</summary>
    Unreachable,

    /// <summary>No credentials, or the cloud refused them (expired, wrong, not allowed).</summary>
    Credentials,

    /// <summary>The cloud accepted the request but could not carry it out (capacity, quota, an internal error).</summary>
    CloudFailed,
}

/// <summary>An expected failure of a cloud operation. The message names the resource and says what to do.</summary>
public sealed class ImageCloudException : Exception
{
    public ImageCloudException(ImageFailureKind kind, string message) : base(message) => Kind = kind;

    public ImageCloudException(ImageFailureKind kind, string message, Exception innerException)
        : base(message, innerException) => Kind = kind;

    public ImageCloudException()
    {
    }

    public ImageCloudException(string message) : base(message)
    {
    }

    public ImageCloudException(string message, Exception innerException) : base(message, innerException)
    {
    }

    /// <summary>What kind of failure this is.</summary>
    public ImageFailureKind Kind { get; } = ImageFailureKind.CloudFailed;
}
