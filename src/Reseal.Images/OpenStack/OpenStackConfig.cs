using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Reseal.Images.OpenStack;

/// <summary>How Keystone is asked for a token: user and password, or an application credential.</summary>
public enum KeystoneAuthMethod
{
    /// <summary><c>password</c> / <c>v3password</c>.</summary>
    Password,

    /// <summary><c>v3applicationcredential</c>.</summary>
    ApplicationCredential,
}

/// <summary>
/// Where and how to authenticate to an OpenStack cloud (or Huawei's Keystone-compatible IAM), with the conventions of
/// openstacksdk and python-openstackclient: a <c>clouds.yaml</c> entry named by <c>--os-cloud</c>/<c>OS_CLOUD</c>
/// (found at <c>OS_CLIENT_CONFIG_FILE</c>, <c>./clouds.yaml</c>, <c>~/.config/openstack/clouds.yaml</c>,
/// <c>/etc/openstack/clouds.yaml</c>, with <c>secure.yaml</c> beside it merged in), or else the <c>OS_*</c> variables.
/// </summary>
public sealed record OpenStackConfig
{
    /// <summary>Largest clouds.yaml read.</summary>
    public const int MaxFileBytes = 1024 * 1024;

    public required Uri AuthUrl { get; init; }

    public KeystoneAuthMethod Method { get; init; } = KeystoneAuthMethod.Password;

    public string? Username { get; init; }

    public string? UserId { get; init; }

    public string? Password { get; init; }

    public string? UserDomainName { get; init; }

    public string? UserDomainId { get; init; }

    public string? ProjectName { get; init; }

    public string? ProjectId { get; init; }

    public string? ProjectDomainName { get; init; }

    public string? ProjectDomainId { get; init; }

    public string? ApplicationCredentialId { get; init; }

    public string? ApplicationCredentialName { get; init; }

    public string? ApplicationCredentialSecret { get; init; }

    public string? Region { get; init; }

    /// <summary>The catalog interface: public (default), internal or admin.</summary>
    public string Interface { get; init; } = "public";

    /// <summary>Where the settings came from, for messages (<c>clouds.yaml 'mycloud' (/path)</c> or <c>OS_* variables</c>).</summary>
    public string Source { get; init; } = "OS_* variables";

    /// <summary>Reads the configuration; <paramref name="endpointUrl"/> replaces the auth URL, <paramref name="region"/> the region.</summary>
    /// <exception cref="ImageCloudException">A named cloud or its file is missing or malformed (InvalidRequest), or no
    /// credentials are configured (Credentials).</exception>
    public static OpenStackConfig Resolve(string? osCloud, string? region, string? endpointUrl, Func<string, string?> environment,
        string? defaultAuthUrl = null)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var cloudName = osCloud ?? Env(environment, "OS_CLOUD");
        var values = cloudName is not null ? FromCloudsYaml(cloudName, environment) : FromEnvironment(environment);
        if (endpointUrl is not null)
        {
            values["auth_url"] = endpointUrl;
        }

        if (region is not null)
        {
            values["region_name"] = region;
        }

        var source = values.GetValueOrDefault("__source") ?? "OS_* variables";
        if (values.GetValueOrDefault("auth_url") is null && defaultAuthUrl is not null && defaultAuthUrl.Contains("{region}", StringComparison.Ordinal) &&
            values.GetValueOrDefault("region_name") is null)
        {
            throw new ImageCloudException(ImageFailureKind.Credentials,
                $"{source}: no Huawei Cloud region, so no IAM endpoint (pass --region, or set OS_REGION_NAME or region_name; e.g. ap-southeast-1)");
        }

        var authUrlText = values.GetValueOrDefault("auth_url") ?? defaultAuthUrl?.Replace("{region}", values.GetValueOrDefault("region_name") ?? "", StringComparison.Ordinal);
        if (string.IsNullOrEmpty(authUrlText))
        {
            throw new ImageCloudException(ImageFailureKind.Credentials,
                $"no OpenStack credentials: {source} give no auth URL (set OS_CLOUD or --os-cloud to a clouds.yaml entry, or OS_AUTH_URL " +
                "with OS_USERNAME/OS_PASSWORD/OS_PROJECT_NAME or OS_APPLICATION_CREDENTIAL_ID/SECRET)");
        }

        if (!Uri.TryCreate(authUrlText, UriKind.Absolute, out var authUrl) || (authUrl.Scheme != "https" && authUrl.Scheme != "http"))
        {
            throw new ImageCloudException(ImageFailureKind.InvalidRequest, $"{source}: auth_url '{authUrlText}' is not an http(s) URL");
        }

