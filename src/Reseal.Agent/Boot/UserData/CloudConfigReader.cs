// #cloud-config user data, the subset Cloudbase-Init runs on Windows (agents.md §3; cloud-init's module docs):
//
//   #cloud-config
//   set_hostname: web-01
//   set_timezone: Europe/Berlin
//   users:
//   - name: deploy
//     groups: Administrators          # or a list
//     ssh_authorized_keys: [ssh-rsa AAAA…]
//   write_files:
//   - path: C:\app\config.json
//     content: "{}"
//     encoding: b64                   # text/plain (default), b64|base64, gz|gzip, gz+b64|gzip+base64
//     append: false
//   runcmd:
//   - echo hello                      # a shell line (cmd.exe)
//   - [net, user]                     # an argument vector
//
// Every other key is reported by name as unsupported (Cloudbase-Init only logs and skips them; users never learn).
using System.Text;
using Reseal.Agent.Boot.Config;
using Reseal.Agent.Boot.Yaml;

namespace Reseal.Agent.Boot.UserData;

/// <summary>Reads the supported subset of <c>#cloud-config</c>.</summary>
internal static class CloudConfigReader
{
    /// <summary>The top-level keys that are acted on.</summary>
    public static IReadOnlyList<string> SupportedKeys { get; } = ["write_files", "set_hostname", "set_timezone", "users", "runcmd"];

    private static readonly string[] FileKeys = ["path", "content", "encoding", "permissions", "owner", "append", "defer"];
    private static readonly string[] UserKeys = ["name", "groups", "primary_group", "ssh_authorized_keys", "passwd", "plain_text_passwd", "gecos"];

    public static void Read(UserDataContext context, string text, string origin)
    {
        var root = BoundedYamlReader.Read(text, YamlLimits.UserData, context.Diagnostics, origin);
        if (root is null or YamlScalarValue { IsNull: true })
        {
            if (!context.Diagnostics.Any(d => d.Source == origin && d.IsError))
            {
                context.Info(BootCodes.UserDataNote, 1, 1, origin, "#cloud-config with no keys; nothing to do");
            }

            return;
        }

        if (root is not YamlMappingValue top)
        {
            context.Error(BootCodes.UserDataMalformed, root.Line, root.Column, origin, $"#cloud-config must be a mapping of keys, not {root.KindName}");
            return;
        }

        foreach (var (key, value) in top.Entries)
        {
            switch (key.Text)
            {
                case "write_files":
                    ForEach(context, value, origin, "write_files", item => WriteFile(context, item, origin));
                    break;
                case "set_hostname":
                    if (Scalar(context, value, origin, "set_hostname") is { } host)
                    {
                        if (!Tasks.SetHostNameTask.IsNetBiosName(host.Text))
                        {
                            context.Warning(BootCodes.BadValue, host.Line, host.Column, origin,
                                $"'{host.Text}' is not a valid Windows computer name (1-15 letters, digits, hyphens); it will be shortened or rejected when set");
                        }

                        context.Items.Add(new HostNameItem(host.Text, true, origin + " set_hostname"));
                    }

                    break;
                case "set_timezone":
                    if (Scalar(context, value, origin, "set_timezone") is { } zone)
                    {
                        context.Items.Add(new TimeZoneItem(zone.Text, origin + " set_timezone"));
                    }

                    break;
                case "users":
                    ForEach(context, value, origin, "users", item => User(context, item, origin));
                    break;
                case "runcmd":
                    ForEach(context, value, origin, "runcmd", item => Command(context, item, origin));
                    break;
                default:
                    context.Warning(BootCodes.CloudConfigUnsupportedKey, key.Line, key.Column, origin,
                        $"cloud-config key '{key.Text}' is not supported and is ignored; supported: {string.Join(", ", SupportedKeys)}");
                    break;
            }
        }
    }

    private static void ForEach(UserDataContext context, YamlValue value, string origin, string key, Action<YamlValue> read)
    {
        if (value is YamlScalarValue { IsNull: true })
        {
            return;
        }

        if (value is not YamlSequenceValue list)
        {
            context.Error(BootCodes.WrongInputType, value.Line, value.Column, origin, $"'{key}' must be a list, not {value.KindName}");
            return;
        }

        foreach (var item in list.Items)
        {
            read(item);
        }
    }

    private static YamlScalarValue? Scalar(UserDataContext context, YamlValue value, string origin, string key)
    {
        if (value is YamlScalarValue { IsNull: false } scalar)
        {
            return scalar;
        }

        context.Error(BootCodes.WrongInputType, value.Line, value.Column, origin, $"'{key}' must be a string, not {value.KindName}");
        return null;
    }

    private static void WriteFile(UserDataContext context, YamlValue item, string origin)
    {
        if (item is not YamlMappingValue file)
        {
            context.Error(BootCodes.WrongInputType, item.Line, item.Column, origin, $"a write_files entry must be a mapping, not {item.KindName}");
            return;
        }

        ReportUnknownKeys(context, file, FileKeys, origin, "write_files entry");
        if (file.Get("path") is not YamlScalarValue { IsNull: false } path)
        {
            context.Error(BootCodes.MissingInput, file.Line, file.Column, origin, "a write_files entry needs 'path'");
            return;
        }

        var content = file.Get("content") as YamlScalarValue;
        var encoding = (file.Get("encoding") as YamlScalarValue)?.Text ?? (content?.Tag == "tag:yaml.org,2002:binary" ? "b64" : "text/plain");
        var bytes = Decode(context, content?.Text ?? string.Empty, encoding, file, origin);
        if (bytes is null)
        {
            return;
        }

        var append = (file.Get("append") as YamlScalarValue)?.AsBoolean() ?? false;
        var permissions = (file.Get("permissions") as YamlScalarValue)?.Text;
        context.Items.Add(new WriteFileItem(path.Text, bytes, append, permissions, TaskFrequency.Once, $"{origin} write_files {path.Text}"));
    }

