using Reseal.TestSupport;
using Reseal.Unattend.Passwords;

namespace Reseal.Unattend.Tests.Passwords;

public class UnattendPasswordTests
{
    [Fact]
    public void Decode_MicrosoftDocumentationExample_GivesPassword12346()
    {
        var result = UnattendPassword.Decode("UABhAHMAcwB3AG8AcgBkADEAMgAzADQANgBQAGEAcwBzAHcAbwByAGQA", PasswordField.Password);

        Assert.True(result.Success);
        Assert.Equal("Password12346", result.Password);
        Assert.Equal("Password", result.Suffix);
    }

    [Fact]
    public void Encode_MicrosoftDocumentationExample_RoundTrips()
    {
        Assert.Equal("UABhAHMAcwB3AG8AcgBkADEAMgAzADQANgBQAGEAcwBzAHcAbwByAGQA", UnattendPassword.Encode("Password12346", PasswordField.Password));
    }

    [Theory]
    [InlineData(PasswordField.AdministratorPassword, "UABAAHMAcwB3ADAAcgBkAEEAZABtAGkAbgBpAHMAdAByAGEAdABvAHIAUABhAHMAcwB3AG8AcgBkAA==")]
    [InlineData(PasswordField.Password, "UABAAHMAcwB3ADAAcgBkAFAAYQBzAHMAdwBvAHIAZAA=")]
    public void Encode_ReferenceValues_Match(PasswordField field, string expected)
    {
        Assert.Equal(expected, UnattendPassword.Encode("P@ssw0rd", field));
        Assert.Equal("P@ssw0rd", UnattendPassword.Decode(expected, field).Password);
    }

    [Theory]
    [InlineData("P@ssw0rd", "AdministratorPassword")]
    [InlineData("pässwörd ✓ 🔑", "Password")]
    public void Encode_MatchesIconvAndBase64(string password, string suffix)
    {
        var sh = ExternalTool.Require("sh", "dash");
        ExternalTool.Require("iconv", "libc-bin");
        ExternalTool.Require("base64", "coreutils");
        var field = suffix == "Password" ? PasswordField.Password : PasswordField.AdministratorPassword;

        var reference = ExternalTool.Run(sh, ["-c", "printf '%s' \"$1\" | iconv -f UTF-8 -t UTF-16LE | base64 -w0", "sh", password + suffix]);

        Assert.Equal(0, reference.ExitCode);
        Assert.Equal(reference.StandardOutput.Trim(), UnattendPassword.Encode(password, field));
    }

    [Fact]
    public void Decode_WrongSuffix_SaysWhichSuffixItHas()
    {
        var value = UnattendPassword.Encode("x", PasswordField.Password);

        var result = UnattendPassword.Decode(value, PasswordField.AdministratorPassword);

        Assert.Equal(PasswordDecodeError.WrongSuffix, result.Error);
        Assert.Null(result.Password);
        Assert.Contains("'Password'", result.Message, StringComparison.Ordinal);
        Assert.Contains("0x8007000d", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_Utf8Base64_IsNotUtf16()
    {
        var result = UnattendPassword.Decode("cGFzc3dvcmQxMjM=");

        Assert.Equal(PasswordDecodeError.NotUtf16, result.Error);
    }

    [Theory]
    [InlineData("not base64!")]
    [InlineData("====")]
    public void Decode_NotBase64_IsReported(string value)
    {
        Assert.Equal(PasswordDecodeError.NotBase64, UnattendPassword.Decode(value).Error);
    }

    [Fact]
    public void Decode_NoExpectedField_PrefersTheLongestSuffix()
    {
        var result = UnattendPassword.Decode(UnattendPassword.Encode("abc", PasswordField.AdministratorPassword));

        Assert.Equal("abc", result.Password);
        Assert.Equal("AdministratorPassword", result.Suffix);
    }

    [Fact]
    public void Decode_NoKnownSuffix_Fails()
    {
        var value = Convert.ToBase64String(System.Text.Encoding.Unicode.GetBytes("justapassword"));

        Assert.Equal(PasswordDecodeError.WrongSuffix, UnattendPassword.Decode(value).Error);
    }
}
