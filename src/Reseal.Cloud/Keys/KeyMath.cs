using System.Numerics;

namespace Reseal.Cloud.Keys;

/// <summary>Big-endian unsigned integer helpers for RSA parameters.</summary>
internal static class KeyMath
{
    public static ReadOnlySpan<byte> TrimLeadingZeros(ReadOnlySpan<byte> value)
    {
        var i = 0;
        while (i < value.Length && value[i] == 0)
        {
            i++;
        }

        return value[i..];
    }

    /// <summary>Bit length of an unsigned big-endian integer (0 for zero).</summary>
    public static int BitLength(ReadOnlySpan<byte> value)
    {
        var trimmed = TrimLeadingZeros(value);
        if (trimmed.IsEmpty)
        {
            return 0;
        }

        return checked(((trimmed.Length - 1) * 8) + (32 - BitOperations.LeadingZeroCount((uint)trimmed[0])));
    }

    public static byte[] PadLeft(ReadOnlySpan<byte> value, int length, string field)
    {
        var trimmed = TrimLeadingZeros(value);
        if (trimmed.Length > length)
        {
            throw new CloudException($"RSA key: {field} is {trimmed.Length} bytes, longer than the expected {length}");
        }

        var result = new byte[length];
        trimmed.CopyTo(result.AsSpan(length - trimmed.Length));
        return result;
    }

    public static BigInteger ToBigInteger(ReadOnlySpan<byte> unsignedBigEndian) =>
        new(unsignedBigEndian, isUnsigned: true, isBigEndian: true);

    public static byte[] ToBytes(BigInteger value) => value.ToByteArray(isUnsigned: true, isBigEndian: true);
}