    private static byte[]? Decode(UserDataContext context, string content, string encoding, YamlMappingValue file, string origin)
    {
        var name = encoding.ToUpperInvariant();
        var base64 = name is "B64" or "BASE64" or "GZ+B64" or "GZ+BASE64" or "GZIP+B64" or "GZIP+BASE64";
        var gzip = name is "GZ" or "GZIP" or "GZ+B64" or "GZ+BASE64" or "GZIP+B64" or "GZIP+BASE64";
        if (!base64 && !gzip && name is not "TEXT/PLAIN" and not "TEXT")
        {
            context.Error(BootCodes.BadEnumValue, file.Line, file.Column, origin, $"write_files encoding '{encoding}' is not one of text/plain, b64, gz, gz+b64");
            return null;
        }

        var bytes = Encoding.UTF8.GetBytes(content);
        if (base64)
        {
            bytes = context.TryBase64(content) ?? [];
            if (bytes.Length == 0 && content.Trim().Length > 0)
            {
                context.Error(BootCodes.UserDataMalformed, file.Line, file.Column, origin, "write_files content is not valid base64");
                return null;
            }
        }

        if (gzip)
        {
            return context.Inflate(bytes, origin);
        }

        return bytes;
    }

    private static void User(UserDataContext context, YamlValue item, string origin)
    {
        if (item is YamlScalarValue { IsNull: false } plain)
        {
            if (plain.Text == "default")
            {
                context.Warning(BootCodes.CloudConfigUnsupportedKey, plain.Line, plain.Column, origin,
                    "users entry 'default' (the distribution's default user) has no meaning on Windows and is ignored");
                return;
            }

            context.Items.Add(new UserItem(plain.Text, [], [], null, null, $"{origin} users {plain.Text}"));
            return;
        }

        if (item is not YamlMappingValue user)
        {
            context.Error(BootCodes.WrongInputType, item.Line, item.Column, origin, $"a users entry must be a name or a mapping, not {item.KindName}");
            return;
        }

        ReportUnknownKeys(context, user, UserKeys, origin, "users entry");
        if (user.Get("name") is not YamlScalarValue { IsNull: false } name)
        {
            context.Error(BootCodes.MissingInput, user.Line, user.Column, origin, "a users entry needs 'name'");
            return;
        }

        var groups = new List<string>();
        if ((user.Get("primary_group") as YamlScalarValue)?.Text is { Length: > 0 } primary)
        {
            groups.Add(primary);
        }

        switch (user.Get("groups"))
        {
            case YamlScalarValue { IsNull: false } list:
                groups.AddRange(list.Text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
                break;
            case YamlSequenceValue sequence:
                groups.AddRange(sequence.Items.OfType<YamlScalarValue>().Select(s => s.Text));
                break;
            default:
                break;
        }

        var keys = user.Get("ssh_authorized_keys") is YamlSequenceValue keyList ? keyList.Items.OfType<YamlScalarValue>().Select(s => s.Text).ToList() : [];
        string? password = null;
        foreach (var passwordKey in new[] { "passwd", "plain_text_passwd" })
        {
            if (user.Get(passwordKey) is YamlScalarValue { IsNull: false } secret)
            {
                password = secret.Text;
                context.Warning(BootCodes.ClearTextPassword, secret.Line, secret.Column, origin,
                    $"'{passwordKey}' puts a password in user data, which anyone who can read the instance's metadata can read; prefer ssh_authorized_keys or the agent's random password");
            }
        }

        context.Items.Add(new UserItem(name.Text, groups, keys, password, (user.Get("gecos") as YamlScalarValue)?.Text, $"{origin} users {name.Text}"));
    }

    private static void Command(UserDataContext context, YamlValue item, string origin)
    {
        switch (item)
        {
            case YamlScalarValue { IsNull: false } line:
                context.Items.Add(new CommandItem(line.Text, null, $"{origin} runcmd"));
                break;
            case YamlSequenceValue argv when argv.Items.All(i => i is YamlScalarValue) && argv.Items.Count > 0:
                context.Items.Add(new CommandItem(null, [.. argv.Items.Cast<YamlScalarValue>().Select(s => s.Text)], $"{origin} runcmd"));
                break;
            default:
                context.Error(BootCodes.WrongInputType, item.Line, item.Column, origin, "a runcmd entry must be a command line or a list of arguments");
                break;
        }
    }

    private static void ReportUnknownKeys(UserDataContext context, YamlMappingValue map, string[] known, string origin, string what)
    {
        foreach (var key in map.Entries.Select(e => e.Key).Where(k => !known.Contains(k.Text)))
        {
            context.Warning(BootCodes.CloudConfigUnsupportedKey, key.Line, key.Column, origin,
                $"'{key.Text}' in a {what} is not supported and is ignored; supported: {string.Join(", ", known)}");
        }
    }
}
