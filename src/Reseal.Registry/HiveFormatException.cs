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

    /// <summary>File offset of the structure that was wrong, when known.</summary>
    public long? FileOffset { get; private init; }

    /// <summary>Name of the structure that was wrong (base block, hbin, nk, vk...), when known.</summary>
    public string? Structure { get; private init; }

    /// <summary>The same error with the file's path in front of the message.</summary>
    internal HiveFormatException InFile(string path) =>
        new($"{path}: {Message}", this)
        {
            FileOffset = FileOffset,
            Structure = Structure,
        };

    internal static HiveFormatException At(long fileOffset, string structure, string problem) =>
        new($"{structure} at file offset 0x{fileOffset:X}: {problem}")
        {
            FileOffset = fileOffset,
            Structure = structure,
        };
}
