using System.Buffers.Binary;

namespace Reseal.Cloud.Keys;

/// <summary>
/// Reads the SSH wire encoding (RFC 4251 §5): <c>uint32</c> big-endian, <c>string</c> = uint32 length + bytes,
/// <c>mpint</c> = a string holding a two's-complement big-endian integer. Every read is bounds-checked against the
/// remaining input and fails with a <see cref="CloudException"/> naming what was being read and at which offset.
/// </summary>
internal ref struct SshWireReader
{
    private readonly ReadOnlySpan<byte> _data;
    private readonly string _what;

    public SshWireReader(ReadOnlySpan<byte> data, string what)
    {
        _data = data;
        _what = what;
        Offset = 0;
    }

    public int Offset { get; private set; }

    public readonly int Remaining => _data.Length - Offset;

    public uint ReadUInt32(string field)
    {
        if (Remaining < 4)
        {
            throw Truncated(field, 4);
        }

        var value = BinaryPrimitives.ReadUInt32BigEndian(_data.Slice(Offset, 4));
        Offset += 4;
        return value;
    }

    public ReadOnlySpan<byte> ReadBytes(int count, string field)
    {
        if (count < 0 || Remaining < count)
        {
            throw Truncated(field, count);
        }

        var slice = _data.Slice(Offset, count);
        Offset += count;
        return slice;
    }

    public ReadOnlySpan<byte> ReadString(string field)
    {
        var start = Offset;
        var length = ReadUInt32(field);
        if (length > (uint)Remaining)
        {
            throw new CloudException(
                $"{_what}: {field} at offset {start} claims {length} bytes but only {Remaining} remain");
        }

        return ReadBytes((int)length, field);
    }

    public string ReadAscii(string field)
    {
        var bytes = ReadString(field);
        foreach (var b in bytes)
        {
            if (b is < 0x20 or > 0x7E)
            {
                throw new CloudException($"{_what}: {field} at offset {Offset - bytes.Length} is not printable ASCII");
            }
        }

        return System.Text.Encoding.ASCII.GetString(bytes);
    }

    /// <summary>A non-negative mpint as an unsigned big-endian magnitude without leading zero bytes.</summary>
    public byte[] ReadPositiveMpint(string field)
    {
        var start = Offset;
        var bytes = ReadString(field);
        if (bytes.Length > 0 && (bytes[0] & 0x80) != 0)
        {
            throw new CloudException($"{_what}: {field} at offset {start} is a negative integer");
        }

        return KeyMath.TrimLeadingZeros(bytes).ToArray();
    }

    private readonly CloudException Truncated(string field, int wanted) =>
        new($"{_what}: truncated while reading {field} at offset {Offset} (needed {wanted} bytes, {Remaining} remain)");
}
