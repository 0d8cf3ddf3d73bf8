using Reseal.Cloud.Passwords;

namespace Reseal.Cloud.Tests.Passwords;

public sealed class PasswordGeneratorTests
{
    [Fact]
    public void Generate_Default_24CharactersAllFourClasses()
    {
        for (var i = 0; i < 200; i++)
        {
            var password = PasswordGenerator.Generate().Reveal();

            Assert.Equal(PasswordPolicy.DefaultLength, password.Length);
            Assert.Contains(password, char.IsAsciiLetterUpper);
            Assert.Contains(password, char.IsAsciiLetterLower);
            Assert.Contains(password, char.IsAsciiDigit);
            Assert.Contains(password, c => PasswordPolicy.DefaultSymbols.Contains(c, StringComparison.Ordinal));
            Assert.All(password, c => Assert.Contains(c, PasswordPolicy.DefaultAlphabet));
        }
    }

    [Fact]
    public void Generate_ManyTimes_NoRepeats()
    {
        var seen = new HashSet<string>();
        for (var i = 0; i < 1000; i++)
        {
            Assert.True(seen.Add(PasswordGenerator.Generate().Reveal()));
        }
    }

    [Fact]
    public void Generate_CustomAlphabetThreeClasses_UsesOnlyThatAlphabet()
    {
        var policy = PasswordPolicy.Create(20, "ABCDEFabcdef012345", requiredClasses: 3);

        var password = PasswordGenerator.Generate(policy).Reveal();

        Assert.Equal(20, password.Length);
        Assert.All(password, c => Assert.Contains(c, "ABCDEFabcdef012345"));
        Assert.True(PasswordComplexity.CountClasses(password) >= 3);
    }

    [Fact]
    public void Generate_UserNameGiven_NeverContainsIt()
    {
        var policy = PasswordPolicy.Create(12, "abcXYZ1!", requiredClasses: 4);
        for (var i = 0; i < 300; i++)
        {
            Assert.DoesNotContain("abc", PasswordGenerator.Generate(policy, "ABC").Reveal(), StringComparison.OrdinalIgnoreCase);
        }
    }

    [Theory]
    [InlineData(8, null, 4)]
    [InlineData(257, null, 4)]
    [InlineData(20, "abcdefABCDEF", 3)]
    [InlineData(20, "abcABC123 !", 4)]
    [InlineData(20, "abcABC123!!", 4)]
    [InlineData(20, "abcABC123!é", 4)]
    [InlineData(20, null, 2)]
    public void Create_InvalidPolicy_Throws(int length, string? alphabet, int classes) =>
        Assert.ThrowsAny<ArgumentException>(() => PasswordPolicy.Create(length, alphabet, classes));

    [Fact]
    public void ToString_ClearTextPassword_NeverShowsIt()
    {
        var password = PasswordGenerator.Generate();

        Assert.DoesNotContain(password.Reveal(), password.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(password.Reveal(), $"{password}", StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Passw0rd!", null, true)]
    [InlineData("password1", null, false)]
    [InlineData("Short1!", null, false)]
    [InlineData("xAdministrator9!", "administrator", false)]
    [InlineData("Ab1!Ab1!Ab", "ab", true)]
    [InlineData("ÄÖÜabc123x", null, true)]
    public void Check_WindowsComplexity_FollowsPolicy(string password, string? user, bool passes) =>
        Assert.Equal(passes, PasswordComplexity.Check(ClearTextPassword.FromString(password), user).Passes);
}
