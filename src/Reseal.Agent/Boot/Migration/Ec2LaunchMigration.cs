// EC2Launch v1's settings (awsdocs amazon-ec2-user-guide-windows, doc_source/ec2launch.md; ../shared/reference/agents.md
// §2 and §6), JSON files in C:\ProgramData\Amazon\EC2-Windows\Launch\Config:
//
//   LaunchConfig.json              {"setComputerName": false, "setMonitorAlwaysOn": true, "setWallpaper": true,
//                                   "addDnsSuffixList": true, "extendBootVolumeSize": true, "handleUserData": true,
//                                   "adminPasswordType": "Random" | "Specify" | "DoNothing", "adminPassword": "…"}
//   DriveLetterMappingConfig.json  {"driveLetterMapping": [{"volumeName": "…", "driveLetter": "H"}]}
//   EventLogConfig.json            {"events": [{"logName": "System", "source": "…", "level": "Error", "numEntries": 3}]}
//
// Read with Utf8JsonReader (comments and trailing commas refused, as PowerShell's ConvertFrom-Json in EC2Launch's
// scripts would), so every key keeps its line; the password's value is never copied into a report.
using System.Text;
using System.Text.Json;
using Reseal.Agent.Boot.Config;
using Reseal.Agent.Boot.Tasks;

namespace Reseal.Agent.Boot.Migration;

/// <summary>Reads EC2Launch v1's settings files and maps each setting.</summary>
internal static class Ec2LaunchMigration
{
    public const string Folder = @"%ProgramData%\Amazon\EC2-Windows\Launch\Config";
    public const string LaunchConfigJson = Folder + @"\LaunchConfig.json";
    public const string DriveLetterMappingJson = Folder + @"\DriveLetterMappingConfig.json";
    public const string EventLogConfigJson = Folder + @"\EventLogConfig.json";

    /// <summary>The keys of LaunchConfig.json (ec2launch.md).</summary>
    public static IReadOnlyList<string> LaunchConfigKeys { get; } =
        ["setComputerName", "setMonitorAlwaysOn", "setWallpaper", "addDnsSuffixList", "extendBootVolumeSize", "handleUserData", "adminPasswordType", "adminPassword"];

    private static readonly string[] PasswordTypes = ["Random", "Specify", "DoNothing"];

    /// <summary>A JSON value with the line it starts on.</summary>
    private sealed record Node(int Line, JsonValueKind Kind, string? Text, bool? Flag, long? Number, List<(string Key, Node Value)>? Fields, List<Node>? Items);

    public static void Read(Func<string, bool, string?> readText, MigrationBuilder builder)
    {
        if (readText(LaunchConfigJson, true) is { } text && Parse(text, LaunchConfigJson, builder) is { } root)
        {
            ReadLaunchConfig(root, builder);
        }

        if (readText(DriveLetterMappingJson, false) is { } drives && Parse(drives, DriveLetterMappingJson, builder) is { } driveRoot)
        {
            ReadDriveLetters(driveRoot, builder);
        }

        if (readText(EventLogConfigJson, false) is { } events && Parse(events, EventLogConfigJson, builder) is { } eventRoot)
        {
            ReadEvents(eventRoot, builder);
        }
    }

