using Reseal.Windows.Live;
using Reseal.Windows.Ports;

namespace Reseal.Windows.Tests.Live;

public class UserFlagsTests
{
    private const uint UfScript = 0x1, UfAccountDisable = 0x2, UfNormalAccount = 0x200, UfDontExpirePassword = 0x10000;

    [Fact]
    public void ToModelFlags_EnabledAccountWithUfScript_IsNotDisabled()
    {
        var account = Account(UserFlags.ToModelFlags(UfScript | UfNormalAccount));

        Assert.False(account.Disabled);
        Assert.Equal(0x10u, account.Flags); // ACB_NORMAL only: UF_SCRIPT is not the SAM's disabled bit
    }

    [Fact]
    public void ToModelFlags_UfAccountDisable_IsDisabled()
    {
        var account = Account(UserFlags.ToModelFlags(UfScript | UfAccountDisable | UfNormalAccount | UfDontExpirePassword));

        Assert.True(account.Disabled);
        Assert.Equal(0x1u | 0x10u | 0x200u, account.Flags);
    }

    [Theory]
    [InlineData(UfScript | UfNormalAccount, true, UfScript | UfAccountDisable | UfNormalAccount)]
    [InlineData(UfScript | UfAccountDisable | UfNormalAccount, false, UfScript | UfNormalAccount)]
    [InlineData(UfScript | UfAccountDisable | UfNormalAccount, true, UfScript | UfAccountDisable | UfNormalAccount)]
    [InlineData(UfNormalAccount | UfDontExpirePassword, false, UfScript | UfNormalAccount | UfDontExpirePassword)]
    public void WithDisabled_TogglesUfAccountDisableAndKeepsUfScript(uint before, bool disabled, uint expected) =>
        Assert.Equal(expected, UserFlags.WithDisabled(before, disabled));

    [Fact]
    public void WithDisabled_RoundTripsThroughTheModel()
    {
        const uint live = UfScript | UfNormalAccount;

        Assert.True(Account(UserFlags.ToModelFlags(UserFlags.WithDisabled(live, disabled: true))).Disabled);
        Assert.False(Account(UserFlags.ToModelFlags(UserFlags.WithDisabled(live, disabled: false))).Disabled);
    }

    private static LocalAccount Account(uint flags) => new() { Name = "Administrator", Rid = 500, Flags = flags };
}
