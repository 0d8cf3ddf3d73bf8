namespace Reseal.Cloud;

/// <summary>A metadata provider, key or password operation failed; the message names what and where.</summary>
public sealed class CloudException : Exception
{
    public CloudException(string message) : base(message)
    {
    }

    public CloudException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
