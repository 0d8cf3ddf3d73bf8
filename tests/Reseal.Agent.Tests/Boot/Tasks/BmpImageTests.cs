using System.Buffers.Binary;
using Reseal.TestSupport;

namespace Reseal.Agent.Tests.Boot.Tasks;

/// <summary>
/// The wallpaper tests' BMP fixture (tests/Reseal.TestSupport/BmpImage), which the in-memory machine renders every
/// wallpaper with: its bytes checked against a file laid out here by hand from the published format (BITMAPFILEHEADER,
/// BITMAPINFOHEADER, bottom-up rows of B,G,R padded to 4 bytes), for widths with every row padding (0 to 3 bytes).
/// </summary>
public sealed class BmpImageTests
{
    [Theory]
    [InlineData(1, 1, 0x336699u)]
    [InlineData(2, 3, 0x102030u)]
    [InlineData(3, 2, 0xFFFFFFu)]
    [InlineData(5, 3, 0x000001u)]
    [InlineData(7, 4, 0xABCDEFu)]
    [InlineData(1024, 768, 0x0E2A47u)]
    public void Solid_AnySize_WritesEveryPixelInTheColour(int width, int height, uint rgb)
    {
        var bytes = BmpImage.Solid(width, height, rgb).ToBytes();

        Assert.Equal(ByHand(width, height, (_, _) => rgb), bytes);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 2)]
    [InlineData(6, 5)]
    [InlineData(13, 7)]
    public void ToBytes_ReadImageOfDistinctPixels_WritesTheSameFileBack(int width, int height)
    {
        // Every pixel different, so a swapped channel, row or column shows.
        static uint Colour(int x, int y) => (uint)((x * 37) + (y * 4099) + 0x010203) & 0xFFFFFF;
        var file = ByHand(width, height, Colour);

        var image = BmpImage.Read(file);

        Assert.Equal(file, image.ToBytes());
        Assert.Equal(Colour(width - 1, 0), image.Pixel(width - 1, 0));
    }

    [Fact]
    public void Solid_Empty_WritesHeaderOnly()
    {
        var bytes = BmpImage.Solid(0, 0, 0x123456).ToBytes();

        Assert.Equal(54, bytes.Length);
        Assert.Equal(54, BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(2)));
    }

    // A 24-bit bottom-up BMP of colour(x, y) (0xRRGGBB, (0, 0) the top left), written field by field.
    private static byte[] ByHand(int width, int height, Func<int, int, uint> colour)
    {
        var stride = ((width * 3) + 3) / 4 * 4;
        var file = new byte[54 + (stride * height)];
        file[0] = (byte)'B';
        file[1] = (byte)'M';
        BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(2), file.Length); // bfSize
        BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(10), 54); // bfOffBits
        BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(14), 40); // biSize
        BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(18), width);
        BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(22), height); // positive: bottom-up
        BinaryPrimitives.WriteInt16LittleEndian(file.AsSpan(26), 1); // biPlanes
        BinaryPrimitives.WriteInt16LittleEndian(file.AsSpan(28), 24); // biBitCount
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var at = 54 + ((height - 1 - y) * stride) + (x * 3);
                var rgb = colour(x, y);
                file[at] = (byte)rgb;
                file[at + 1] = (byte)(rgb >> 8);
                file[at + 2] = (byte)(rgb >> 16);
            }
        }

        return file;
    }
}