    private static void ReadLaunchConfig(Node root, MigrationBuilder builder)
    {
        var file = LaunchConfigJson;
        if (root.Fields!.Any(f => f.Key is "driveLetterMapping" or "events"))
        {
            builder.Error(BootCodes.MigrationWrongAgent, file, root.Line, "this is DriveLetterMappingConfig.json or EventLogConfig.json, not LaunchConfig.json");
            return;
        }

        var passwordType = root.Fields!.LastOrDefault(f => f.Key == "adminPasswordType").Value?.Text;
        foreach (var (key, value) in root.Fields!)
        {
            if (!LaunchConfigKeys.Contains(key))
            {
                builder.Error(BootCodes.MigrationUnknownSetting, file, value.Line,
                    $"unknown key '{key}'; LaunchConfig.json has {string.Join(", ", LaunchConfigKeys)} (keys are case-sensitive)");
                continue;
            }

            if (key == "adminPassword")
            {
                ReadPassword(value, passwordType, builder);
                continue;
            }

            if (key == "adminPasswordType")
            {
                ReadPasswordType(value, root, builder);
                continue;
            }

            if (value.Flag is not { } on)
            {
                builder.Error(BootCodes.MigrationBadValue, file, value.Line, $"'{key}' must be true or false, not {Show(value)}");
                continue;
            }

            var setting = new FoundSetting(file, value.Line, key, on ? "true" : "false");
            switch (key)
            {
                case "setComputerName" when on:
                    builder.Map(setting, AgentStage.PostReady, "setHostName", "setHostName", "the computer name from the instance metadata, as EC2Launch sets it");
                    break;
                case "setComputerName":
                    builder.LeftOut(setting, "setHostName", "the computer name is left as it is");
                    break;
                case "setMonitorAlwaysOn" when on:
                    builder.Map(setting, AgentStage.PreReady, "setMonitorAlwaysOn", "setMonitorAlwaysOn", "the display never turns off (power settings)");
                    break;
                case "setMonitorAlwaysOn":
                    builder.LeftOut(setting, "setMonitorAlwaysOn", "the display's power settings are left as they are");
                    break;
                case "setWallpaper" when on:
                    builder.Map(setting, AgentStage.PreReady, "setWallpaper", "setWallpaper.attributes", "instance facts drawn on the wallpaper (EC2Launch v2's attribute list)",
                        i => i["attributes"] = WallpaperText.Attributes.Cast<object>().ToList());
                    break;
                case "setWallpaper":
                    builder.LeftOut(setting, "setWallpaper", "the wallpaper is left as it is");
                    break;
                case "addDnsSuffixList" when on:
                    builder.Map(setting, AgentStage.PreReady, "setDnsSuffix", "setDnsSuffix.suffixes = $REGION.ec2-utilities.amazonaws.com",
                        "the EC2 DNS suffix, as EC2Launch v2 and Reseal's default configuration set it",
                        i => i["suffixes"] = new List<object> { "$REGION.ec2-utilities.amazonaws.com" });
                    break;
                case "addDnsSuffixList":
                    builder.LeftOut(setting, "setDnsSuffix", "the DNS suffix list is left as it is");
                    break;
                case "extendBootVolumeSize" when on:
                    builder.Map(setting, AgentStage.Boot, "extendRootPartition", "extendRootPartition", "extend the boot volume over the disk's free space");
                    break;
                case "extendBootVolumeSize":
                    builder.LeftOut(setting, "extendRootPartition", "the boot volume keeps its size");
                    break;
                case "handleUserData" when on:
                    builder.Default(setting, "Reseal runs user data at every launch: EC2's <script>/<powershell>/<persist> and the other formats");
                    break;
                default: // handleUserData: false
                    builder.NotMigrated(setting, "Reseal has no switch to ignore user data; launch the instance without user data instead");
                    break;
            }
        }
    }

    private static void ReadPasswordType(Node value, Node root, MigrationBuilder builder)
    {
        var file = LaunchConfigJson;
        var type = value.Text is { } t ? PasswordTypes.FirstOrDefault(k => string.Equals(k, t, StringComparison.OrdinalIgnoreCase)) : null;
        if (type is null)
        {
            builder.Error(BootCodes.MigrationBadValue, file, value.Line, $"'adminPasswordType' must be Random, Specify or DoNothing, not {Show(value)}");
            return;
        }

        var setting = new FoundSetting(file, value.Line, "adminPasswordType", type);
        var password = root.Fields!.LastOrDefault(f => f.Key == "adminPassword").Value?.Text;
        switch (type)
        {
            case "Random":
                builder.Map(setting, AgentStage.PreReady, "setAdminAccount", "setAdminAccount.password.type = random",
                    "a random password, encrypted to the launch key and printed on the console", i => i["password"] = Ec2ConfigMigration.Password("random"));
                break;
            case "DoNothing":
                builder.Map(setting, AgentStage.PreReady, "setAdminAccount", "setAdminAccount.password.type = doNothing",
                    "the administrator keeps the password the answer file gives it", i => i["password"] = Ec2ConfigMigration.Password("doNothing"));
                break;
            case "Specify" when string.IsNullOrEmpty(password):
                builder.Warning(BootCodes.MigrationBadValue, file, value.Line, "adminPasswordType is Specify but adminPassword is empty; EC2Launch falls back to a random password, and so does the migration");
                builder.Map(setting, AgentStage.PreReady, "setAdminAccount", "setAdminAccount.password.type = random",
                    "Specify without a password: EC2Launch generates a random one instead", i => i["password"] = Ec2ConfigMigration.Password("random"));
                break;
            default:
                if (!MigrationBuilder.IsWritable(password!))
                {
                    builder.Error(BootCodes.MigrationBadValue, file, value.Line, "adminPassword contains a control character or a line break; Windows would not accept it");
                    return;
                }

                builder.Map(setting, AgentStage.PreReady, "setAdminAccount", "setAdminAccount.password.type = static",
                    "the password in adminPassword; it is written only to agent-config.yml (administrators only) and removed once set",
                    i => i["password"] = new Dictionary<string, object>(StringComparer.Ordinal) { ["type"] = "static", ["data"] = password! });
                builder.HasClearTextPassword = builder.Knows("setAdminAccount");
                break;
        }
    }

