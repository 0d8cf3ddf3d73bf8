using System.Buffers.Binary;
using System.Text;
using Reseal.Registry;
using Reseal.Windows.Ports;

namespace Reseal.Windows.Offline;

/// <summary>
/// The LSA policy facts in a SECURITY hive: the account domain (the machine's own SID and name) and the primary domain
/// (workgroup or AD domain, and its SID when joined).
/// </summary>
/// <remarks>
/// Each fact is the default value of a key under <c>Policy</c>. Names (<c>PolAcDmN</c>, <c>PolPrDmN</c>, <c>PolDnDDN</c>)
/// are a UNICODE_STRING header (length u16 @0 in bytes, maximum length u16 @2, buffer offset u32 @4, normally 8)
/// followed by UTF-16LE text. SIDs (<c>PolAcDmS</c>, <c>PolPrDmS</c>) are binary SIDs; an empty value means none.
/// </remarks>
public sealed record SecurityPolicy(WindowsSid? AccountDomainSid, string? AccountDomainName, string? PrimaryDomainName, WindowsSid? PrimaryDomainSid, string? DnsDomainName)
{
    /// <summary>True when the machine is joined to a domain (the primary domain has a SID).</summary>
    public bool IsDomainJoined => PrimaryDomainSid is not null;

    /// <summary>Reads the policy facts; absent keys give nulls.</summary>
    public static SecurityPolicy Read(Hive security)
    {
        ArgumentNullException.ThrowIfNull(security);
        return new SecurityPolicy(
            Sid(security, "PolAcDmS"),
            Name(security, "PolAcDmN"),
            Name(security, "PolPrDmN"),
            Sid(security, "PolPrDmS"),
            Name(security, "PolDnDDN"));
    }

    private static byte[]? Default(Hive hive, string key) => hive.OpenKey(@"Policy\" + key)?.GetValue("")?.GetData();

    private static WindowsSid? Sid(Hive hive, string key) => Default(hive, key) is { Length: > 0 } data ? WindowsSid.TryRead(data) : null;

    private static string? Name(Hive hive, string key)
    {
        var data = Default(hive, key);
        if (data is null || data.Length < 8)
        {
            return null;
        }

        var length = BinaryPrimitives.ReadUInt16LittleEndian(data);
        var offset = BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(4));
        if (offset > data.Length || length > data.Length - offset || length % 2 != 0)
        {
            return null;
        }

        return Encoding.Unicode.GetString(data, (int)offset, length);
    }
}
