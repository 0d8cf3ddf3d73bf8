using System.Buffers.Binary;

namespace Reseal.Registry;

/// <summary>Outcome of replaying transaction logs: the recovered hive image and what was applied.</summary>
public sealed record ReplayResult(byte[] Hive, uint FirstSequence, uint LastSequence, int EntriesApplied,
    IReadOnlyList<string> Notes)
{
    /// <summary>
    /// The highest sequence number any log used (valid base blocks and every entry with a good hash, applied or
    /// not); a hive written after this replay must use a sequence above it (registry.md §1.11 item 1).
    /// </summary>
    public uint HighestSequenceSeen { get; init; }
}

/// <summary>
/// Replays transaction logs into a dirty primary hive (registry.md §1.10).
/// </summary>
/// <remarks>
/// Both log formats start with a 512-byte copy of a base block.
/// Old format (file type 1 or 2): <c>DIRT</c> @512, then a bitmap with one bit per 512-byte page of the hbin area
/// (LSB first), then the dirty pages packed in bitmap order from the next 512-byte boundary; page i goes to file
/// offset 4096 + 512·i. It applies only if its base block is valid and its timestamp equals the primary's.
/// New format (file type 6): 512-aligned <c>HvLE</c> entries from 512: <c>HvLE</c> · size · flags · sequence ·
/// hbins size · dirty page count · Hash-1 (Marvin32 of bytes 40..size) · Hash-2 (Marvin32 of bytes 0..32) ·
/// {hbin-relative offset, size}×count · the pages. Entries apply in sequence order from the log whose base block is
/// earlier, starting at its base-block sequence, stopping at a gap, a bad hash or a bad hbins size, and continuing in
/// the other log only at last+1 (or, when the first used log applied nothing, only at that log's start: a later log
/// never restarts at its own base). An entry may grow the image by at most the log's length (and to at most 1 GiB),
/// and must write every page it adds; otherwise replay stops before it. The result gets seq1 = seq2 = last
/// sequence, type 0, a fresh checksum; an old-format log's result is cut to the hbins size in its base block.
/// </remarks>
public static class LogReplayer
{
    private const int LogHeaderSize = 512;
    private const int EntryHeaderSize = 40;
    private const int PageSize = 4096;

    /// <summary>No log may grow a hive image beyond this (1 GiB); real hives stay far below it.</summary>
    private const long MaxImageSize = 1L << 30;

