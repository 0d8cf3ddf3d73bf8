using System.Buffers.Binary;

namespace Reseal.TestSupport;

/// <summary>
/// 24-bit BMP files for the wallpaper tests, written and read by the format's published layout (BITMAPFILEHEADER, 14
/// bytes; BITMAPINFOHEADER, 40 bytes; rows of B,G,R padded to 4 bytes, bottom-up when the height is positive), so a test
/// can hand GDI+ a known image and check what it wrote without trusting the code under test.
/// </summary>
public sealed class BmpImage
{
    private readonly byte[] _pixels; // top-down rows of (R, G, B)

    private BmpImage(int width, int height, byte[] pixels) => (Width, Height, _pixels) = (width, height, pixels);

    /// <summary>Width in pixels.</summary>
    public int Width { get; }

    /// <summary>Height in pixels.</summary>
    public int Height { get; }

    /// <summary>An image of one colour (0xRRGGBB).</summary>
    public static BmpImage Solid(int width, int height, uint rgb)
    {
        var pixels = new byte[checked(width * height * 3)];
        if (pixels.Length > 0)
        {
            // One pixel, then the filled part copied onto the rest, doubling: the in-memory machine renders every
            // wallpaper this way, and bench/agent.sh times it, so a byte-at-a-time loop would be counted as the agent's.
            (pixels[0], pixels[1], pixels[2]) = ((byte)(rgb >> 16), (byte)(rgb >> 8), (byte)rgb);
            for (var filled = 3; filled < pixels.Length; filled *= 2)
            {
                pixels.AsSpan(0, Math.Min(filled, pixels.Length - filled)).CopyTo(pixels.AsSpan(filled));
            }
        }

        return new BmpImage(width, height, pixels);
    }

    /// <summary>The pixel at (x, y) from the top left, as 0xRRGGBB.</summary>
    public uint Pixel(int x, int y)
    {
        var i = ((y * Width) + x) * 3;
        return ((uint)_pixels[i] << 16) | ((uint)_pixels[i + 1] << 8) | _pixels[i + 2];
    }

    /// <summary>The file's bytes (bottom-up, 24 bits per pixel).</summary>
    public byte[] ToBytes()
    {
        var stride = ((Width * 3) + 3) & ~3;
        var bytes = new byte[54 + (stride * Height)];
        bytes[0] = (byte)'B';
        bytes[1] = (byte)'M';
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(2), bytes.Length);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(10), 54);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(14), 40);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(18), Width);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(22), Height);
        BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(26), 1);
        BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(28), 24);
        for (var y = 0; y < Height; y++)
        {
            // Row by row through spans (bounds checked once per row, not per byte): see Solid.
            var source = _pixels.AsSpan(y * Width * 3, Width * 3);
            var target = bytes.AsSpan(54 + ((Height - 1 - y) * stride), Width * 3);
            for (var i = 0; i + 2 < source.Length; i += 3)
            {
                (target[i], target[i + 1], target[i + 2]) = (source[i + 2], source[i + 1], source[i]);
            }
        }

        return bytes;
    }

    /// <summary>
    /// Reads an uncompressed 24- or 32-bit BMP (what GDI+'s BMP encoder writes for 24bppRGB); throws
    /// <see cref="InvalidDataException"/> naming what is wrong for anything else.
    /// </summary>
    public static BmpImage Read(byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        if (bytes.Length < 54 || bytes[0] != 'B' || bytes[1] != 'M')
        {
            throw new InvalidDataException($"not a BMP file ({bytes.Length} bytes)");
        }

        var offset = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(10));
        var width = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(18));
        var rawHeight = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(22));
        var bits = BinaryPrimitives.ReadInt16LittleEndian(bytes.AsSpan(28));
        var compression = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(30));
        if (bits is not 24 and not 32 || compression is not 0 and not 3 || width <= 0 || rawHeight == 0)
        {
            throw new InvalidDataException($"BMP of {bits} bits, compression {compression}, {width}x{rawHeight}: not read here");
        }

        var height = Math.Abs(rawHeight);
        var size = bits / 8;
        var stride = ((width * size) + 3) & ~3;
        if (offset < 54 || (long)offset + ((long)stride * height) > bytes.Length)
        {
            throw new InvalidDataException($"BMP pixel data ({stride}x{height} from offset {offset}) runs past the file's {bytes.Length} bytes");
        }

        var pixels = new byte[width * height * 3];
        for (var y = 0; y < height; y++)
        {
            var row = offset + ((rawHeight > 0 ? height - 1 - y : y) * stride);
            for (var x = 0; x < width; x++)
            {
                var i = ((y * width) + x) * 3;
                var p = row + (x * size);
                (pixels[i], pixels[i + 1], pixels[i + 2]) = (bytes[p + 2], bytes[p + 1], bytes[p]);
            }
        }

        return new BmpImage(width, height, pixels);
    }
}
