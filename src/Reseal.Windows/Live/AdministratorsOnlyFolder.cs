using System.Runtime.Versioning;
using System.Security.AccessControl;
using System.Security.Principal;

namespace Reseal.Windows.Live;

/// <summary>
/// Makes a folder (Reseal's <c>%ProgramData%\Reseal</c>) writable by SYSTEM and Administrators only, whoever made it
/// and whatever was planted in it. ProgramData lets every user create folders and files (its default access list grants
/// Users "create files / create folders", and the creator is the owner of what it creates), and the agent runs what this
/// folder holds as SYSTEM: a non-admin who created <c>config\agent-config.yml</c> first would keep owning it — an owner
/// can always rewrite an object's access list — and so choose what SYSTEM runs. So:
/// <list type="bullet">
/// <item>a missing folder is created with its security descriptor in the same call (CreateDirectory with
/// SECURITY_ATTRIBUTES, through <see cref="FileSystemAclExtensions.CreateDirectory(DirectorySecurity, string)"/>): owner
/// Administrators, a protected DACL of SYSTEM and Administrators full control, inherited by everything below;</item>
/// <item>an existing folder gets that owner and DACL, and every existing descendant gets the owner Administrators, loses
/// its explicit entries and inherits again (its DACL unprotected, so only the folder's entries apply);</item>
/// <item>reparse points (symbolic links, junctions) inside are deleted, never followed: a junction to System32 must not
/// make Reseal take ownership of System32; a folder that is itself a link is replaced by a real one.</item>
/// </list>
/// Taking ownership of a file one does not own needs SeTakeOwnershipPrivilege (held, disabled, by Administrators and
/// SYSTEM), so it is enabled first; the owner is set before the DACL, because an owner may always write the DACL.
/// Sources: "Ownership of objects" and "SE_TAKE_OWNERSHIP_NAME"
/// (https://learn.microsoft.com/windows/win32/secauthz/privilege-constants),
/// <c>SetSecurityInfo</c>'s <c>UNPROTECTED_DACL_SECURITY_INFORMATION</c>
/// (https://learn.microsoft.com/windows/win32/api/aclapi/nf-aclapi-setsecurityinfo), and
/// <c>FileSystemAclExtensions.CreateDirectory</c> (https://learn.microsoft.com/dotnet/api/system.io.filesystemaclextensions.createdirectory).
/// </summary>
[SupportedOSPlatform("windows")]
internal static class AdministratorsOnlyFolder
{
    private static readonly SecurityIdentifier Administrators = new(WellKnownSidType.BuiltinAdministratorsSid, null);
    private static readonly SecurityIdentifier LocalSystem = new(WellKnownSidType.LocalSystemSid, null);

    /// <summary>Applies the rule to <paramref name="path"/>; returns how many descendants were reset and links removed.</summary>
    public static (int Reset, int LinksRemoved) Apply(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        TryEnablePrivilege("SeTakeOwnershipPrivilege");
        return FolderLockdown.Apply(path, new AccessLists());
    }

    /// <summary>The walk's actions as Windows owners and access lists.</summary>
    private sealed class AccessLists : IFolderSecurity
    {
        public void CreateSecured(string path) => _ = FolderSecurity().CreateDirectory(path);

        public void SecureFolder(DirectoryInfo folder)
        {
            SetOwner(folder);
            folder.SetAccessControl(FolderSecurity());
        }

        public void SetOwner(FileSystemInfo entry) => AdministratorsOnlyFolder.SetOwner(entry);

        public void ResetToInherited(FileSystemInfo entry) => AdministratorsOnlyFolder.ResetToInherited(entry);
    }

    /// <summary>Owner Administrators; protected DACL: SYSTEM and Administrators full control, inherited by folders and files.</summary>
    internal static DirectorySecurity FolderSecurity()
    {
        var security = new DirectorySecurity();
        security.SetOwner(Administrators);
        security.SetAccessRuleProtection(isProtected: true, preserveInheritance: false);
        foreach (var sid in new[] { LocalSystem, Administrators })
        {
            security.AddAccessRule(new FileSystemAccessRule(sid, FileSystemRights.FullControl,
                InheritanceFlags.ContainerInherit | InheritanceFlags.ObjectInherit, PropagationFlags.None, AccessControlType.Allow));
        }

        return security;
    }

    // Owner alone first: with SeTakeOwnershipPrivilege WRITE_OWNER is granted whatever the DACL says.
    private static void SetOwner(FileSystemInfo entry)
    {
        if (entry is DirectoryInfo directory)
        {
            var security = new DirectorySecurity();
            security.SetOwner(Administrators);
            directory.SetAccessControl(security);
        }
        else
        {
            var security = new FileSecurity();
            security.SetOwner(Administrators);
            ((FileInfo)entry).SetAccessControl(security);
        }
    }

    // No explicit entry, DACL not protected: the object inherits the folder's entries and nothing else.
    private static void ResetToInherited(FileSystemInfo entry)
    {
        if (entry is DirectoryInfo directory)
        {
            var security = new DirectorySecurity();
            security.SetAccessRuleProtection(isProtected: false, preserveInheritance: false);
            directory.SetAccessControl(security);
        }
        else
        {
            var security = new FileSecurity();
            security.SetAccessRuleProtection(isProtected: false, preserveInheritance: false);
            ((FileInfo)entry).SetAccessControl(security);
        }
    }

    private static void TryEnablePrivilege(string name)
    {
        if (!NativeMethods.OpenProcessToken(NativeMethods.GetCurrentProcess(), NativeMethods.TokenAdjustPrivileges | NativeMethods.TokenQuery, out var token))
        {
            return; // the owner change below then fails with its own, clear, access-denied error
        }

        using (token)
        {
            if (NativeMethods.LookupPrivilegeValue(null, name, out var luid))
            {
                var privilege = new NativeMethods.TokenPrivilege { PrivilegeCount = 1, Luid = luid, Attributes = NativeMethods.SePrivilegeEnabled };
                _ = NativeMethods.AdjustTokenPrivileges(token, false, ref privilege, 0, 0, 0);
            }
        }
    }
}
