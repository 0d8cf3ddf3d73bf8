using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Reseal.Registry;
using Reseal.Windows.Ports;

namespace Reseal.Windows.Offline;

/// <summary>
/// Reads local accounts and the machine SID from a SAM hive.
/// </summary>
/// <remarks>
/// On-disk layout (all little-endian):
/// <list type="bullet">
/// <item><c>SAM\Domains\Account\Users\Names\&lt;name&gt;</c>: the default value's <em>type</em> is the account's RID.</item>
/// <item><c>SAM\Domains\Account\Users\&lt;RID as %08X&gt;</c> value <c>F</c> (≥ 0x44 bytes): FILETIMEs @8 last logon,
/// @24 password last set, @32 account expires, @40 last bad password; RID u32 @48; UserAccountControl u32 @56
/// (0x1 disabled); bad-password count u16 @64; logon count u16 @66.</item>
/// <item>value <c>V</c>: a table of 12-byte descriptors {offset u32, length u32, unused u32}; offsets are relative to
/// 0xCC. Descriptor @0x0C is the user name, @0x18 the full name, @0x24 the comment (UTF-16LE).</item>
/// <item><c>SAM\Domains\Account</c> value <c>V</c>: its last 12 bytes are the three sub-authorities of the machine SID
/// S-1-5-21-a-b-c.</item>
/// <item><c>SAM\Domains\Builtin\Aliases\00000220</c> (Administrators) value <c>C</c>: member offset u32 @0x28, member
/// count u32 @0x30, relative to 0x34; members are binary SIDs one after another.</item>
/// </list>
/// Every read is bounds-checked; a record that does not fit is reported, not thrown.
/// </remarks>
public static class SamDatabase
{
    private const string UsersPath = @"SAM\Domains\Account\Users";
    private const int FRecordMinimum = 0x44;
    private const int VDataBase = 0xCC;

    /// <summary>Accounts read from a SAM hive, and what could not be read.</summary>
    public sealed record AccountsResult(IReadOnlyList<LocalAccount> Accounts, IReadOnlyList<string> Problems);

    /// <summary>Reads the machine SID (S-1-5-21-a-b-c) from <c>SAM\Domains\Account!V</c>; null when absent or too short.</summary>
    public static WindowsSid? ReadMachineSid(Hive sam)
    {
        ArgumentNullException.ThrowIfNull(sam);
        var v = sam.OpenKey(@"SAM\Domains\Account")?.GetValue("V");
        if (v is not { } value)
        {
            return null;
        }

        var data = value.GetData();
        if (data.Length < 12)
        {
            return null;
        }

        var tail = data.AsSpan(data.Length - 12);
        return WindowsSid.Create(5, 21,
            BinaryPrimitives.ReadUInt32LittleEndian(tail),
            BinaryPrimitives.ReadUInt32LittleEndian(tail[4..]),
            BinaryPrimitives.ReadUInt32LittleEndian(tail[8..]));
    }