    private static void ReadPassword(Node value, string? passwordType, MigrationBuilder builder)
    {
        if (value.Kind is not (JsonValueKind.String or JsonValueKind.Null))
        {
            builder.Error(BootCodes.MigrationBadValue, LaunchConfigJson, value.Line, "'adminPassword' must be a string");
            return;
        }

        var set = !string.IsNullOrEmpty(value.Text);
        var setting = new FoundSetting(LaunchConfigJson, value.Line, "adminPassword", set ? "(set, not shown)" : "(empty)");
        if (!set)
        {
            builder.Default(setting, "empty: nothing to carry over");
        }
        else if (string.Equals(passwordType, "Specify", StringComparison.OrdinalIgnoreCase))
        {
            builder.MapMetadata(setting, "setAdminAccount.password.data", "with adminPasswordType Specify (never shown)");
        }
        else
        {
            builder.Warning(BootCodes.MigrationNote, LaunchConfigJson, value.Line,
                "adminPassword holds a clear-text password although adminPasswordType is not Specify; it is not migrated: clear it from LaunchConfig.json");
            builder.NotMigrated(setting, "EC2Launch ignores it unless adminPasswordType is Specify");
        }
    }

    private static void ReadDriveLetters(Node root, MigrationBuilder builder)
    {
        var file = DriveLetterMappingJson;
        var mappings = new List<object>();
        foreach (var (key, value) in root.Fields!)
        {
            if (key != "driveLetterMapping")
            {
                builder.Error(key is "events" or "adminPasswordType" or "setComputerName" ? BootCodes.MigrationWrongAgent : BootCodes.MigrationUnknownSetting, file, value.Line,
                    $"unknown key '{key}'; DriveLetterMappingConfig.json has only 'driveLetterMapping'");
                continue;
            }

            foreach (var item in value.Items ?? [])
            {
                var volume = Field(item, "volumeName")?.Text;
                var letter = Field(item, "driveLetter")?.Text;
                if (item.Fields?.FirstOrDefault(f => f.Key is not ("volumeName" or "driveLetter")) is { Key: not null } extra)
                {
                    builder.Error(BootCodes.MigrationUnknownSetting, file, extra.Value.Line, $"unknown key '{extra.Key}' in a drive letter mapping; it has volumeName and driveLetter");
                    continue;
                }

                if (string.IsNullOrEmpty(volume) || !MigrationBuilder.IsWritable(volume) || letter is null || DriveLetters.Normalize(letter) is not { } normalized)
                {
                    builder.Error(BootCodes.MigrationBadValue, file, item.Line, $"a mapping needs a 'volumeName' and a 'driveLetter' such as \"H\" (found {Show(item)})");
                    continue;
                }

                mappings.Add(new Dictionary<string, object>(StringComparer.Ordinal) { ["volumeName"] = volume, ["driveLetter"] = normalized });
                builder.Map(new FoundSetting(file, item.Line, "driveLetterMapping", $"'{volume}' -> {normalized}"), AgentStage.PreReady, "setDriveLetters", "setDriveLetters.mappings",
                    "the volume with this label gets this letter at each boot (EC2Launch applied it when InitializeDisks.ps1 ran)", i => i["mappings"] = mappings);
            }

            if (value.Items is null)
            {
                builder.Error(BootCodes.MigrationBadValue, file, value.Line, "'driveLetterMapping' must be a list of {volumeName, driveLetter}");
            }
        }
    }

