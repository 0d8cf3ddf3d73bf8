using Reseal.Images.OpenStack;
using Reseal.TestSupport;

namespace Reseal.Images.Tests;

/// <summary>clouds.yaml and OS_* as openstacksdk reads them, and the errors for what is missing or broken.</summary>
public sealed class OpenStackConfigTests
{
    private static Func<string, string?> Env(Dictionary<string, string> values) => n => values.GetValueOrDefault(n);

    [Fact]
    public void Resolve_OsVariables_PasswordWithProjectScope()
    {
        var config = OpenStackConfig.Resolve(null, null, null, Env(new()
        {
            ["OS_AUTH_URL"] = "https://keystone.example:5000/v3",
            ["OS_USERNAME"] = "builder",
            ["OS_PASSWORD"] = "pw",
            ["OS_USER_DOMAIN_NAME"] = "Default",
            ["OS_PROJECT_ID"] = "abc123",
            ["OS_REGION_NAME"] = "RegionOne",
            ["OS_INTERFACE"] = "internal",
            ["HOME"] = "/nonexistent",
        }));

        Assert.Equal(KeystoneAuthMethod.Password, config.Method);
        Assert.Equal("abc123", config.ProjectId);
        Assert.Equal("internal", config.Interface);
        Assert.Equal("RegionOne", config.Region);
    }

    [Fact]
    public void Resolve_CommandLineOverridesRegionAndAuthUrl()
    {
        var config = OpenStackConfig.Resolve(null, "RegionTwo", "https://other:5000", Env(new()
        {
            ["OS_AUTH_URL"] = "https://keystone.example:5000/v3",
            ["OS_APPLICATION_CREDENTIAL_ID"] = "id",
            ["OS_APPLICATION_CREDENTIAL_SECRET"] = "secret",
            ["OS_AUTH_TYPE"] = "v3applicationcredential",
            ["OS_REGION_NAME"] = "RegionOne",
        }));

        Assert.Equal("RegionTwo", config.Region);
        Assert.Equal(new Uri("https://other:5000"), config.AuthUrl);
        Assert.Equal(KeystoneAuthMethod.ApplicationCredential, config.Method);
    }

    [Fact]
    public void Resolve_NothingConfigured_CredentialsErrorSayingWhatToSet()
    {
        var e = Assert.Throws<ImageCloudException>(() => OpenStackConfig.Resolve(null, null, null, Env(new() { ["HOME"] = "/nonexistent" })));

        Assert.Equal(ImageFailureKind.Credentials, e.Kind);
        Assert.Contains("OS_CLOUD", e.Message, StringComparison.Ordinal);
        Assert.Contains("OS_AUTH_URL", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_UserWithoutDomain_CredentialsErrorNamingDomain()
    {
        var e = Assert.Throws<ImageCloudException>(() => OpenStackConfig.Resolve(null, null, null, Env(new()
        {
            ["OS_AUTH_URL"] = "https://k/v3",
            ["OS_USERNAME"] = "builder",
            ["OS_PASSWORD"] = "pw",
        })));

        Assert.Contains("OS_USER_DOMAIN_NAME", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_CloudNotInFile_InvalidRequestNamingFileAndCloud()
    {
        using var dir = new TempDirectory();
        var file = dir.Write("clouds.yaml", "clouds:\n  lab:\n    auth:\n      auth_url: https://k/\n");

        var e = Assert.Throws<ImageCloudException>(() => OpenStackConfig.Resolve("prod", null, null, Env(new() { ["OS_CLIENT_CONFIG_FILE"] = file, ["HOME"] = dir.Path })));

        Assert.Equal(ImageFailureKind.InvalidRequest, e.Kind);
        Assert.Contains("'prod'", e.Message, StringComparison.Ordinal);
        Assert.Contains(file, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_NoCloudsYamlAnywhere_SaysWhereItLooked()
    {
        using var dir = new TempDirectory();

        var e = Assert.Throws<ImageCloudException>(() => OpenStackConfig.Resolve("lab", null, null, Env(new() { ["HOME"] = dir.Path })));

        Assert.Contains(Path.Combine(dir.Path, ".config", "openstack", "clouds.yaml"), e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("clouds:\n  lab: [unclosed\n", "not valid YAML")]
    [InlineData("- just\n- a list\n", "no 'clouds:' mapping")]
    [InlineData("clouds:\n  lab: 42\n", "is not a mapping")]
    public void Resolve_BrokenCloudsYaml_InvalidRequestWithFileAndLine(string text, string expected)
    {
        using var dir = new TempDirectory();
        var file = dir.Write("clouds.yaml", text);

        var e = Assert.Throws<ImageCloudException>(() => OpenStackConfig.Resolve("lab", null, null, Env(new() { ["OS_CLIENT_CONFIG_FILE"] = file, ["HOME"] = dir.Path })));

        Assert.Equal(ImageFailureKind.InvalidRequest, e.Kind);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.StartsWith(file, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_CloudsYamlInHomeConfig_FoundWithOsCloudVariable()
    {
        using var dir = new TempDirectory();
        dir.Write(".config/openstack/clouds.yaml", "clouds:\n  lab:\n    auth:\n      auth_url: https://k:5000\n      username: u\n      password: p\n      user_domain_name: Default\n      project_name: images\n    regions:\n    - RegionOne\n");

        var config = OpenStackConfig.Resolve(null, null, null, Env(new() { ["OS_CLOUD"] = "lab", ["HOME"] = dir.Path }));

        Assert.Equal("images", config.ProjectName);
        Assert.Equal("RegionOne", config.Region);
        Assert.Contains("clouds.yaml 'lab'", config.Source, StringComparison.Ordinal);
    }
}
