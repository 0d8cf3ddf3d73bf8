using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Globalization;
using System.Text;

namespace Reseal.Windows.Ports;

/// <summary>
/// A security identifier. Binary form: revision u8 (1) · sub-authority count u8 · identifier authority 6 bytes
/// big-endian · count × u32 little-endian sub-authorities. Text form: <c>S-1-5-21-a-b-c[-rid]</c>.
/// </summary>
public sealed record WindowsSid
{
    private WindowsSid(ulong authority, ImmutableArray<uint> subAuthorities)
    {
        Authority = authority;
        SubAuthorities = subAuthorities;
    }

    /// <summary>The identifier authority (5 = NT).</summary>
    public ulong Authority { get; }

    /// <summary>The sub-authorities.</summary>
    public ImmutableArray<uint> SubAuthorities { get; }

    /// <summary>Size of the binary form.</summary>
    public int BinaryLength => 8 + (4 * SubAuthorities.Length);

    /// <summary>A SID from authority and sub-authorities.</summary>
    public static WindowsSid Create(ulong authority, params ReadOnlySpan<uint> subAuthorities)
    {
        if (subAuthorities.Length > 15)
        {
            throw new ArgumentException("a SID has at most 15 sub-authorities", nameof(subAuthorities));
        }

        return new WindowsSid(authority, [.. subAuthorities]);
    }

    /// <summary>Reads a binary SID at the start of <paramref name="bytes"/>; null when it is not one.</summary>
    public static WindowsSid? TryRead(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 8 || bytes[0] != 1 || bytes[1] > 15 || bytes.Length < 8 + (4 * bytes[1]))
        {
            return null;
        }

        ulong authority = 0;
        for (var i = 2; i < 8; i++)
        {
            authority = (authority << 8) | bytes[i];
        }

        var subs = new uint[bytes[1]];
        for (var i = 0; i < subs.Length; i++)
        {
            subs[i] = BinaryPrimitives.ReadUInt32LittleEndian(bytes[(8 + (4 * i))..]);
        }

        return new WindowsSid(authority, [.. subs]);
    }

    /// <summary>Parses <c>S-1-…</c> text; null when it is not a SID.</summary>
    public static WindowsSid? TryParse(string? text)
    {
        if (text is null || !text.StartsWith("S-1-", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var parts = text[4..].Split('-');
        if (parts.Length is < 1 or > 16
            || !ulong.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var authority))
        {
            return null;
        }

        var subs = new uint[parts.Length - 1];
        for (var i = 1; i < parts.Length; i++)
        {
            if (!uint.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out subs[i - 1]))
            {
                return null;
            }
        }

        return new WindowsSid(authority, [.. subs]);
    }

    /// <summary>The binary form (the layout <see cref="TryRead"/> reads).</summary>
    public byte[] ToBytes()
    {
        var bytes = new byte[BinaryLength];
        bytes[0] = 1;
        bytes[1] = (byte)SubAuthorities.Length;
        for (var i = 0; i < 6; i++)
        {
            bytes[2 + i] = (byte)(Authority >> (8 * (5 - i)));
        }

        for (var i = 0; i < SubAuthorities.Length; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8 + (4 * i)), SubAuthorities[i]);
        }

        return bytes;
    }

    /// <summary>This SID with one more sub-authority (a domain SID plus a RID gives an account SID).</summary>
    public WindowsSid WithRid(uint rid) => new(Authority, SubAuthorities.Add(rid));

    /// <summary>The last sub-authority, or null when there is none.</summary>
    public uint? Rid => SubAuthorities.IsEmpty ? null : SubAuthorities[^1];

    /// <summary>The SID without its last sub-authority.</summary>
    public WindowsSid? Domain => SubAuthorities.IsEmpty ? null : new(Authority, SubAuthorities.RemoveAt(SubAuthorities.Length - 1));

    /// <summary>True when the text forms are equal.</summary>
    public bool Equals(WindowsSid? other) => other is not null && Authority == other.Authority && SubAuthorities.SequenceEqual(other.SubAuthorities);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Authority, SubAuthorities.Length, SubAuthorities.IsEmpty ? 0 : SubAuthorities[^1]);

    /// <summary>The <c>S-1-…</c> text.</summary>
    public override string ToString()
    {
        var text = new StringBuilder("S-1-");
        text.Append(Authority.ToString(CultureInfo.InvariantCulture));
        foreach (var sub in SubAuthorities)
        {
            text.Append('-').Append(sub.ToString(CultureInfo.InvariantCulture));
        }

        return text.ToString();
    }
}
