namespace Reseal.Windows.Live;

/// <summary>
/// Translation between the <c>usri*_flags</c> of the NetUser API (UF_* bits) and the SAM UserAccountControl bits that
/// <see cref="Ports.LocalAccount.Flags"/> holds (ACB_* bits). The two use different bit positions: UF_SCRIPT (0x1) is
/// always set by NetUser, and the account is disabled by UF_ACCOUNTDISABLE (0x2), whereas in the SAM 0x1 is disabled.
/// Pure functions, so they are tested on any platform.
/// </summary>
internal static class UserFlags
{
    /// <summary>UF_SCRIPT: the logon script runs; NetUserSetInfo requires it to stay set.</summary>
    internal const uint UfScript = 0x0001;

    /// <summary>UF_ACCOUNTDISABLE.</summary>
    internal const uint UfAccountDisable = 0x0002;

    /// <summary>UF_HOMEDIR_REQUIRED.</summary>
    internal const uint UfHomeDirRequired = 0x0008;

    /// <summary>UF_LOCKOUT.</summary>
    internal const uint UfLockout = 0x0010;

    /// <summary>UF_PASSWD_NOTREQD.</summary>
    internal const uint UfPasswordNotRequired = 0x0020;

    /// <summary>UF_NORMAL_ACCOUNT.</summary>
    internal const uint UfNormalAccount = 0x0200;

    /// <summary>UF_DONT_EXPIRE_PASSWD.</summary>
    internal const uint UfDontExpirePassword = 0x10000;

    /// <summary>SAM ACB_DISABLED: the model's disabled bit.</summary>
    internal const uint AcbDisabled = 0x0001;

    private static readonly (uint Uf, uint Acb)[] Map =
    [
        (UfAccountDisable, AcbDisabled),
        (UfHomeDirRequired, 0x0002), // ACB_HOMDIRREQ
        (UfPasswordNotRequired, 0x0004), // ACB_PWNOTREQ
        (UfNormalAccount, 0x0010), // ACB_NORMAL
        (UfDontExpirePassword, 0x0200), // ACB_PWNOEXP
        (UfLockout, 0x0400), // ACB_AUTOLOCK
    ];

    /// <summary>The model's (SAM) flags for NetUser UF_* flags: UF_ACCOUNTDISABLE becomes 0x1, UF_SCRIPT is dropped.</summary>
    internal static uint ToModelFlags(uint userFlags)
    {
        uint model = 0;
        foreach (var (uf, acb) in Map)
        {
            if ((userFlags & uf) != 0)
            {
                model |= acb;
            }
        }

        return model;
    }

    /// <summary>NetUser UF_* flags with UF_ACCOUNTDISABLE set or cleared; UF_SCRIPT is kept set and every other bit is left alone.</summary>
    internal static uint WithDisabled(uint userFlags, bool disabled) =>
        (disabled ? userFlags | UfAccountDisable : userFlags & ~UfAccountDisable) | UfScript;
}
