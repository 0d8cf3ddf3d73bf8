using System.Buffers.Binary;
using System.Numerics;

namespace Reseal.Registry;

/// <summary>Marvin32, the keyed 64-bit checksum HvLE log entries carry (two 32-bit lanes mixed per 4-byte word).</summary>
internal static class Marvin32
{
    /// <summary>The seed Windows uses for registry log entries.</summary>
    public const ulong RegistrySeed = 0x82EF4D887A4E55C5;

    public static ulong Compute(ReadOnlySpan<byte> data, ulong seed = RegistrySeed)
    {
        var p0 = (uint)seed;
        var p1 = (uint)(seed >> 32);
        var whole = data.Length & ~3;
        for (var i = 0; i < whole; i += 4)
        {
            p0 += BinaryPrimitives.ReadUInt32LittleEndian(data.Slice(i, 4));
            Mix(ref p0, ref p1);
        }

        var tail = data[whole..];
        uint final = tail.Length switch
        {
            0 => 0x80u,
            1 => 0x8000u | tail[0],
            2 => 0x800000u | tail[0] | ((uint)tail[1] << 8),
            _ => 0x80000000u | tail[0] | ((uint)tail[1] << 8) | ((uint)tail[2] << 16),
        };
        p0 += final;
        Mix(ref p0, ref p1);
        Mix(ref p0, ref p1);
        return ((ulong)p1 << 32) | p0;
    }

    private static void Mix(ref uint p0, ref uint p1)
    {
        p1 ^= p0;
        p0 = BitOperations.RotateLeft(p0, 20);
        p0 += p1;
        p1 = BitOperations.RotateLeft(p1, 9);
        p1 ^= p0;
        p0 = BitOperations.RotateLeft(p0, 27);
        p0 += p1;
        p1 = BitOperations.RotateLeft(p1, 19);
    }
}
