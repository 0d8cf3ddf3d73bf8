using Reseal.Cloud.Passwords;

using Reseal.TestSupport;

namespace Reseal.Cloud.Tests.Passwords;

public sealed class GceWindowsKeyTests
{
    [Fact]
    public void ParseAll_GcloudStyleLines_ReadsValidSkipsBroken()
    {
        using var key = TestKeys.Key2048();
        var value =
            $$"""{"userName":"alice","modulus":"{{key.PublicKey.ModulusBase64}}","exponent":"AQAB","email":"a@example.com","expireOn":"2030-01-01T00:05:00Z"}""" + "\n" +
            $$"""{"userName":"bob","modulus":"{{key.PublicKey.ModulusBase64}}","exponent":"AQABAA==","expireOn":"2030-01-01T00:05:00Z","hashFunction":"sha256","addToAdministrators":false}""" + "\n" +
            """{"userName":"carol","exponent":"AQAB","expireOn":"2030-01-01T00:05:00Z"}""" + "\n" +
            "not json\n";

        var (keys, problems) = GceWindowsKey.ParseAll(value);

        Assert.Equal(["alice", "bob"], keys.Select(k => k.UserName));
        Assert.Equal(PasswordPadding.OaepSha1, keys[0].Padding);
        Assert.Equal(PasswordPadding.OaepSha256, keys[1].Padding);
        Assert.True(keys[0].AddToAdministrators);
        Assert.False(keys[1].AddToAdministrators);
        Assert.Equal(keys[0].Key, keys[1].Key);
        Assert.Equal("AQAB", keys[1].Key.ExponentBase64);
        Assert.Equal(2, problems.Count);
        Assert.Contains("line 3", problems[0], StringComparison.Ordinal);
        Assert.Contains("'modulus' is missing", problems[0], StringComparison.Ordinal);
    }

    [Fact]
    public void IsExpired_UsesTimeProvider()
    {
        using var key = TestKeys.Key2048();
        var entry = new GceWindowsKey("u", key.PublicKey, new DateTimeOffset(2030, 1, 1, 0, 5, 0, TimeSpan.Zero),
            PasswordPadding.OaepSha1, null, true);
        var time = new ManualClock(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));

        Assert.False(entry.IsExpired(time));
        time.Advance(TimeSpan.FromMinutes(5));
        Assert.True(entry.IsExpired(time));
    }

    [Fact]
    public void ToJsonLine_ParseLine_RoundTrips()
    {
        using var key = TestKeys.Key2048();
        var entry = new GceWindowsKey("u", key.PublicKey, new DateTimeOffset(2030, 1, 1, 0, 5, 0, TimeSpan.Zero),
            PasswordPadding.OaepSha512, "e@x", false);

        Assert.Equal(entry, GceWindowsKey.ParseLine(entry.ToJsonLine()));
    }

    [Fact]
    public void CreateReply_HasDocumentedFieldsAndNoClearText()
    {
        using var key = TestKeys.Key2048();
        var entry = new GceWindowsKey("u", key.PublicKey, DateTimeOffset.UnixEpoch, PasswordPadding.OaepSha256, null, true);
        var password = PasswordGenerator.Generate();

        var reply = entry.CreateReply(password);
        using var json = System.Text.Json.JsonDocument.Parse(reply);
        var root = json.RootElement;

        Assert.DoesNotContain('\n', reply);
        Assert.DoesNotContain(password.Reveal(), reply, StringComparison.Ordinal);
        Assert.Equal("u", root.GetProperty("userName").GetString());
        Assert.True(root.GetProperty("passwordFound").GetBoolean());
        Assert.Equal(key.PublicKey.ModulusBase64, root.GetProperty("modulus").GetString());
        Assert.Equal("AQAB", root.GetProperty("exponent").GetString());
        Assert.Equal("sha256", root.GetProperty("hashFunction").GetString());
        Assert.Equal(password, PasswordCipher.DecryptBase64(key, root.GetProperty("encryptedPassword").GetString()!, PasswordPadding.OaepSha256));
    }

    [Fact]
    public void CreateReply_ModulusWithLeadingZeroAndPaddedExponent_EchoesTheRequestStrings()
    {
        using var key = TestKeys.Key2048();
        var modulus = Convert.ToBase64String([0x00, .. key.PublicKey.Modulus.Span]);
        var line = $$"""{"userName":"u","modulus":"{{modulus}}","exponent":"AQABAA==","email":"a@b.c","expireOn":"2030-01-01T00:05:00Z","hashFunction":"sha256"}""";
        var entry = GceWindowsKey.ParseLine(line);
        var password = PasswordGenerator.Generate();

        var reply = entry.CreateReply(password);
        using var json = System.Text.Json.JsonDocument.Parse(reply);

        Assert.NotEqual(key.PublicKey.ModulusBase64, modulus);
        Assert.Equal(modulus, json.RootElement.GetProperty("modulus").GetString());
        Assert.Equal("AQABAA==", json.RootElement.GetProperty("exponent").GetString());
        Assert.Equal(key.PublicKey, entry.Key);
        Assert.Equal(password, PasswordOutputParser.Decrypt(reply + "\n", key));
    }

    [Fact]
    public void ToJsonLine_ParsedRequest_KeepsTheOriginalStrings()
    {
        using var key = TestKeys.Key2048();
        var modulus = Convert.ToBase64String([0x00, .. key.PublicKey.Modulus.Span]);
        var line = $$"""{"userName":"u","modulus":"{{modulus}}","exponent":"AQABAA==","email":"a@b.c","expireOn":"2030-01-01T00:05:00Z"}""";

        var again = GceWindowsKey.ParseLine(GceWindowsKey.ParseLine(line).ToJsonLine());

        Assert.Equal(modulus, again.RequestModulus);
        Assert.Equal("AQABAA==", again.RequestExponent);
    }
}
