using System.Buffers.Binary;

namespace Reseal.Registry;

/// <summary>
/// The security descriptor a new hive's root gets: self-relative, owner and group BUILTIN\Administrators, a DACL with
/// inheritable full control for SYSTEM and Administrators and read for Everyone.
/// </summary>
internal static class DefaultSecurity
{
    private const uint KeyAllAccess = 0xF003F;
    private const uint KeyRead = 0x20019;
    private const byte InheritAll = 0x03; // OBJECT_INHERIT_ACE | CONTAINER_INHERIT_ACE

    public static byte[] Descriptor()
    {
        byte[] administrators = [1, 2, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0, 0x20, 2, 0, 0];
        byte[] system = [1, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0];
        byte[] everyone = [1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0];
        var aces = new List<byte[]>
        {
            Ace(KeyAllAccess, system),
            Ace(KeyAllAccess, administrators),
            Ace(KeyRead, everyone),
        };
        var aclSize = 8 + aces.Sum(a => a.Length);
        var acl = new byte[aclSize];
        acl[0] = 2; // ACL_REVISION
        BinaryPrimitives.WriteUInt16LittleEndian(acl.AsSpan(2), (ushort)aclSize);
        BinaryPrimitives.WriteUInt16LittleEndian(acl.AsSpan(4), (ushort)aces.Count);
        var at = 8;
        foreach (var ace in aces)
        {
            ace.CopyTo(acl, at);
            at += ace.Length;
        }

        // Header (20) · owner · group · DACL.
        var ownerOffset = 20;
        var groupOffset = ownerOffset + administrators.Length;
        var daclOffset = groupOffset + administrators.Length;
        var sd = new byte[daclOffset + acl.Length];
        sd[0] = 1; // revision
        BinaryPrimitives.WriteUInt16LittleEndian(sd.AsSpan(2), 0x8004); // SE_SELF_RELATIVE | SE_DACL_PRESENT
        BinaryPrimitives.WriteUInt32LittleEndian(sd.AsSpan(4), (uint)ownerOffset);
        BinaryPrimitives.WriteUInt32LittleEndian(sd.AsSpan(8), (uint)groupOffset);
        BinaryPrimitives.WriteUInt32LittleEndian(sd.AsSpan(16), (uint)daclOffset);
        administrators.CopyTo(sd, ownerOffset);
        administrators.CopyTo(sd, groupOffset);
        acl.CopyTo(sd, daclOffset);
        return sd;
    }

    private static byte[] Ace(uint mask, byte[] sid)
    {
        var ace = new byte[8 + sid.Length];
        ace[0] = 0; // ACCESS_ALLOWED_ACE_TYPE
        ace[1] = InheritAll;
        BinaryPrimitives.WriteUInt16LittleEndian(ace.AsSpan(2), (ushort)ace.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(ace.AsSpan(4), mask);
        sid.CopyTo(ace, 8);
        return ace;
    }
}