        var type = (values.GetValueOrDefault("auth_type") ?? "password").ToLowerInvariant();
        var method = type switch
        {
            "password" or "v3password" => KeystoneAuthMethod.Password,
            "v3applicationcredential" or "applicationcredential" or "application_credential" => KeystoneAuthMethod.ApplicationCredential,
            _ => throw new ImageCloudException(ImageFailureKind.InvalidRequest,
                $"{source}: auth_type '{type}' is not supported (use password, v3password or v3applicationcredential)"),
        };
        if (method == KeystoneAuthMethod.Password && values.GetValueOrDefault("application_credential_secret") is not null &&
            values.GetValueOrDefault("password") is null)
        {
            method = KeystoneAuthMethod.ApplicationCredential;
        }

        var config = new OpenStackConfig
        {
            AuthUrl = authUrl,
            Method = method,
            Username = values.GetValueOrDefault("username"),
            UserId = values.GetValueOrDefault("user_id"),
            Password = values.GetValueOrDefault("password"),
            UserDomainName = values.GetValueOrDefault("user_domain_name") ?? values.GetValueOrDefault("domain_name"),
            UserDomainId = values.GetValueOrDefault("user_domain_id") ?? values.GetValueOrDefault("domain_id"),
            ProjectName = values.GetValueOrDefault("project_name") ?? values.GetValueOrDefault("tenant_name"),
            ProjectId = values.GetValueOrDefault("project_id") ?? values.GetValueOrDefault("tenant_id"),
            ProjectDomainName = values.GetValueOrDefault("project_domain_name") ?? values.GetValueOrDefault("domain_name"),
            ProjectDomainId = values.GetValueOrDefault("project_domain_id") ?? values.GetValueOrDefault("domain_id"),
            ApplicationCredentialId = values.GetValueOrDefault("application_credential_id"),
            ApplicationCredentialName = values.GetValueOrDefault("application_credential_name"),
            ApplicationCredentialSecret = values.GetValueOrDefault("application_credential_secret"),
            Region = values.GetValueOrDefault("region_name"),
            Interface = (values.GetValueOrDefault("interface") ?? "public").ToLowerInvariant() switch
            {
                "public" or "publicurl" => "public",
                "internal" or "internalurl" => "internal",
                "admin" or "adminurl" => "admin",
                var other => throw new ImageCloudException(ImageFailureKind.InvalidRequest,
                    $"{source}: interface '{other}' is not public, internal or admin"),
            },
            Source = source,
        };
        config.CheckCredentials();
        return config;
    }

    private void CheckCredentials()
    {
        if (Method == KeystoneAuthMethod.ApplicationCredential)
        {
            if (ApplicationCredentialSecret is null || (ApplicationCredentialId is null && (ApplicationCredentialName is null || (Username is null && UserId is null))))
            {
                throw new ImageCloudException(ImageFailureKind.Credentials,
                    $"{Source}: an application credential needs its secret and its id (or its name with the user)");
            }

            return;
        }

        if (Password is null || (Username is null && UserId is null))
        {
            throw new ImageCloudException(ImageFailureKind.Credentials,
                $"{Source}: password authentication needs a user name (or id) and a password (OS_USERNAME, OS_PASSWORD)");
        }

        if (Username is not null && UserId is null && UserDomainName is null && UserDomainId is null)
        {
            throw new ImageCloudException(ImageFailureKind.Credentials,
                $"{Source}: user '{Username}' needs its domain (user_domain_name, OS_USER_DOMAIN_NAME; often 'Default')");
        }
    }

    private static string? Env(Func<string, string?> environment, string name) =>
        environment(name) is { Length: > 0 } value ? value : null;

    private static Dictionary<string, string> FromEnvironment(Func<string, string?> environment)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in (string[])["auth_url", "auth_type", "username", "user_id", "password", "user_domain_name", "user_domain_id",
                     "project_name", "project_id", "tenant_name", "tenant_id", "project_domain_name", "project_domain_id", "domain_name",
                     "domain_id", "application_credential_id", "application_credential_name", "application_credential_secret",
                     "region_name", "interface"])
        {
            if (Env(environment, "OS_" + name.ToUpperInvariant()) is { } value)
            {
                values[name] = value;
            }
        }

        values["__source"] = "the OS_* variables";
        return values;
    }

    private static Dictionary<string, string> FromCloudsYaml(string cloud, Func<string, string?> environment)
    {
        var files = CandidateFiles(environment, "clouds.yaml");
        var found = files.FirstOrDefault(File.Exists);
        if (found is null)
        {
            throw new ImageCloudException(ImageFailureKind.InvalidRequest,
                $"cloud '{cloud}': no clouds.yaml found (looked at {string.Join(", ", files)})");
        }

        var values = Entry(found, cloud) ?? throw new ImageCloudException(ImageFailureKind.InvalidRequest,
            $"cloud '{cloud}' is not in {found} (its 'clouds:' has no such entry)");
        // secure.yaml holds the secrets of the same entries and wins, as in openstacksdk.
        var secure = CandidateFiles(environment, "secure.yaml").FirstOrDefault(File.Exists);
        if (secure is not null && Entry(secure, cloud) is { } secrets)
        {
            foreach (var (name, value) in secrets)
            {
                values[name] = value;
            }
        }

        values["__source"] = $"clouds.yaml '{cloud}' ({found})";
        return values;
    }

    private static List<string> CandidateFiles(Func<string, string?> environment, string name)
    {
        var files = new List<string>();
        if (name == "clouds.yaml" && Env(environment, "OS_CLIENT_CONFIG_FILE") is { } explicitFile)
        {
            files.Add(explicitFile);
        }

        if (name == "secure.yaml" && Env(environment, "OS_CLIENT_SECURE_FILE") is { } explicitSecure)
        {
            files.Add(explicitSecure);
        }

        files.Add(Path.Combine(Directory.GetCurrentDirectory(), name));
        var home = Env(environment, "HOME") ?? Env(environment, "USERPROFILE");
        var configHome = Env(environment, "XDG_CONFIG_HOME") ?? (home is null ? null : Path.Combine(home, ".config"));
        if (configHome is not null)
        {
            files.Add(Path.Combine(configHome, "openstack", name));
        }

        files.Add(Path.Combine("/etc/openstack", name));
        return files;
    }

    /// <summary>The flattened <c>clouds.NAME</c> entry: its top-level scalars and those under <c>auth:</c>.</summary>
    private static Dictionary<string, string>? Entry(string path, string cloud)
    {
        var info = new FileInfo(path);
        if (info.Length > MaxFileBytes)
        {
            throw new ImageCloudException(ImageFailureKind.InvalidRequest, $"{path}: {info.Length:N0} bytes is not a clouds.yaml (limit {MaxFileBytes:N0})");
        }

        YamlStream yaml;
        try
        {
            using var reader = new StreamReader(path);
            yaml = [];
            yaml.Load(new Parser(new Scanner(reader, skipComments: true)));
        }
        catch (YamlException e)
        {
            throw new ImageCloudException(ImageFailureKind.InvalidRequest,
                $"{path}:{e.Start.Line}:{e.Start.Column}: not valid YAML: {e.Message}", e);
        }
        catch (IOException e)
        {
            throw new ImageCloudException(ImageFailureKind.InvalidRequest, $"{path}: cannot be read: {e.Message}", e);
        }

        if (yaml.Documents.Count == 0 || yaml.Documents[0].RootNode is not YamlMappingNode root ||
            !root.Children.TryGetValue(new YamlScalarNode("clouds"), out var cloudsNode) || cloudsNode is not YamlMappingNode clouds)
        {
            throw new ImageCloudException(ImageFailureKind.InvalidRequest, $"{path}: no 'clouds:' mapping at the top");
        }

        if (!clouds.Children.TryGetValue(new YamlScalarNode(cloud), out var entryNode))
        {
            return null;
        }

        if (entryNode is not YamlMappingNode entry)
        {
            throw new ImageCloudException(ImageFailureKind.InvalidRequest, $"{path}: clouds.{cloud} is not a mapping");
        }

        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in entry.Children)
        {
            if (key is not YamlScalarNode { Value: { } name })
            {
                continue;
            }

            if (name == "auth" && value is YamlMappingNode auth)
            {
                foreach (var (authKey, authValue) in auth.Children)
                {
                    if (authKey is YamlScalarNode { Value: { } authName } && authValue is YamlScalarNode { Value: { } text })
                    {
                        values[authName] = text;
                    }
                }
            }
            else if (value is YamlScalarNode { Value: { } scalar })
            {
                values[name] = scalar;
            }
            else if (name == "regions" && value is YamlSequenceNode regions && regions.Children.FirstOrDefault() is YamlScalarNode { Value: { } first } &&
                     !values.ContainsKey("region_name"))
            {
                values["region_name"] = first;
            }
        }

        return values;
    }
}
