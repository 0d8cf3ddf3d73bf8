using System.Runtime.InteropServices;
using System.Text;

namespace Reseal.Registry;

public sealed partial class Hive
{
    internal static string DecodeName(ReadOnlySpan<byte> raw, bool compressed)
    {
        if (compressed)
        {
            return Encoding.Latin1.GetString(raw);
        }

        return new string(MemoryMarshal.Cast<byte, char>(raw[..(raw.Length & ~1)]));
    }

    /// <summary>Decodes a stored name into <paramref name="destination"/> (at least raw.Length chars); returns its length.</summary>
    internal static int DecodeNameInto(ReadOnlySpan<byte> raw, bool compressed, Span<char> destination)
    {
        if (compressed)
        {
            for (var i = 0; i < raw.Length; i++)
            {
                destination[i] = (char)raw[i];
            }

            return raw.Length;
        }

        var chars = MemoryMarshal.Cast<byte, char>(raw[..(raw.Length & ~1)]);
        chars.CopyTo(destination);
        return chars.Length;
    }

    /// <summary>Appends the nk offsets of a subkey list (li/lf/lh, or ri of those) to <paramref name="into"/>.</summary>
    /// <remarks>
    /// Subkey list cells: a 2-byte signature and a u16 count, then the entries. <c>li</c>: u32 nk offsets.
    /// <c>lf</c>: u32 nk offset + 4-byte hint (first four name characters as stored, Latin-1, NUL-padded).
    /// <c>lh</c>: u32 nk offset + u32 hash (h = 37·h + c over the upcased UTF-16 units). <c>ri</c>: u32 offsets of
    /// li/lf/lh leaves (no nested ri), together sorted. Windows keeps every list sorted by upcased name.
    /// </remarks>
    internal void CollectSubkeys(uint listOffset, List<int> into, int limit)
    {
        var list = Cell(listOffset, "subkey list");
        if (list.HasSignature('r', 'i'))
        {
            var count = list.U16(ListLayout.Count, "count");
            for (var i = 0; i < count; i++)
            {
                var leafOffset = list.U32(checked(ListLayout.Entries + (4 * i)), "ri entry");
                var leaf = Cell(leafOffset, "subkey list (ri leaf)");
                if (leaf.HasSignature('r', 'i'))
                {
                    throw leaf.Fail("an ri list contains another ri list (nesting is not allowed)");
                }

                CollectLeaf(leaf, into, limit);
            }
        }
        else
        {
            CollectLeaf(list, into, limit);
        }
    }

    private static void CollectLeaf(CellReader leaf, List<int> into, int limit)
    {
        int stride;
        if (leaf.HasSignature('l', 'h') || leaf.HasSignature('l', 'f'))
        {
            stride = ListLayout.HashedEntry;
        }
        else if (leaf.HasSignature('l', 'i'))
        {
            stride = 4;
        }
        else
        {
            throw leaf.Fail("expected a subkey list signature (li, lf, lh or ri)");
        }

        var count = leaf.U16(ListLayout.Count, "count");
        if (into.Count + count > limit)
        {
            throw leaf.Fail($"subkey lists hold more entries than the {limit} subkeys the hbin area can contain");
        }

        _ = leaf.Bytes(ListLayout.Entries, checked(count * stride), "entries");
        for (var i = 0; i < count; i++)
        {
            into.Add((int)leaf.U32(ListLayout.Entries + (i * stride), "entry"));
        }
    }

    /// <summary>Looks a child up by name: lh hashes, lf hints, then a name check.</summary>
    internal RegistryKey? FindSubkey(uint listOffset, string name)
    {
        var list = Cell(listOffset, "subkey list");
        if (list.HasSignature('r', 'i'))
        {
            var count = list.U16(ListLayout.Count, "count");
            for (var i = 0; i < count; i++)
            {
                var found = FindInLeaf(Cell(list.U32(checked(ListLayout.Entries + (4 * i)), "ri entry"), "subkey list (ri leaf)"), name);
                if (found is not null)
                {
                    return found;
                }
            }

            return null;
        }

        return FindInLeaf(list, name);
    }

    private RegistryKey? FindInLeaf(CellReader leaf, string name)
    {
        var count = leaf.U16(ListLayout.Count, "count");
        if (leaf.HasSignature('l', 'h'))
        {
            var hash = NameRules.LhHash(name);
            _ = leaf.Bytes(ListLayout.Entries, count * ListLayout.HashedEntry, "entries");
            for (var i = 0; i < count; i++)
            {
                if (leaf.U32(ListLayout.Entries + 4 + (i * ListLayout.HashedEntry), "hash") == hash && NameMatches(leaf.U32(ListLayout.Entries + (i * ListLayout.HashedEntry), "entry"), name))
                {
                    return new RegistryKey(this, (int)leaf.U32(ListLayout.Entries + (i * ListLayout.HashedEntry), "entry"));
                }
            }

            return null;
        }

        if (leaf.HasSignature('l', 'f'))
        {
            _ = leaf.Bytes(ListLayout.Entries, count * ListLayout.HashedEntry, "entries");
            for (var i = 0; i < count; i++)
            {
                var hint = leaf.U32(ListLayout.Entries + 4 + (i * ListLayout.HashedEntry), "hint");
                if (HintMayMatch(hint, name) && NameMatches(leaf.U32(ListLayout.Entries + (i * ListLayout.HashedEntry), "entry"), name))
                {
                    return new RegistryKey(this, (int)leaf.U32(ListLayout.Entries + (i * ListLayout.HashedEntry), "entry"));
                }
            }

            return null;
        }

        if (leaf.HasSignature('l', 'i'))
        {
            _ = leaf.Bytes(ListLayout.Entries, count * 4, "entries");
            for (var i = 0; i < count; i++)
            {
                if (NameMatches(leaf.U32(ListLayout.Entries + (i * 4), "entry"), name))
                {
                    return new RegistryKey(this, (int)leaf.U32(ListLayout.Entries + (i * 4), "entry"));
                }
            }

            return null;
        }

        throw leaf.Fail("expected a subkey list signature (li, lf, lh or ri)");
    }

    private static bool HintMayMatch(uint hint, string name)
    {
        if (hint == 0)
        {
            return true;
        }

        for (var i = 0; i < 4; i++)
        {
            var c = (char)((hint >> (8 * i)) & 0xFF);
            if (i >= name.Length)
            {
                return c == 0;
            }

            if (NameRules.Upcase(c) != NameRules.Upcase(name[i]))
            {
                return false;
            }
        }

        return true;
    }

    private bool NameMatches(uint nkOffset, string name) =>
        NameRules.EqualsIgnoreCase(new RegistryKey(this, (int)nkOffset).Name, name);
}
