namespace Reseal.Windows.Ports;

/// <summary>A hive could not be read or written: missing, damaged, or dirty without the logs that would repair it.</summary>
public sealed class HiveUnavailableException : IOException
{
    public HiveUnavailableException()
        : base("hive unavailable")
    {
    }

    public HiveUnavailableException(string message)
        : base(message)
    {
    }

    public HiveUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for one hive.</summary>
    public HiveUnavailableException(RegistryHive hive, string message, Exception? innerException = null)
        : base($"{RegistryHives.DisplayName(hive)}: {message}", innerException)
    {
        Hive = hive;
    }

    /// <summary>The hive concerned, when known.</summary>
    public RegistryHive? Hive { get; }
}