    /// <summary>Replays logs into a copy of the primary; the primary bytes are not changed.</summary>
    public static ReplayResult Replay(ReadOnlySpan<byte> primary, IReadOnlyList<byte[]> logs)
    {
        ArgumentNullException.ThrowIfNull(logs);
        var header = HiveHeader.Parse(primary);
        var image = primary.ToArray();
        var notes = new List<string>();
        var newFormat = new List<NewLog>();
        foreach (var log in logs)
        {
            if (log.Length < LogHeaderSize + 4 || !log.AsSpan(0, 4).SequenceEqual("regf"u8))
            {
                notes.Add("a log file is empty or has no base block; ignored");
                continue;
            }

            var signature = log.AsSpan(LogHeaderSize, 4);
            if (signature.SequenceEqual("HvLE"u8))
            {
                newFormat.Add(new NewLog(log, BinaryPrimitives.ReadUInt32LittleEndian(log.AsSpan(4, 4))));
            }
            else if (signature.SequenceEqual("DIRT"u8))
            {
                if (ApplyOldLog(image, header, log, notes) is { } hbinsSize)
                {
                    // The log's base block says how big the hbin area is; anything after it in the file is a tail
                    // that is not part of the hive.
                    Array.Resize(ref image, Hive.HbinAreaStart + (int)hbinsSize);
                    return Finish(image, header.PrimarySequence, header.PrimarySequence, 1, flags: null, notes) with
                    {
                        HighestSequenceSeen = HighestSequence(logs) ?? 0,
                    };
                }
            }
            else
            {
                notes.Add("a log file has neither DIRT nor HvLE at offset 512; ignored");
            }
        }

        if (newFormat.Count == 0)
        {
            throw HiveFormatException.At(0, "transaction log", "no usable log: the dirty hive cannot be recovered from these files");
        }

        // The log whose base block is earlier (serial-number order) holds the earlier entries.
        newFormat.Sort((a, b) => (int)(a.BaseSequence - b.BaseSequence) < 0 ? -1 : a.BaseSequence == b.BaseSequence ? 0 : 1);
        var primaryValid = header.ChecksumValid;
        if (!primaryValid)
        {
            // The primary's base block cannot be trusted: take the newest log's base block and only that log.
            var newest = newFormat[^1];
            newest.Bytes.AsSpan(0, LogHeaderSize).CopyTo(image);
            image.AsSpan(LogHeaderSize, HiveHeader.Size - LogHeaderSize).Clear();
            newFormat = [newest];
            notes.Add("the hive's base block checksum is wrong; replayed from the newest log and its base block only");
        }

        uint? last = null;
        uint? start = null;
        uint first = 0;
        uint flags = 0;
        var applied = 0;
        var stopped = false;
        foreach (var log in newFormat)
        {
            if (stopped)
            {
                break;
            }

            // Once a log has been used, every later log may only continue the sequence: at last+1, or, when
            // nothing was applied yet, at the sequence the first used log started from. Never at its own base.
            var expected = last is { } l ? l + 1 : start ?? log.BaseSequence;
            if (start is null && primaryValid && (int)(expected - header.SecondarySequence) < 0)
            {
                notes.Add($"log with base sequence {expected} is older than the hive (secondary {header.SecondarySequence}); skipped");
                continue;
            }

            start ??= expected;
            foreach (var entry in ReadEntries(log.Bytes, notes))
            {
                if ((int)(entry.Sequence - expected) < 0)
                {
                    continue;
                }

                if (entry.Sequence != expected)
                {
                    break;
                }

                if (GrowthProblem(image.Length, entry, log.Bytes) is { } problem)
                {
                    notes.Add($"HvLE entry {entry.Sequence} at log offset 0x{entry.Position:X} {problem}; replay stops there");
                    stopped = true;
                    break;
                }

                ApplyEntry(ref image, entry, log.Bytes);
                if (last is null)
                {
                    first = entry.Sequence;
                }

                last = entry.Sequence;
                flags = entry.Flags;
                expected = entry.Sequence + 1;
                applied++;
            }
        }

        if (last is null)
        {
            throw HiveFormatException.At(LogHeaderSize, "HvLE", "no log entry continues the hive's sequence; nothing could be replayed");
        }

        return Finish(image, first, last.Value, applied, flags, notes) with { HighestSequenceSeen = HighestSequence(logs) ?? 0 };
    }

    /// <summary>
    /// The highest sequence number in the logs' valid base blocks and hash-checked HvLE entries (including entries
    /// that replay would not apply), "highest" in serial-number order (it wraps at 2^32 as Windows' counter does);
    /// null when there is none. Never throws: the logs may be garbage.
    /// </summary>
    internal static uint? HighestSequence(IReadOnlyList<byte[]> logs)
    {
        uint? highest = null;
        foreach (var log in logs)
        {
            if (log is null || log.Length < LogHeaderSize || !log.AsSpan(0, 4).SequenceEqual("regf"u8))
            {
                continue;
            }

            var baseBlock = log.AsSpan(0, LogHeaderSize);
            var stored = BinaryPrimitives.ReadUInt32LittleEndian(baseBlock[HiveHeader.ChecksumOffset..]);
            if (stored == HiveHeader.ComputeChecksum(baseBlock))
            {
                highest = Later(highest, BinaryPrimitives.ReadUInt32LittleEndian(baseBlock[BaseBlockLayout.PrimarySequence..]));
                highest = Later(highest, BinaryPrimitives.ReadUInt32LittleEndian(baseBlock[BaseBlockLayout.SecondarySequence..]));
            }

            if (log.Length >= LogHeaderSize + 4 && log.AsSpan(LogHeaderSize, 4).SequenceEqual("HvLE"u8))
            {
                foreach (var entry in ReadEntries(log, []))
                {
                    highest = Later(highest, entry.Sequence);
                }
            }
        }

        return highest;
    }

    private static uint Later(uint? current, uint candidate) =>
        current is { } c ? RegfCells.LaterSequence(c, candidate) : candidate;

