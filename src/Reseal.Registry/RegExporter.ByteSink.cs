using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace Reseal.Registry;

public static partial class RegExporter
{
    /// <summary>
    /// A buffered byte writer with the few formatting primitives the export needs; without an output stream it
    /// discards everything (<see cref="Check"/>'s walk).
    /// </summary>
    private sealed class ByteSink(Stream? output)
    {
        /// <summary>A sink that writes nothing anywhere.</summary>
        public static ByteSink Discarding() => new(null);

        /// <summary>Whether what is written goes nowhere (callers may skip formatting it).</summary>
        public bool Discards => output is null;

        private static ReadOnlySpan<byte> HexDigits => "0123456789abcdef"u8;

        // A discarding sink only ever holds a key line's fixed parts (names are skipped): a small buffer will do. A real
        // one writes 256 KiB at a time: through a pipe widened to 1 MiB (reseal's OutputPipe) the export ran in 0.86x the
        // time it took writing 64 KiB at a time, 128 KiB was slower and 1 MiB no faster for 2 MiB more (docs/benchmarks.md).
        private readonly byte[] _buffer = new byte[output is null ? 256 : 1 << 18];
        private int _used;

        public void WriteByte(byte b)
        {
            if (_used == _buffer.Length)
            {
                Flush();
            }

            _buffer[_used++] = b;
        }

        public void WriteAscii(string text)
        {
            Reserve(text.Length);
            foreach (var c in text)
            {
                _buffer[_used++] = (byte)c;
            }
        }

        /// <summary>Latin-1 when every character fits (Perl prints such strings as bytes), otherwise UTF-8.</summary>
        public void WritePerlString(ReadOnlySpan<char> text)
        {
            if (output is null)
            {
                return;
            }

            if (text.Length <= 1024)
            {
                Reserve(text.Length * 3);
                if (NameRules.IsLatin1(text))
                {
                    _used += Encoding.Latin1.GetBytes(text, _buffer.AsSpan(_used));
                }
                else
                {
                    _used += Encoding.UTF8.GetBytes(text, _buffer.AsSpan(_used));
                }

                return;
            }

            Flush();
            var bytes = (NameRules.IsLatin1(text) ? Encoding.Latin1 : Encoding.UTF8).GetBytes(text.ToArray());
            output.Write(bytes, 0, bytes.Length);
        }

        public void WriteHex32(uint value, int minimumDigits)
        {
            Reserve(8);
            var digits = 8;
            while (digits > minimumDigits && (value >> ((digits - 1) * 4)) == 0)
            {
                digits--;
            }

            for (var i = digits - 1; i >= 0; i--)
            {
                _buffer[_used++] = HexDigits[(int)((value >> (i * 4)) & 0xF)];
            }
        }

        /// <summary>
        /// <c>hh,hh,…</c>; with <paramref name="continued"/> every byte has its comma (the data goes on from an
        /// earlier piece).
        /// </summary>
        public void WriteHexBytes(ReadOnlySpan<byte> data, bool continued = false)
        {
            if (data.IsEmpty)
            {
                return;
            }

            var i = 0;
            if (!continued)
            {
                Reserve(2);
                _buffer[_used++] = HexDigits[data[0] >> 4];
                _buffer[_used++] = HexDigits[data[0] & 0xF];
                i = 1;
            }

            var table = CommaHex;
            while (i < data.Length)
            {
                if (_buffer.Length - _used < 4)
                {
                    Flush();
                }

                // Room for n entries of 3 bytes plus the 4th byte each 4-byte store spills into (overwritten next).
                var n = Math.Min((_buffer.Length - _used - 1) / 3, data.Length - i);
                ref var destination = ref MemoryMarshal.GetArrayDataReference(_buffer);
                for (var j = 0; j < n; j++)
                {
                    Unsafe.WriteUnaligned(ref Unsafe.Add(ref destination, _used + (3 * j)), table[data[i + j]]);
                }

                _used += 3 * n;
                i += n;
            }
        }

        /// <summary>Little-endian ",hh\0" for every byte value.</summary>
        private static readonly uint[] CommaHex = BuildCommaHex();

        private static uint[] BuildCommaHex()
        {
            var table = new uint[256];
            for (var b = 0; b < 256; b++)
            {
                table[b] = ',' | ((uint)HexDigits[b >> 4] << 8) | ((uint)HexDigits[b & 0xF] << 16);
            }

            return table;
        }

        public void Flush()
        {
            output?.Write(_buffer, 0, _used);
            _used = 0;
        }

        private void Reserve(int count)
        {
            if (_used + count > _buffer.Length)
            {
                Flush();
                if (count > _buffer.Length)
                {
                    throw new InvalidOperationException("single write larger than the export buffer");
                }
            }
        }
    }
}
