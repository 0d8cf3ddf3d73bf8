using System.Buffers.Binary;

namespace Reseal.Agent.Boot.Tasks;

/// <summary>
/// The format and pixel size of an image, read from its first bytes before anything decodes it, so that an image too
/// large to draw (or not an image at all) is refused with a clear reason instead of being handed to the codecs.
/// Formats (the ones the Windows wallpaper and GDI+ take):
/// <list type="bullet">
/// <item>BMP: "BM", then BITMAPINFOHEADER's width and height as int32 at offsets 18 and 22 (height negative when top-down);
/// BITMAPCOREHEADER (size 12) has uint16 width/height at 18 and 20.</item>
/// <item>PNG: the 8-byte signature, then the IHDR chunk: big-endian uint32 width and height at offsets 16 and 20.</item>
/// <item>GIF: "GIF87a"/"GIF89a", then the logical screen's little-endian uint16 width and height at 6 and 8.</item>
/// <item>JPEG: FF D8, then marker segments; a start-of-frame marker (C0–CF but C4, C8, CC) holds big-endian uint16 height
/// and width at offsets 3 and 5 of its segment. Only the head read is searched.</item>
/// </list>
/// </summary>
public readonly record struct WallpaperImageHeader(string Format, int Width, int Height)
{
    /// <summary>How many bytes of the head are read (a JPEG's frame header follows its EXIF block, which may be large).</summary>
    public const int HeadBytes = 256 * 1024;

    private static ReadOnlySpan<byte> PngSignature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>The header of <paramref name="head"/>, or null with <paramref name="problem"/> saying what it is not.</summary>
    public static WallpaperImageHeader? Read(ReadOnlySpan<byte> head, out string problem)
    {
        problem = "";
        if (head.Length >= 26 && head[0] == 'B' && head[1] == 'M')
        {
            var infoSize = BinaryPrimitives.ReadUInt32LittleEndian(head[14..]);
            if (infoSize == 12)
            {
                return new("BMP", BinaryPrimitives.ReadUInt16LittleEndian(head[18..]), BinaryPrimitives.ReadUInt16LittleEndian(head[20..]));
            }

            var height = BinaryPrimitives.ReadInt32LittleEndian(head[22..]);
            return new("BMP", BinaryPrimitives.ReadInt32LittleEndian(head[18..]), height == int.MinValue ? int.MaxValue : Math.Abs(height));
        }

        if (head.Length >= 24 && head[..8].SequenceEqual(PngSignature) && head[12..16].SequenceEqual("IHDR"u8))
        {
            return new("PNG", Clamp(BinaryPrimitives.ReadUInt32BigEndian(head[16..])), Clamp(BinaryPrimitives.ReadUInt32BigEndian(head[20..])));
        }

        if (head.Length >= 10 && (head[..6].SequenceEqual("GIF87a"u8) || head[..6].SequenceEqual("GIF89a"u8)))
        {
            return new("GIF", BinaryPrimitives.ReadUInt16LittleEndian(head[6..]), BinaryPrimitives.ReadUInt16LittleEndian(head[8..]));
        }

        if (head.Length >= 4 && head[0] == 0xFF && head[1] == 0xD8)
        {
            return ReadJpeg(head, out problem);
        }

        problem = "not a BMP, PNG, GIF or JPEG image (its first bytes are none of their signatures)";
        return null;
    }

    private static WallpaperImageHeader? ReadJpeg(ReadOnlySpan<byte> head, out string problem)
    {
        var at = 2;
        while (at + 4 <= head.Length)
        {
            if (head[at] != 0xFF)
            {
                problem = $"a JPEG whose marker at offset {at} is damaged";
                return null;
            }

            var marker = head[at + 1];
            if (marker == 0xFF)
            {
                at++;
                continue;
            }

            var length = BinaryPrimitives.ReadUInt16BigEndian(head[(at + 2)..]);
            if (marker is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC)
            {
                if (at + 9 > head.Length)
                {
                    break;
                }

                problem = "";
                return new("JPEG", BinaryPrimitives.ReadUInt16BigEndian(head[(at + 7)..]), BinaryPrimitives.ReadUInt16BigEndian(head[(at + 5)..]));
            }

            if (length < 2)
            {
                problem = $"a JPEG whose segment at offset {at} has length {length}";
                return null;
            }

            at += 2 + length;
        }

        problem = $"a JPEG without a frame header in its first {HeadBytes / 1024} KiB";
        return null;
    }

    private static int Clamp(uint value) => value > int.MaxValue ? int.MaxValue : (int)value;
}
