using System.Security.Cryptography;
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

    /// <summary>
    /// Pearson's chi-square over every character of 20,000 default passwords (480,000 draws, 89 degrees of freedom).
    /// Redrawing passwords that miss a class makes rare classes (digits) slightly more frequent than 10/90, so the
    /// expected count of each class is computed exactly for "all four classes present" (inclusion–exclusion), and split
    /// evenly within the class. A generator with modulo bias, a skewed class mix or characters forced into fixed places
    /// fails; a fair one fails with probability below 1e-6.
    /// </summary>
    [Fact]
    public void Generate_ManyPasswords_CharactersUniformByChiSquare()
    {
        var (chiSquare, critical) = ChiSquareOfDefaultPolicy(() => PasswordGenerator.Generate().Reveal());

        Assert.True(chiSquare < critical, $"chi-square {chiSquare:F1} with 89 degrees of freedom exceeds {critical:F1} (p < 1e-6)");
    }

    [Fact]
    public void ChiSquareCheck_ModuloBiasedGenerator_Fails()
    {
        // The check must have power: the classic 'random byte % 90' mistake, filtered by the same complexity rule.
        var alphabet = PasswordPolicy.DefaultAlphabet;
        string Biased()
        {
            while (true)
            {
                var bytes = RandomNumberGenerator.GetBytes(PasswordPolicy.DefaultLength);
                var candidate = new string([.. bytes.Select(b => alphabet[b % alphabet.Length])]);
                if (PasswordComplexity.Check(ClearTextPassword.FromString(candidate), null, candidate.Length, 4).Passes)
                {
                    return candidate;
                }
            }
        }

        var (chiSquare, critical) = ChiSquareOfDefaultPolicy(Biased);

        Assert.True(chiSquare > critical, $"chi-square {chiSquare:F1} should exceed {critical:F1} for a biased generator");
    }

    /// <summary>
    /// Pearson's chi-square over every character of 20,000 passwords of the default policy (480,000 draws, 89 degrees of
    /// freedom) and its upper 1e-6 quantile. Redrawing passwords that miss a class makes rare classes (digits) slightly
    /// more frequent than 10/90, so the expected count of each class is computed exactly for "all four classes present"
    /// (inclusion–exclusion) and split evenly within the class. A fair generator exceeds the quantile with probability
    /// below 1e-6; modulo bias, a skewed class mix or characters forced into fixed places exceed it by far.
    /// </summary>
    private static (double ChiSquare, double Critical) ChiSquareOfDefaultPolicy(Func<string> generate)
    {
        const int Passwords = 20_000;
        var alphabet = PasswordPolicy.DefaultAlphabet;
        var length = PasswordPolicy.DefaultLength;
        var counts = alphabet.ToDictionary(c => c, _ => 0L);
        for (var i = 0; i < Passwords; i++)
        {
            foreach (var c in generate())
            {
                counts[c]++;
            }
        }

        string[] classes = ["ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz", "0123456789", PasswordPolicy.DefaultSymbols];
        Assert.Equal(alphabet.Length, classes.Sum(c => c.Length));
        var sizes = classes.Select(c => (double)c.Length).ToArray();
        var total = (double)Passwords * length;
        var chiSquare = 0.0;
        for (var k = 0; k < classes.Length; k++)
        {
            var expected = total * ExpectedClassShare(sizes, k, length, alphabet.Length) / sizes[k];
            foreach (var c in classes[k])
            {
                var difference = counts[c] - expected;
                chiSquare += difference * difference / expected;
            }
        }

        return (chiSquare, ChiSquareUpperQuantile(alphabet.Length - 1, z: 4.7534));
    }

    /// <summary>
    /// The expected fraction of characters from class k in a password of the given length drawn uniformly from an alphabet
    /// of the given size, kept only when every class occurs: E[n_k | all] / length = P(first char in k and the other 23
    /// characters hold every other class) / P(all classes present).
    /// </summary>
    private static double ExpectedClassShare(double[] sizes, int k, int length, int alphabetSize)
    {
        var all = AllPresent(sizes, [.. Enumerable.Range(0, sizes.Length)], length, alphabetSize);
        var others = AllPresent(sizes, [.. Enumerable.Range(0, sizes.Length).Where(i => i != k)], length - 1, alphabetSize);
        return sizes[k] / alphabetSize * others / all;
    }

    /// <summary>P(each of the given classes occurs at least once in n uniform draws), by inclusion–exclusion.</summary>
    private static double AllPresent(double[] sizes, int[] required, int draws, int alphabetSize)
    {
        var probability = 0.0;
        for (var mask = 0; mask < 1 << required.Length; mask++)
        {
            var missing = 0.0;
            var bits = 0;
            for (var i = 0; i < required.Length; i++)
            {
                if ((mask & (1 << i)) != 0)
                {
                    missing += sizes[required[i]];
                    bits++;
                }
            }

            probability += (bits % 2 == 0 ? 1 : -1) * Math.Pow((alphabetSize - missing) / alphabetSize, draws);
        }

        return probability;
    }

    /// <summary>Wilson–Hilferty approximation of the chi-square quantile with the given standard normal z.</summary>
    private static double ChiSquareUpperQuantile(int freedom, double z)
    {
        var a = 2.0 / (9.0 * freedom);
        return freedom * Math.Pow(1 - a + (z * Math.Sqrt(a)), 3);
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

    [Theory]
    [InlineData("äöüabc123", 2)]
    [InlineData("äöüßéabcdef", 1)]
    [InlineData("ÄÖÜABC123", 2)]
    [InlineData("αβγδεζ123", 2)]
    [InlineData("ΑΒΓαβγ", 2)]
    [InlineData("ЖЗИжзи", 2)]
    [InlineData("中文字符abc", 2)]
    [InlineData("Aa1!中", 5)]
    public void CountClasses_UnicodeCasedLetters_CountAsUpperOrLower(string text, int classes) =>
        Assert.Equal(classes, PasswordComplexity.CountClasses(text));

    [Fact]
    public void Check_AccentedLowerCaseAndDigitsOnly_Fails()
    {
        var result = PasswordComplexity.Check(ClearTextPassword.FromString("äöüabc123"));

        Assert.False(result.Passes);
        Assert.Equal(2, result.CharacterClasses);
    }
}
