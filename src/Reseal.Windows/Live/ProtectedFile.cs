using System.Runtime.Versioning;
using System.Security.AccessControl;
using System.Security.Principal;

namespace Reseal.Windows.Live;

/// <summary>
/// Writes a file whose security descriptor is its own, never the folder's: owner Administrators; a protected DACL (nothing
/// inherited) granting full control to SYSTEM, Administrators and, when given, one user. OpenSSH for Windows refuses an
/// <c>administrators_authorized_keys</c> that anyone but Administrators and SYSTEM can reach, and (StrictModes) a user's
/// <c>authorized_keys</c> that anyone but the user, Administrators and SYSTEM can write.
/// <list type="bullet">
/// <item>The temporary file of the atomic write is created with that descriptor in the creating call
/// (CreateFile with SECURITY_ATTRIBUTES, through
/// <see cref="FileSystemAclExtensions.Create(FileInfo, FileMode, FileSystemRights, FileShare, int, FileOptions, FileSecurity)"/>),
/// so no moment exists in which it carries the folder's inherited entries (ProgramData lets Users read).</item>
/// <item>It then replaces the target by a rename in the same folder (MoveFileEx, MOVEFILE_REPLACE_EXISTING), which keeps
/// the file's own descriptor: a file moved within one NTFS volume keeps its permissions. ReplaceFile is not used, since it
/// would give the new file the old one's access list.</item>
/// </list>
/// Sources: https://learn.microsoft.com/windows-server/administration/openssh/openssh_keymanagement,
/// https://learn.microsoft.com/dotnet/api/system.io.filesystemaclextensions.create,
/// https://learn.microsoft.com/troubleshoot/windows-client/windows-security/permissions-on-copying-moving-files.
/// </summary>
[SupportedOSPlatform("windows")]
internal static class ProtectedFile
{
    private static readonly SecurityIdentifier Administrators = new(WellKnownSidType.BuiltinAdministratorsSid, null);
    private static readonly SecurityIdentifier LocalSystem = new(WellKnownSidType.LocalSystemSid, null);

    /// <summary>Writes <paramref name="contents"/> to <paramref name="path"/> atomically with the protected descriptor.</summary>
    public static void Write(string path, ReadOnlySpan<byte> contents, SecurityIdentifier? user)
    {
        var security = Security(user);
        AtomicFile.Write(path, contents, new AtomicWriteOptions
        {
            CreateNew = temp => new FileInfo(temp).Create(FileMode.CreateNew, FileSystemRights.Write | FileSystemRights.Synchronize,
                FileShare.None, 1 << 12, FileOptions.None, security),
        });
    }

    /// <summary>
    /// True when the file has exactly one name (BY_HANDLE_FILE_INFORMATION.nNumberOfLinks is 1); a hard link made by a user
    /// would give another file, with its owner and access list, a name in the user's folder. Opened without following a
    /// reparse point and with no access beyond reading attributes.
    /// </summary>
    public static bool HasOneName(string path)
    {
        const uint FileReadAttributes = 0x80;
        const uint ShareAll = 0x7;
        const uint FlagOpenReparsePoint = 0x00200000;
        const uint FlagBackupSemantics = 0x02000000;
        using var handle = NativeMethods.CreateFile(path, FileReadAttributes, ShareAll, 0, NativeMethods.OpenExisting,
            FlagOpenReparsePoint | FlagBackupSemantics, 0);
        if (handle.IsInvalid || !NativeMethods.GetFileInformationByHandle(handle, out var information))
        {
            throw new IOException($"cannot read the file information of {path}", System.Runtime.InteropServices.Marshal.GetHRForLastWin32Error());
        }

        return information.NumberOfLinks == 1;
    }

    // Any of these lets its holder change the file's contents or its security descriptor.
    private const FileSystemRights ChangeRights = FileSystemRights.WriteData | FileSystemRights.AppendData | FileSystemRights.Delete
        | FileSystemRights.ChangePermissions | FileSystemRights.TakeOwnership | FileSystemRights.WriteAttributes | FileSystemRights.WriteExtendedAttributes;

    /// <summary>
    /// True when the file is owned by SYSTEM, Administrators or <paramref name="user"/> and no other SID is allowed any
    /// right that changes it (explicit or inherited entries alike): what OpenSSH's own check of a key file demands.
    /// </summary>
    public static bool IsProtected(string path, SecurityIdentifier? user)
    {
        var security = new FileInfo(path).GetAccessControl(AccessControlSections.Owner | AccessControlSections.Access);
        var trusted = user is null ? new[] { LocalSystem, Administrators } : [LocalSystem, Administrators, user];
        if (security.GetOwner(typeof(SecurityIdentifier)) is not SecurityIdentifier owner || !trusted.Contains(owner))
        {
            return false;
        }

        foreach (FileSystemAccessRule rule in security.GetAccessRules(includeExplicit: true, includeInherited: true, typeof(SecurityIdentifier)))
        {
            if (rule.AccessControlType == AccessControlType.Allow && (rule.FileSystemRights & ChangeRights) != 0
                && (rule.IdentityReference is not SecurityIdentifier sid || !trusted.Contains(sid)))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Owner Administrators; protected DACL: SYSTEM, Administrators and the user (when given) full control.</summary>
    internal static FileSecurity Security(SecurityIdentifier? user)
    {
        var security = new FileSecurity();
        security.SetOwner(Administrators);
        security.SetAccessRuleProtection(isProtected: true, preserveInheritance: false);
        foreach (var sid in user is null ? new[] { LocalSystem, Administrators } : [LocalSystem, Administrators, user])
        {
            security.AddAccessRule(new FileSystemAccessRule(sid, FileSystemRights.FullControl, AccessControlType.Allow));
        }

        return security;
    }
}
