namespace Reseal.Registry;

/// <summary>A hive file is malformed: the only exception hive parsing throws.</summary>
public sealed class HiveFormatException : Exception
{
    public HiveFormatException(string message) : base(message)
    {
    }

    public HiveFormatException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
