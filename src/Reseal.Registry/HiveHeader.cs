using System.Buffers.Binary;

namespace Reseal.Registry;

/// <summary>
/// The base block (file offset 0, 4096 bytes, little-endian):
/// <c>regf</c> @0 · primary sequence @4 · secondary sequence @8 · last-written FILETIME @12 · major @20 · minor @24 ·
/// file type @28 (0 primary, 1/2/6 logs) · format @32 (1) · root cell offset @36 (relative to the hbin area at 4096) ·
/// hbin area size @40 · clustering factor @44 · file name (UTF-16LE, 64 bytes) @48 · checksum @508 = XOR of the
/// dwords at 0..507, with 0xFFFFFFFF stored as 0xFFFFFFFE and 0 as 1. Primary ≠ secondary or a bad checksum = dirty.
/// </summary>
public sealed record HiveHeader
{
    public const int Size = 4096;
    internal const int ChecksumOffset = BaseBlockLayout.Checksum;

    public required uint PrimarySequence { get; init; }
    public required uint SecondarySequence { get; init; }
    public required long LastWrittenFileTime { get; init; }
    public required uint MajorVersion { get; init; }
    public required uint MinorVersion { get; init; }
    public required uint FileType { get; init; }
    public required uint Format { get; init; }
    public required uint RootCellOffset { get; init; }
    public required uint HiveBinsDataSize { get; init; }
    public required uint ClusteringFactor { get; init; }
    public required uint StoredChecksum { get; init; }
    public required uint ComputedChecksum { get; init; }
    public required uint Flags { get; init; }

    /// <summary>The checksum stored in the base block matches its contents.</summary>
    public bool ChecksumValid => StoredChecksum == ComputedChecksum;

    /// <summary>The sequence numbers differ or the checksum is wrong: a write was interrupted and the logs hold the rest.</summary>
    public bool IsDirty => PrimarySequence != SecondarySequence || !ChecksumValid;

    /// <summary>Reads and validates the base block; throws <see cref="HiveFormatException"/> on anything unusable.</summary>
    internal static HiveHeader Parse(ReadOnlySpan<byte> file) => Parse(file, file.Length);

    /// <summary>
    /// Reads and validates the base block at the start of <paramref name="file"/> (at least its first 4096 bytes, or
    /// all of a shorter file) of a file <paramref name="fileLength"/> bytes long.
    /// </summary>
    internal static HiveHeader Parse(ReadOnlySpan<byte> file, long fileLength)
    {
        if (file.Length < 4 || !file[..4].SequenceEqual("regf"u8))
        {
            throw HiveFormatException.At(0, "base block", "not a registry hive: the file does not start with 'regf'");
        }

        if (file.Length < Size || fileLength < Size)
        {
            throw HiveFormatException.At(0, "base block",
                $"the file is {Math.Min(file.Length, fileLength)} bytes long, shorter than the {Size}-byte base block");
        }

        var r = new CellReader(file[..Size], 0, "base block");
        var header = new HiveHeader
        {
            PrimarySequence = r.U32(BaseBlockLayout.PrimarySequence, "primary sequence number"),
            SecondarySequence = r.U32(BaseBlockLayout.SecondarySequence, "secondary sequence number"),
            LastWrittenFileTime = (long)r.U64(BaseBlockLayout.LastWritten, "last-written time"),
            MajorVersion = r.U32(BaseBlockLayout.MajorVersion, "major version"),
            MinorVersion = r.U32(BaseBlockLayout.MinorVersion, "minor version"),
            FileType = r.U32(BaseBlockLayout.FileType, "file type"),
            Format = r.U32(BaseBlockLayout.Format, "file format"),
            RootCellOffset = r.U32(BaseBlockLayout.RootCell, "root cell offset"),
            HiveBinsDataSize = r.U32(BaseBlockLayout.HbinsSize, "hive bins data size"),
            ClusteringFactor = r.U32(BaseBlockLayout.ClusteringFactor, "clustering factor"),
            Flags = r.U32(BaseBlockLayout.Flags, "flags"),
            StoredChecksum = r.U32(ChecksumOffset, "checksum"),
            ComputedChecksum = ComputeChecksum(file),
        };
        if (header.MajorVersion != 1)
        {
            throw HiveFormatException.At(20, "base block", $"unsupported major version {header.MajorVersion} (only 1 exists)");
        }

        if (header.HiveBinsDataSize % 4096 != 0 || header.HiveBinsDataSize == 0)
        {
            throw HiveFormatException.At(40, "base block",
                $"hive bins data size 0x{header.HiveBinsDataSize:X} is not a non-zero multiple of 4096");
        }

        if ((long)Size + header.HiveBinsDataSize > fileLength)
        {
            throw HiveFormatException.At(40, "base block",
                $"hive bins data size 0x{header.HiveBinsDataSize:X} runs past the end of the {fileLength}-byte file (truncated hive?)");
        }

        return header;
    }

    /// <summary>XOR of the first 127 dwords, with the 0 → 1 and 0xFFFFFFFF → 0xFFFFFFFE rule.</summary>
    internal static uint ComputeChecksum(ReadOnlySpan<byte> baseBlock)
    {
        uint sum = 0;
        for (var i = 0; i < ChecksumOffset; i += 4)
        {
            sum ^= BinaryPrimitives.ReadUInt32LittleEndian(baseBlock.Slice(i, 4));
        }

        return sum switch
        {
            0xFFFFFFFF => 0xFFFFFFFE,
            0 => 1,
            _ => sum,
        };
    }

    /// <summary>Sets the checksum field of a 4096-byte base block.</summary>
    internal static void WriteChecksum(Span<byte> baseBlock) =>
        BinaryPrimitives.WriteUInt32LittleEndian(baseBlock.Slice(ChecksumOffset, 4), ComputeChecksum(baseBlock));
}