    private static void ReadEvents(Node root, MigrationBuilder builder)
    {
        var file = EventLogConfigJson;
        var events = new List<object>();
        foreach (var (key, value) in root.Fields!)
        {
            if (key != "events")
            {
                builder.Error(key is "driveLetterMapping" or "adminPasswordType" or "setComputerName" ? BootCodes.MigrationWrongAgent : BootCodes.MigrationUnknownSetting, file, value.Line,
                    $"unknown key '{key}'; EventLogConfig.json has only 'events'");
                continue;
            }

            if (value.Items is null)
            {
                builder.Error(BootCodes.MigrationBadValue, file, value.Line, "'events' must be a list of {logName, source, level, numEntries}");
                continue;
            }

            foreach (var item in value.Items)
            {
                if (item.Fields is null)
                {
                    builder.Error(BootCodes.MigrationBadValue, file, item.Line, "an event entry must be an object with logName, source, level and numEntries");
                    continue;
                }

                var map = new Dictionary<string, object>(StringComparer.Ordinal);
                var ok = true;
                foreach (var (name, field) in item.Fields)
                {
                    switch (name)
                    {
                        case "logName" or "source" when field.Text is { Length: > 0 } text && MigrationBuilder.IsWritable(text):
                            map[name] = text;
                            break;
                        case "level" when field.Text is { } level && Ec2ConfigMigration.EventLevel(level) is { } known:
                            map["level"] = known;
                            break;
                        case "numEntries" when field.Number is { } n and >= 1 and <= 1000:
                            map["numEntries"] = (int)n;
                            break;
                        case "logName" or "source" or "level" or "numEntries":
                            builder.Error(BootCodes.MigrationBadValue, file, field.Line, $"'{name}' has the value {Show(field)}, which does not fit ({(name == "level" ? "Error, Warning or Information" : name == "numEntries" ? "a number from 1 to 1000" : "a non-empty string")})");
                            ok = false;
                            break;
                        default:
                            builder.Error(BootCodes.MigrationUnknownSetting, file, field.Line, $"unknown key '{name}' in an event entry; it has logName, source, level and numEntries");
                            ok = false;
                            break;
                    }
                }

                if (!map.ContainsKey("logName"))
                {
                    builder.Error(BootCodes.MigrationBadValue, file, item.Line, "an event entry needs 'logName'");
                    ok = false;
                }

                if (ok)
                {
                    events.Add(map);
                    builder.Map(new FoundSetting(file, item.Line, "events", string.Join(", ", map.Select(f => $"{f.Key}={f.Value}"))), AgentStage.PostReady, "sendEventLogs", "sendEventLogs.events",
                        "these entries are copied to the console at each boot (EC2Launch sent them when SendEventLogs.ps1 was scheduled)", i => i["events"] = events);
                }
            }
        }
    }

    private static Node? Field(Node node, string name) => node.Fields?.LastOrDefault(f => f.Key == name).Value;

    private static string Show(Node node) => node.Kind switch
    {
        JsonValueKind.String => $"\"{node.Text}\"",
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "a list",
        JsonValueKind.Null => "null",
        JsonValueKind.True or JsonValueKind.False => node.Flag!.Value ? "true" : "false",
        _ => node.Text ?? "a number",
    };

    /// <summary>Parses a JSON object with the line of every value; null with an error naming the line when it is not one.</summary>
    private static Node? Parse(string text, string file, MigrationBuilder builder)
    {
        if (MigrationFormats.Sniff(text) is { } other && !other.StartsWith("JSON", StringComparison.Ordinal))
        {
            builder.Error(BootCodes.MigrationWrongAgent, file, 1, $"the file is {other}, not EC2Launch v1's JSON");
            return null;
        }

        var bytes = Encoding.UTF8.GetBytes(text);
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 16 });
        try
        {
            if (!reader.Read())
            {
                builder.Error(BootCodes.MigrationMalformed, file, 1, "the file is empty; it should hold a JSON object");
                return null;
            }

            var node = ReadNode(ref reader, bytes);
            if (reader.Read())
            {
                builder.Error(BootCodes.MigrationMalformed, file, LineAt(bytes, reader.TokenStartIndex), "text after the JSON object");
                return null;
            }

            if (node.Fields is null)
            {
                builder.Error(BootCodes.MigrationMalformed, file, node.Line, "the file must hold one JSON object");
                return null;
            }

            return node;
        }
        catch (JsonException e)
        {
            builder.Error(BootCodes.MigrationMalformed, file, (int)(e.LineNumber ?? 0) + 1, "not valid JSON: " + e.Message);
            return null;
        }
    }

    private static Node ReadNode(ref Utf8JsonReader reader, byte[] bytes)
    {
        var line = LineAt(bytes, reader.TokenStartIndex);
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                var fields = new List<(string, Node)>();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
                {
                    var name = reader.GetString()!;
                    reader.Read();
                    fields.Add((name, ReadNode(ref reader, bytes)));
                }

                return new Node(line, JsonValueKind.Object, null, null, null, fields, null);
            case JsonTokenType.StartArray:
                var items = new List<Node>();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    items.Add(ReadNode(ref reader, bytes));
                }

                return new Node(line, JsonValueKind.Array, null, null, null, null, items);
            case JsonTokenType.String:
                return new Node(line, JsonValueKind.String, reader.GetString(), null, null, null, null);
            case JsonTokenType.True or JsonTokenType.False:
                return new Node(line, reader.TokenType == JsonTokenType.True ? JsonValueKind.True : JsonValueKind.False, null, reader.GetBoolean(), null, null, null);
            case JsonTokenType.Number:
                return new Node(line, JsonValueKind.Number, Encoding.UTF8.GetString(reader.ValueSpan), null, reader.TryGetInt64(out var n) ? n : null, null, null);
            default:
                return new Node(line, JsonValueKind.Null, null, null, null, null, null);
        }
    }

    private static int LineAt(byte[] bytes, long offset) => 1 + bytes.AsSpan(0, (int)Math.Min(offset, bytes.Length)).Count((byte)'\n');
}