    /// <summary>The members of the local Administrators group (S-1-5-32-544), or null when the group record is absent or damaged.</summary>
    public static IReadOnlyList<WindowsSid>? ReadAdministrators(Hive sam)
    {
        ArgumentNullException.ThrowIfNull(sam);
        var c = sam.OpenKey(@"SAM\Domains\Builtin\Aliases\00000220")?.GetValue("C");
        if (c is not { } value)
        {
            return null;
        }

        var data = value.GetData();
        if (data.Length < 0x34)
        {
            return null;
        }

        var offset = (long)BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(0x28)) + 0x34;
        var count = BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(0x30));
        var members = new List<WindowsSid>();
        for (var i = 0; i < count && i < 4096; i++)
        {
            if (offset >= data.Length)
            {
                return null;
            }

            var sid = WindowsSid.TryRead(data.AsSpan((int)offset));
            if (sid is null)
            {
                return null;
            }

            members.Add(sid);
            offset += sid.BinaryLength;
        }

        return members;
    }

    /// <summary>Reads every account: names and RIDs from <c>Users\Names</c>, flags and dates from each <c>F</c>, names from <c>V</c>.</summary>
    public static AccountsResult ReadAccounts(Hive sam)
    {
        ArgumentNullException.ThrowIfNull(sam);
        var problems = new List<string>();
        var users = sam.OpenKey(UsersPath);
        if (users is not { } usersKey)
        {
            return new AccountsResult([], [$@"SAM has no {UsersPath} key"]);
        }

        var machineSid = ReadMachineSid(sam);
        var admins = ReadAdministrators(sam);
        var ridsByName = new Dictionary<uint, string>();
        if (usersKey.GetSubkey("Names") is { } names)
        {
            foreach (var entry in names.GetSubkeys())
            {
                if (entry.GetValue("") is { } @default)
                {
                    ridsByName[@default.RawType] = entry.Name;
                }
                else
                {
                    problems.Add($@"Users\Names\{entry.Name} has no default value carrying the RID");
                }
            }
        }

        var accounts = new List<LocalAccount>();
        foreach (var key in usersKey.GetSubkeys())
        {
            if (!uint.TryParse(key.Name, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var rid))
            {
                continue;
            }

            var f = key.GetValue("F")?.GetData();
            if (f is null || f.Length < FRecordMinimum)
            {
                problems.Add($@"Users\{key.Name}: F record missing or shorter than {FRecordMinimum} bytes");
                continue;
            }

            var v = key.GetValue("V")?.GetData();
            var name = (v is null ? null : VString(v, 0x0C)) ?? ridsByName.GetValueOrDefault(rid);
            if (name is null)
            {
                problems.Add($@"Users\{key.Name}: no user name in V and none in Users\Names");
                continue;
            }

            if (ridsByName.TryGetValue(rid, out var listed) && !listed.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                problems.Add($@"Users\{key.Name}: V names '{name}' but Users\Names lists '{listed}'");
            }

            var recordRid = BinaryPrimitives.ReadUInt32LittleEndian(f.AsSpan(48));
            if (recordRid != rid)
            {
                problems.Add($@"Users\{key.Name}: F record carries RID {recordRid}");
            }

            accounts.Add(new LocalAccount
            {
                Name = name,
                Rid = rid,
                FullName = v is null ? null : VString(v, 0x18),
                Comment = v is null ? null : VString(v, 0x24),
                Flags = BinaryPrimitives.ReadUInt32LittleEndian(f.AsSpan(56)),
                LastLogon = FileTime(f, 8),
                PasswordLastSet = FileTime(f, 24),
                LogonCount = BinaryPrimitives.ReadUInt16LittleEndian(f.AsSpan(66)),
                IsAdministrator = admins is null || machineSid is null ? null : admins.Contains(machineSid.WithRid(rid)),
            });
        }

        foreach (var (rid, name) in ridsByName)
        {
            if (!accounts.Any(a => a.Rid == rid))
            {
                problems.Add($@"Users\Names\{name} (RID {rid}) has no Users\{rid:X8} record");
            }
        }

        return new AccountsResult(accounts.OrderBy(a => a.Rid).ToList(), problems);
    }

    /// <summary>A copy of an F record with the disabled bit (0x1 of UserAccountControl @56) set or cleared.</summary>
    public static byte[] WithDisabled(ReadOnlySpan<byte> f, bool disabled)
    {
        if (f.Length < FRecordMinimum)
        {
            throw new ArgumentException($"an F record has at least {FRecordMinimum} bytes; this one has {f.Length}", nameof(f));
        }

        var copy = f.ToArray();
        var flags = BinaryPrimitives.ReadUInt32LittleEndian(copy.AsSpan(56));
        flags = disabled ? flags | 1u : flags & ~1u;
        BinaryPrimitives.WriteUInt32LittleEndian(copy.AsSpan(56), flags);
        return copy;
    }

    /// <summary>The key path of an account's record.</summary>
    public static string UserKeyPath(uint rid) => $@"{UsersPath}\{rid:X8}";

    private static string? VString(byte[] v, int descriptor)
    {
        if (v.Length < descriptor + 8)
        {
            return null;
        }

        var offset = (long)BinaryPrimitives.ReadUInt32LittleEndian(v.AsSpan(descriptor)) + VDataBase;
        var length = BinaryPrimitives.ReadUInt32LittleEndian(v.AsSpan(descriptor + 4));
        if (length == 0 || offset + length > v.Length || length % 2 != 0)
        {
            return null;
        }

        return Encoding.Unicode.GetString(v, (int)offset, (int)length);
    }

    private static DateTimeOffset? FileTime(byte[] f, int at)
    {
        var raw = BinaryPrimitives.ReadInt64LittleEndian(f.AsSpan(at));
        if (raw <= 0 || raw == long.MaxValue)
        {
            return null;
        }

        try
        {
            return DateTimeOffset.FromFileTime(raw).ToUniversalTime();
        }
        catch (ArgumentOutOfRangeException)
        {
            return null;
        }
    }
}