    /// <summary>
    /// Why an entry may not resize the image, or null. Growth is bounded by the log's own length (a log cannot hold
    /// less than the pages it adds) and an absolute cap, and every newly added page must be written by the entry.
    /// </summary>
    private static string? GrowthProblem(int imageLength, Entry entry, byte[] log)
    {
        var needed = Hive.HbinAreaStart + (long)entry.HbinsSize;
        if (needed <= imageLength)
        {
            return null;
        }

        if (needed > MaxImageSize || needed - imageLength > log.Length)
        {
            return $"grows the hive from {imageLength} to {needed} bytes, more than the {log.Length}-byte log can supply";
        }

        var oldHbins = Math.Max(0L, imageLength - Hive.HbinAreaStart);
        var firstNewPage = (oldHbins + PageSize - 1) / PageSize;
        var pageCount = (int)((entry.HbinsSize / PageSize) - firstNewPage);
        if (pageCount <= 0)
        {
            return null;
        }

        // One flag per 512-byte sector of the new pages; a sector counts when a dirty page covers all of it.
        var firstSector = firstNewPage * PageSize / LogHeaderSize;
        var covered = new bool[pageCount * (PageSize / LogHeaderSize)];
        var span = log.AsSpan(entry.Position, entry.Size);
        for (var i = 0; i < entry.PageCount; i++)
        {
            var offset = (long)BinaryPrimitives.ReadUInt32LittleEndian(span[(EntryHeaderSize + (8 * i))..]);
            var size = (long)BinaryPrimitives.ReadUInt32LittleEndian(span[(EntryHeaderSize + (8 * i) + 4)..]);
            var from = Math.Max((offset + LogHeaderSize - 1) / LogHeaderSize, firstSector);
            var to = Math.Min((offset + size) / LogHeaderSize, firstSector + covered.Length);
            for (var sector = from; sector < to; sector++)
            {
                covered[sector - firstSector] = true;
            }
        }

        var missing = Array.IndexOf(covered, false);
        if (missing >= 0)
        {
            return $"grows the hbin area to 0x{entry.HbinsSize:X} bytes but does not write the new bytes at hbin offset 0x{(firstSector + missing) * LogHeaderSize:X}";
        }

        return null;
    }

