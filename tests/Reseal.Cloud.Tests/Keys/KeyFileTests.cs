using System.Text;
using Reseal.Cloud.Keys;
using Reseal.Cloud.Passwords;
using Reseal.Cloud.Tests.Passwords;
using Reseal.TestSupport;

namespace Reseal.Cloud.Tests.Keys;

/// <summary>The one key-file reader behind RsaPrivateKey.Load and RsaPublicKey.Load.</summary>
public sealed class KeyFileTests
{
    [Fact]
    public void Load_PemWithUtf8Bom_ReadsBothHalves()
    {
        using var folder = new TempDirectory();
        using var key = TestKeys.Key2048();
        var path = folder.Write("key.pem", [.. Encoding.UTF8.GetPreamble(), .. Encoding.ASCII.GetBytes(TestKeys.Pkcs1Pem2048)]);

        using var loaded = RsaPrivateKey.Load(path);

        Assert.Equal(key.PublicKey, loaded.PublicKey);
        Assert.Equal(key.PublicKey, RsaPublicKey.Load(path));
    }

    [Fact]
    public void Load_FileOverOneMebibyte_ErrorNamesFileBothWays()
    {
        using var folder = new TempDirectory();
        var path = folder.WriteRepeated("huge.pem", "A"u8, (1024 * 1024) + 1);

        var privateError = Assert.Throws<CloudException>(() => RsaPrivateKey.Load(path));
        var publicError = Assert.Throws<CloudException>(() => RsaPublicKey.Load(path));

        Assert.Equal(privateError.Message, publicError.Message);
        Assert.StartsWith(path + ":", privateError.Message, StringComparison.Ordinal);
        Assert.Contains("too large for a key file", privateError.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_DeviceWithoutLength_StopsAtTheLimit()
    {
        // /dev/zero reports length 0 and never ends: the size check must count what is read, not trust the length.
        Assert.SkipUnless(File.Exists("/dev/zero"), "needs /dev/zero");

        var error = Assert.Throws<CloudException>(() => RsaPublicKey.Load("/dev/zero"));

        Assert.Contains("too large for a key file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MissingFile_ErrorNamesFile()
    {
        using var folder = new TempDirectory();
        var path = folder.File("absent.pem");

        var error = Assert.Throws<CloudException>(() => RsaPrivateKey.Load(path));

        Assert.StartsWith(path + ":", error.Message, StringComparison.Ordinal);
    }
}

/// <summary>The one whitespace-tolerant base64 reader behind ciphertexts, console blocks and key bodies.</summary>
public sealed class Base64TextTests
{
    [Theory]
    [InlineData("QUJD", "ABC")]
    [InlineData(" QU\r\nJD\t", "ABC")]
    [InlineData("QQ==", "A")]
    [InlineData("Q Q = =", "A")]
    public void TryDecode_WhitespaceAnywhere_Ignored(string text, string expected) =>
        Assert.Equal(expected, Encoding.ASCII.GetString(Base64Text.TryDecode(text)!));

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("QUJ")]
    [InlineData("Q===")]
    [InlineData("QU=D")]
    [InlineData("QUJD!")]
    [InlineData("QUJD-_")]
    public void TryDecode_NotBase64_Null(string text) => Assert.Null(Base64Text.TryDecode(text));

    [Fact]
    public void DecryptBase64_CiphertextWrappedWithCrlfAndTabs_Decrypts()
    {
        using var key = TestKeys.Key2048();
        var password = PasswordGenerator.Generate();
        var b64 = PasswordCipher.EncryptToBase64(key.PublicKey, password, PasswordPadding.Pkcs1);
        var wrapped = "\t" + b64[..100] + "\r\n  " + b64[100..200] + "\n" + b64[200..] + " \r\n";

        Assert.Equal(password, PasswordCipher.DecryptBase64(key, wrapped, PasswordPadding.Pkcs1));
        Assert.Equal(b64, ConsolePasswordBlock.Format("Administrator", wrapped)[2]);
    }

    [Fact]
    public void FromBase64ModulusAndExponent_WrappedModulus_SameKey()
    {
        using var key = TestKeys.Key2048();
        var modulus = key.PublicKey.ModulusBase64;
        var wrapped = string.Join("\n", Enumerable.Range(0, (modulus.Length + 63) / 64)
            .Select(i => modulus.Substring(i * 64, Math.Min(64, modulus.Length - (i * 64)))));

        Assert.Equal(key.PublicKey, RsaPublicKey.FromBase64ModulusAndExponent(wrapped, " AQAB\n"));
    }

    [Fact]
    public void DecryptBase64_Garbage_CloudExceptionNamesLength()
    {
        using var key = TestKeys.Key2048();

        var error = Assert.Throws<CloudException>(() => PasswordCipher.DecryptBase64(key, "abc!\n", PasswordPadding.Pkcs1));

        Assert.Contains("not valid base64 (4 characters)", error.Message, StringComparison.Ordinal);
    }
}