    private static ReplayResult Finish(byte[] image, uint first, uint last, int applied, uint? flags, List<string> notes)
    {
        var span = image.AsSpan();
        BinaryPrimitives.WriteUInt32LittleEndian(span[4..], last);
        BinaryPrimitives.WriteUInt32LittleEndian(span[8..], last);
        BinaryPrimitives.WriteUInt32LittleEndian(span[28..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(span[40..], checked((uint)(image.Length - Hive.HbinAreaStart)));
        if (flags is { } f)
        {
            var old = BinaryPrimitives.ReadUInt32LittleEndian(span[144..]);
            BinaryPrimitives.WriteUInt32LittleEndian(span[144..], (old & ~1u) | (f & 1u));
        }

        HiveHeader.WriteChecksum(span[..HiveHeader.Size]);
        return new ReplayResult(image, first, last, applied, notes);
    }

    /// <summary>Applies an old-format log; returns the hbins size its base block declares, or null when it does not apply.</summary>
    private static uint? ApplyOldLog(byte[] image, HiveHeader primary, byte[] log, List<string> notes)
    {
        var logHeader = log.AsSpan(0, LogHeaderSize);
        var seq1 = BinaryPrimitives.ReadUInt32LittleEndian(logHeader[4..]);
        var seq2 = BinaryPrimitives.ReadUInt32LittleEndian(logHeader[8..]);
        var stamp = (long)BinaryPrimitives.ReadUInt64LittleEndian(logHeader[12..]);
        var stored = BinaryPrimitives.ReadUInt32LittleEndian(logHeader[HiveHeader.ChecksumOffset..]);
        if (seq1 != seq2 || stored != HiveHeader.ComputeChecksum(logHeader) || stamp != primary.LastWrittenFileTime)
        {
            notes.Add("old-format log does not belong to this hive state (sequence, checksum or timestamp mismatch); ignored");
            return null;
        }

        var hbinsSize = BinaryPrimitives.ReadUInt32LittleEndian(logHeader[40..]);
        if (hbinsSize % 4096 != 0 || hbinsSize > image.Length - Hive.HbinAreaStart)
        {
            notes.Add("old-format log declares an hbins size the hive does not have; ignored");
            return null;
        }

        var pages = (int)(hbinsSize / 512);
        var bitmapBytes = (pages + 7) / 8;
        var bitmapStart = LogHeaderSize + 4;
        if (bitmapStart + bitmapBytes > log.Length)
        {
            throw HiveFormatException.At(bitmapStart, "DIRT", "dirty-page bitmap runs past the end of the log");
        }

        var dataStart = (long)(bitmapStart + bitmapBytes + 511) / 512 * 512;
        var next = dataStart;
        for (var page = 0; page < pages; page++)
        {
            if ((log[bitmapStart + (page / 8)] & (1 << (page % 8))) == 0)
            {
                continue;
            }

            if (next + 512 > log.Length)
            {
                throw HiveFormatException.At(next, "DIRT", $"dirty page {page} lies past the end of the log");
            }

            log.AsSpan((int)next, 512).CopyTo(image.AsSpan(Hive.HbinAreaStart + (page * 512)));
            next += 512;
        }

        logHeader.CopyTo(image);
        return hbinsSize;
    }

    private static IEnumerable<Entry> ReadEntries(byte[] log, List<string> notes)
    {
        var position = LogHeaderSize;
        while (position + EntryHeaderSize <= log.Length)
        {
            var span = log.AsSpan(position);
            if (!span[..4].SequenceEqual("HvLE"u8))
            {
                yield break;
            }

            var size = BinaryPrimitives.ReadUInt32LittleEndian(span[4..]);
            var flags = BinaryPrimitives.ReadUInt32LittleEndian(span[8..]);
            var sequence = BinaryPrimitives.ReadUInt32LittleEndian(span[12..]);
            var hbinsSize = BinaryPrimitives.ReadUInt32LittleEndian(span[16..]);
            var pageCount = BinaryPrimitives.ReadUInt32LittleEndian(span[20..]);
            var hash1 = BinaryPrimitives.ReadUInt64LittleEndian(span[24..]);
            var hash2 = BinaryPrimitives.ReadUInt64LittleEndian(span[32..]);
            if (size < EntryHeaderSize || size % 512 != 0 || size > span.Length)
            {
                notes.Add($"HvLE entry at log offset 0x{position:X} has a bad size {size}; replay stops there");
                yield break;
            }

            var entry = span[..(int)size];
            if (Marvin32.Compute(entry[..32]) != hash2 || Marvin32.Compute(entry[EntryHeaderSize..]) != hash1)
            {
                notes.Add($"HvLE entry {sequence} at log offset 0x{position:X} fails its Marvin32 check; replay stops there");
                yield break;
            }

            if (hbinsSize % 4096 != 0 || hbinsSize == 0 || (ulong)pageCount * 8 > size - EntryHeaderSize)
            {
                notes.Add($"HvLE entry {sequence} at log offset 0x{position:X} has a bad hbins size or page count; replay stops there");
                yield break;
            }

            yield return new Entry(position, (int)size, flags, sequence, hbinsSize, (int)pageCount);
            position += (int)size;
        }
    }

    private static void ApplyEntry(ref byte[] image, Entry entry, byte[] log)
    {
        var needed = checked(Hive.HbinAreaStart + (long)entry.HbinsSize);
        if (needed > int.MaxValue)
        {
            throw HiveFormatException.At(entry.Position, "HvLE", "hbins size over 2 GiB");
        }

        if (image.Length != needed)
        {
            Array.Resize(ref image, (int)needed);
        }

        var span = log.AsSpan(entry.Position, entry.Size);
        long data = EntryHeaderSize + (8L * entry.PageCount);
        for (var i = 0; i < entry.PageCount; i++)
        {
            var offset = BinaryPrimitives.ReadUInt32LittleEndian(span[(EntryHeaderSize + (8 * i))..]);
            var size = BinaryPrimitives.ReadUInt32LittleEndian(span[(EntryHeaderSize + (8 * i) + 4)..]);
            if (data + size > entry.Size || (long)offset + size > entry.HbinsSize)
            {
                throw HiveFormatException.At(entry.Position, "HvLE",
                    $"dirty page {i} (offset 0x{offset:X}, {size} bytes) lies outside the entry or the hbin area");
            }

            span.Slice((int)data, (int)size).CopyTo(image.AsSpan(Hive.HbinAreaStart + (int)offset));
            data += size;
        }
    }

    private sealed record NewLog(byte[] Bytes, uint BaseSequence);

    private sealed record Entry(int Position, int Size, uint Flags, uint Sequence, uint HbinsSize, int PageCount);
}
