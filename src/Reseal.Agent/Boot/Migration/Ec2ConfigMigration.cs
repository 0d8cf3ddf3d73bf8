// EC2Config's settings (awsdocs amazon-ec2-user-guide-windows, doc_source/ec2config-service.md, "EC2Config settings
// files"; ../shared/reference/agents.md §2 and §6), in C:\Program Files\Amazon\Ec2ConfigService\Settings:
//
//   config.xml           <Ec2ConfigurationSettings>
//                          <Plugins><Plugin><Name>Ec2SetPassword</Name><State>Enabled|Disabled</State></Plugin>…</Plugins>
//                          <GlobalSettings><ManageShutdown>true</ManageShutdown>…</GlobalSettings>
//                        </Ec2ConfigurationSettings>
//   BundleConfig.xml     <BundleConfig><Property><Name>AutoSysprep</Name><Value>Yes|No</Value></Property>…</BundleConfig>
//   DriveLetterConfig.xml <DriveLetterMapping><Mapping><VolumeName>…</VolumeName><DriveLetter>M:</DriveLetter></Mapping>…
//   EventLogConfig.xml   <Event><Category>System</Category><ErrorType>Error</ErrorType><NumEntries>3</NumEntries>
//                        <AppName>…</AppName><LastMessageTime>…</LastMessageTime></Event>…
//
// DTDs are refused; every setting keeps the line it was read from.
using System.Xml;
using System.Xml.Linq;
using Reseal.Agent.Boot.Config;

namespace Reseal.Agent.Boot.Migration;

/// <summary>Reads EC2Config's settings files and maps each setting.</summary>
internal static class Ec2ConfigMigration
{
    public const string Folder = @"%ProgramFiles%\Amazon\Ec2ConfigService\Settings";
    public const string ConfigXml = Folder + @"\config.xml";
    public const string BundleConfigXml = Folder + @"\BundleConfig.xml";
    public const string DriveLetterConfigXml = Folder + @"\DriveLetterConfig.xml";
    public const string EventLogConfigXml = Folder + @"\EventLogConfig.xml";

    /// <summary>The plug-ins config.xml may name (ec2config-service.md, plus the CloudWatch plug-in agents.md §6 lists).</summary>
    public static IReadOnlyList<string> Plugins { get; } =
    [
        "Ec2SetPassword", "Ec2SetComputerName", "Ec2InitializeDrives", "Ec2EventLog", "Ec2ConfigureRDP", "Ec2OutputRDPCert",
        "Ec2SetDriveLetter", "Ec2WindowsActivate", "Ec2DynamicBootVolumeSize", "Ec2HandleUserData", "Ec2ElasticGpuSetup",
        "Ec2FeatureLogging", "AWS.EC2.Windows.CloudWatch.PlugIn",
    ];

    /// <summary>The global settings of config.xml.</summary>
    public static IReadOnlyList<string> GlobalSettings { get; } =
        ["ManageShutdown", "SetDnsSuffixList", "WaitForMetaDataAvailable", "ShouldAddRoutes", "RemoveCredentialsfromSyspreponStartup"];

    /// <summary>The properties of BundleConfig.xml.</summary>
    public static IReadOnlyList<string> BundleProperties { get; } = ["AutoSysprep", "SetRDPCertificate", "SetPasswordAfterSysprep", "PreSysprepRunCmd"];

    public static void Read(Func<string, bool, string?> readText, MigrationBuilder builder)
    {
        var configPath = ConfigXml;
        if (readText(configPath, true) is not { } configText || Load(configText, configPath, "Ec2ConfigurationSettings", builder) is not { } config)
        {
            return;
        }

        var enabled = new Dictionary<string, (bool On, FoundSetting Setting)>(StringComparer.Ordinal);
        foreach (var element in config.Root!.Elements())
        {
            switch (element.Name.LocalName)
            {
                case "Plugins":
                    foreach (var plugin in element.Elements())
                    {
                        ReadPlugin(plugin, configPath, builder, enabled);
                    }

                    break;
                case "GlobalSettings":
                    foreach (var setting in element.Elements())
                    {
                        ReadGlobal(setting, configPath, builder);
                    }

                    break;
                default:
                    builder.Error(BootCodes.MigrationUnknownSetting, configPath, Line(element),
                        $"unknown element <{element.Name.LocalName}> in config.xml; EC2Config's has <Plugins> and <GlobalSettings>");
                    break;
            }
        }

        foreach (var (name, (on, setting)) in enabled)
        {
            MapPlugin(name, on, setting, builder, readText);
        }

        if (readText(BundleConfigXml, false) is { } bundleText && Load(bundleText, BundleConfigXml, "BundleConfig", builder) is { } bundle)
        {
            foreach (var property in bundle.Root!.Elements())
            {
                ReadBundleProperty(property, builder, enabled.GetValueOrDefault("Ec2SetPassword").On);
            }
        }
    }

    private static void ReadPlugin(XElement plugin, string file, MigrationBuilder builder, Dictionary<string, (bool, FoundSetting)> enabled)
    {
        if (plugin.Name.LocalName != "Plugin")
        {
            builder.Error(BootCodes.MigrationUnknownSetting, file, Line(plugin), $"unknown element <{plugin.Name.LocalName}> in <Plugins>; only <Plugin> belongs there");
            return;
        }

        var name = Child(plugin, "Name")?.Trim();
        var state = Child(plugin, "State")?.Trim();
        if (string.IsNullOrEmpty(name))
        {
            builder.Error(BootCodes.MigrationBadValue, file, Line(plugin), "a <Plugin> has no <Name>");
            return;
        }

        if (!Plugins.Contains(name))
        {
            builder.Error(BootCodes.MigrationUnknownSetting, file, Line(plugin),
                $"unknown plug-in '{name}'; EC2Config documents {string.Join(", ", Plugins)}. Remove it from config.xml (or copy the file and remove it there) to migrate the rest");
            return;
        }

        var on = string.Equals(state, "Enabled", StringComparison.OrdinalIgnoreCase);
        if (!on && !string.Equals(state, "Disabled", StringComparison.OrdinalIgnoreCase))
        {
            builder.Warning(BootCodes.MigrationBadValue, file, Line(plugin), $"plug-in {name} has <State>{state}</State>, not Enabled or Disabled; read as Disabled");
        }

        if (enabled.ContainsKey(name))
        {
            builder.Warning(BootCodes.MigrationBadValue, file, Line(plugin), $"plug-in {name} is listed twice; the last one counts");
        }

        enabled[name] = (on, new FoundSetting(file, Line(plugin), name, on ? "Enabled" : "Disabled"));
    }

    private static void MapPlugin(string name, bool on, FoundSetting setting, MigrationBuilder builder, Func<string, bool, string?> readText)
    {
        switch (name)
        {
            case "Ec2SetPassword" when on:
                builder.Map(setting, AgentStage.PreReady, "setAdminAccount", "setAdminAccount.password.type = random",
                    "a random password, encrypted to the launch key and printed on the console, as EC2Config does", i => i["password"] = Password("random"));
                break;
            case "Ec2SetPassword":
                builder.Map(setting, AgentStage.PreReady, "setAdminAccount", "setAdminAccount.password.type = doNothing",
                    "the plug-in disabled keeps the administrator's password as it is", i => i["password"] = Password("doNothing"));
                break;
            case "Ec2SetComputerName" when on:
                builder.Map(setting, AgentStage.PostReady, "setHostName", "setHostName",
                    "the computer name from the instance metadata (EC2Config named it after the private IP address, as EC2's ip-… names are)");
                break;
            case "Ec2InitializeDrives" when on:
                builder.Map(setting, AgentStage.PostReady, "initializeVolume", "initializeVolume.initialize = all",
                    "initialize and format every raw volume at startup", i => i["initialize"] = "all");
                break;
            case "Ec2EventLog" when on:
                MapEventLog(setting, builder, readText);
                break;
            case "Ec2ConfigureRDP":
                builder.Default(setting, "Windows Server 2008 and later make their own self-signed Remote Desktop certificate (AWS disables the plug-in there); Reseal prints its thumbprint");
                break;
            case "Ec2OutputRDPCert" when on:
                builder.Default(setting, "Reseal always prints RDPCERTIFICATE-SUBJECTNAME and RDPCERTIFICATE-THUMBPRINT on the console");
                break;
            case "Ec2OutputRDPCert":
                builder.NotMigrated(setting, "Reseal always prints the certificate lines (they hold no secret); there is no switch to turn them off");
                break;
            case "Ec2SetDriveLetter" when on:
                MapDriveLetters(setting, builder, readText);
                break;
            case "Ec2WindowsActivate" when on:
                builder.Map(setting, AgentStage.PreReady, "activateWindows", "activateWindows.activation.type = amazon",
                    "activation against Amazon's KMS servers (ActivationSettings.xml is not read: a KMS server of your own goes in activation.server)",
                    i => i["activation"] = new Dictionary<string, object>(StringComparer.Ordinal) { ["type"] = "amazon" });
                break;
            case "Ec2DynamicBootVolumeSize" when on:
                builder.Map(setting, AgentStage.Boot, "extendRootPartition", "extendRootPartition", "extend the boot volume over the disk's free space");
                break;
            case "Ec2HandleUserData" when on:
                builder.Default(setting, "Reseal runs user data at every launch: EC2's <script>/<powershell>/<persist> and the other formats");
                break;
            case "Ec2HandleUserData":
                builder.NotMigrated(setting, "Reseal has no switch to ignore user data; launch the instance without user data instead");
                break;
            case "Ec2ElasticGpuSetup" when on:
                builder.NotMigrated(setting, "installs the Elastic GPU (Elastic Graphics) software; Reseal has no task for it");
                break;
            case "Ec2FeatureLogging" when on:
                builder.NotMigrated(setting, "prints the Hyper-V feature's status on the console; Reseal has no task for it");
                break;
            case "AWS.EC2.Windows.CloudWatch.PlugIn" when on:
                builder.NotMigrated(setting, "sends logs and performance counters to CloudWatch; install the Amazon CloudWatch agent for that (AWS.EC2.Windows.CloudWatch.json is not read)");
                break;
            case "Ec2ElasticGpuSetup" or "Ec2FeatureLogging" or "AWS.EC2.Windows.CloudWatch.PlugIn":
                builder.Default(setting, "disabled, and Reseal does not do it either");
                break;
            default:
                var task = name switch
                {
                    "Ec2SetComputerName" => "setHostName",
                    "Ec2InitializeDrives" => "initializeVolume",
                    "Ec2EventLog" => "sendEventLogs",
                    "Ec2SetDriveLetter" => "setDriveLetters",
                    "Ec2WindowsActivate" => "activateWindows",
                    _ => "extendRootPartition",
                };
                builder.LeftOut(setting, task, "the plug-in is disabled");
                break;
        }
    }

    private static void MapEventLog(FoundSetting setting, MigrationBuilder builder, Func<string, bool, string?> readText)
    {
        var events = new List<object>();
        if (readText(EventLogConfigXml, false) is { } text && Load(text, EventLogConfigXml, null, builder) is { } document)
        {
            foreach (var entry in document.Root!.Elements())
            {
                if (entry.Name.LocalName != "Event")
                {
                    builder.Error(BootCodes.MigrationUnknownSetting, EventLogConfigXml, Line(entry), $"unknown element <{entry.Name.LocalName}>; EventLogConfig.xml lists <Event> entries");
                    continue;
                }

                var category = Child(entry, "Category")?.Trim();
                var level = Child(entry, "ErrorType")?.Trim();
                var count = Child(entry, "NumEntries")?.Trim();
                var source = Child(entry, "AppName")?.Trim();
                var found = new FoundSetting(EventLogConfigXml, Line(entry), "Event", $"{category} {level} x{count}{(string.IsNullOrEmpty(source) ? "" : " from " + source)}");
                if (string.IsNullOrEmpty(category) || !MigrationBuilder.IsWritable(category))
                {
                    builder.Error(BootCodes.MigrationBadValue, EventLogConfigXml, Line(entry), "an <Event> has no <Category> (the event log to read)");
                    continue;
                }

                var map = new Dictionary<string, object>(StringComparer.Ordinal) { ["logName"] = category };
                if (!string.IsNullOrEmpty(source) && MigrationBuilder.IsWritable(source))
                {
                    map["source"] = source;
                }

                if (!string.IsNullOrEmpty(level))
                {
                    if (EventLevel(level) is not { } known)
                    {
                        builder.Error(BootCodes.MigrationBadValue, EventLogConfigXml, Line(entry), $"<ErrorType>{level}</ErrorType> is not Error, Warning or Information");
                        continue;
                    }

                    map["level"] = known;
                }

                if (!string.IsNullOrEmpty(count))
                {
                    if (!int.TryParse(count, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) || n is < 1 or > 1000)
                    {
                        builder.Error(BootCodes.MigrationBadValue, EventLogConfigXml, Line(entry), $"<NumEntries>{count}</NumEntries> is not a number from 1 to 1000");
                        continue;
                    }

                    map["numEntries"] = n;
                }

                events.Add(map);
                builder.Map(found, AgentStage.PostReady, "sendEventLogs", "sendEventLogs.events", "these entries are copied to the console at each boot", i => i["events"] = events);
                if (Child(entry, "LastMessageTime") is { Length: > 0 } last)
                {
                    builder.NotMigrated(new FoundSetting(EventLogConfigXml, Line(entry), "Event.LastMessageTime", last), "EC2Config's record of what it last sent, not a setting");
                }
            }
        }

        if (events.Count == 0)
        {
            // ec2config-service.md: "By default, we display the three most recent error entries from the System event log."
            builder.Map(setting, AgentStage.PostReady, "sendEventLogs", "sendEventLogs.events = System Error x3",
                "no EventLogConfig.xml entries; EC2Config's documented default: the three most recent errors of the System log",
                i => i["events"] = new List<object> { new Dictionary<string, object>(StringComparer.Ordinal) { ["logName"] = "System", ["level"] = "Error", ["numEntries"] = 3 } });
        }
        else
        {
            builder.Map(setting, AgentStage.PostReady, "sendEventLogs", "sendEventLogs", $"the {events.Count} entries of EventLogConfig.xml");
        }
    }

    private static void MapDriveLetters(FoundSetting setting, MigrationBuilder builder, Func<string, bool, string?> readText)
    {
        var mappings = new List<object>();
        if (readText(DriveLetterConfigXml, false) is { } text && Load(text, DriveLetterConfigXml, "DriveLetterMapping", builder) is { } document)
        {
            foreach (var mapping in document.Root!.Elements())
            {
                if (mapping.Name.LocalName != "Mapping")
                {
                    builder.Error(BootCodes.MigrationUnknownSetting, DriveLetterConfigXml, Line(mapping), $"unknown element <{mapping.Name.LocalName}>; DriveLetterConfig.xml lists <Mapping> entries");
                    continue;
                }

                var volume = Child(mapping, "VolumeName")?.Trim() ?? "";
                var letter = Child(mapping, "DriveLetter")?.Trim() ?? "";
                var found = new FoundSetting(DriveLetterConfigXml, Line(mapping), "Mapping", $"'{volume}' -> {letter}");
                if (volume.Length == 0 && letter.Length == 0)
                {
                    builder.Default(found, "an empty mapping (EC2Config's template): nothing to map");
                    continue;
                }

                if (DriveLetters.Normalize(letter) is not { } normalized || volume.Length == 0 || !MigrationBuilder.IsWritable(volume))
                {
                    builder.Error(BootCodes.MigrationBadValue, DriveLetterConfigXml, Line(mapping),
                        $"a <Mapping> needs a <VolumeName> and a <DriveLetter> such as M: (found '{volume}' and '{letter}')");
                    continue;
                }

                mappings.Add(new Dictionary<string, object>(StringComparer.Ordinal) { ["volumeName"] = volume, ["driveLetter"] = normalized });
                builder.Map(found, AgentStage.PreReady, "setDriveLetters", "setDriveLetters.mappings", "the volume with this label gets this letter at each boot",
                    i => i["mappings"] = mappings);
            }
        }

        if (mappings.Count == 0)
        {
            builder.LeftOut(setting, "setDriveLetters", "DriveLetterConfig.xml has no mappings, so the plug-in does nothing");
        }
        else
        {
            builder.Map(setting, AgentStage.PreReady, "setDriveLetters", "setDriveLetters", $"the {mappings.Count} mappings of DriveLetterConfig.xml");
        }
    }

    private static void ReadGlobal(XElement element, string file, MigrationBuilder builder)
    {
        var name = element.Name.LocalName;
        var value = element.Value.Trim();
        var setting = new FoundSetting(file, Line(element), "GlobalSettings." + name, value);
        var known = GlobalSettings.FirstOrDefault(g => string.Equals(g, name, StringComparison.OrdinalIgnoreCase));
        if (known is null)
        {
            builder.Error(BootCodes.MigrationUnknownSetting, file, Line(element), $"unknown global setting <{name}>; EC2Config documents {string.Join(", ", GlobalSettings)}");
            return;
        }

        if (Flag(value) is not { } on)
        {
            builder.Error(BootCodes.MigrationBadValue, file, Line(element), $"<{name}> is '{value}', not true or false");
            return;
        }

        switch (known)
        {
            case "SetDnsSuffixList" when on:
                builder.Map(setting, AgentStage.PreReady, "setDnsSuffix", "setDnsSuffix.suffixes = $REGION.ec2-utilities.amazonaws.com",
                    "the EC2 DNS suffix, as EC2Launch v2 and Reseal's default configuration set it",
                    i => i["suffixes"] = new List<object> { "$REGION.ec2-utilities.amazonaws.com" });
                break;
            case "SetDnsSuffixList":
                builder.LeftOut(setting, "setDnsSuffix", "the setting is off");
                break;
            case "ManageShutdown":
                builder.Default(setting, "for instance store-backed AMIs while Sysprep runs; 'reseal seal' runs Sysprep with /shutdown itself");
                break;
            case "WaitForMetaDataAvailable" when on:
                builder.Default(setting, "Reseal waits for the metadata service before its tasks (metadata.waitSeconds, 120 s by default)");
                break;
            case "WaitForMetaDataAvailable":
                builder.NotMigrated(setting, "Reseal always waits for the metadata service (the password needs the launch key); only how long is configurable (metadata.waitSeconds)");
                break;
            case "ShouldAddRoutes" when on:
                builder.NotMigrated(setting, "Reseal adds no routes to 169.254.169.250/251/254 for secondary network adapters; it reaches the metadata service through the primary adapter");
                break;
            case "ShouldAddRoutes":
                builder.Default(setting, "off, and Reseal adds no routes either");
                break;
            case "RemoveCredentialsfromSyspreponStartup" when on:
                builder.Default(setting, "Reseal removes clear-text passwords from the answer files Setup caches once they are used");
                break;
            default:
                builder.NotMigrated(setting, "Reseal always removes clear-text passwords from the answer files Setup caches; keeping them is not offered");
                break;
        }
    }

    private static void ReadBundleProperty(XElement property, MigrationBuilder builder, bool setPasswordOn)
    {
        var file = BundleConfigXml;
        if (property.Name.LocalName != "Property")
        {
            builder.Error(BootCodes.MigrationUnknownSetting, file, Line(property), $"unknown element <{property.Name.LocalName}>; BundleConfig.xml lists <Property> entries");
            return;
        }

        var name = Child(property, "Name")?.Trim() ?? "";
        var value = Child(property, "Value")?.Trim() ?? "";
        var setting = new FoundSetting(file, Line(property), name, value);
        switch (BundleProperties.FirstOrDefault(p => string.Equals(p, name, StringComparison.OrdinalIgnoreCase)))
        {
            case null:
                builder.Error(BootCodes.MigrationUnknownSetting, file, Line(property), $"unknown property '{name}'; BundleConfig.xml documents {string.Join(", ", BundleProperties)}");
                break;
            case "AutoSysprep":
                builder.NotMigrated(setting, "a choice made when the image is sealed, not at boot: run 'reseal seal'");
                break;
            case "SetRDPCertificate":
                builder.Default(setting, "Windows Server 2008 and later make their own Remote Desktop certificate (AWS: the setting is not used there)");
                break;
            case "PreSysprepRunCmd":
                builder.NotMigrated(setting, @"a seal-time hook: 'reseal seal' runs %ProgramData%\Reseal\sysprep\BeforeSysprep.cmd before Sysprep; put your commands there");
                break;
            default: // SetPasswordAfterSysprep
                if (string.Equals(value, "Yes", StringComparison.OrdinalIgnoreCase))
                {
                    builder.Map(setting, AgentStage.PreReady, "setAdminAccount", "setAdminAccount.password.type = random",
                        "a random password encrypted to the launch key in every clone", i => i["password"] = Password("random"));
                }
                else if (setPasswordOn)
                {
                    builder.Default(setting, "Ec2SetPassword is enabled, so the clones get a random password anyway");
                }
                else
                {
                    builder.Map(setting, AgentStage.PreReady, "setAdminAccount", "setAdminAccount.password.type = doNothing",
                        "no random password after Sysprep", i => i["password"] = Password("doNothing"));
                }

                break;
        }
    }

    internal static Dictionary<string, object> Password(string type) => new(StringComparer.Ordinal) { ["type"] = type };

    private static readonly string[] EventLevels = ["Error", "Warning", "Information"];

    internal static string? EventLevel(string level) =>
        EventLevels.FirstOrDefault(l => string.Equals(l, level, StringComparison.OrdinalIgnoreCase));

    private static bool? Flag(string value) => value.ToLowerInvariant() switch
    {
        "true" or "yes" or "enabled" => true,
        "false" or "no" or "disabled" => false,
        _ => null,
    };

    private static string? Child(XElement element, string name) => element.Elements().FirstOrDefault(e => e.Name.LocalName == name)?.Value;

    private static int Line(XObject node) => ((IXmlLineInfo)node).HasLineInfo() ? ((IXmlLineInfo)node).LineNumber : 0;

    /// <summary>Parses XML (no DTD); null with an error naming the line when it is not well-formed or its root is not <paramref name="root"/>.</summary>
    internal static XDocument? Load(string text, string file, string? root, MigrationBuilder builder)
    {
        if (MigrationFormats.Sniff(text) is { } other and not "XML")
        {
            builder.Error(BootCodes.MigrationWrongAgent, file, 1, $"the file is {other}, not EC2Config's XML");
            return null;
        }

        var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null, MaxCharactersInDocument = SettingsText.MaxFileBytes * 2L };
        using var reader = XmlReader.Create(new StringReader(text), settings);
        try
        {
            var document = XDocument.Load(reader, LoadOptions.SetLineInfo);
            if (root is not null && document.Root!.Name.LocalName != root)
            {
                builder.Error(BootCodes.MigrationWrongAgent, file, Line(document.Root), $"the root element is <{document.Root.Name.LocalName}>, not <{root}>: this is not EC2Config's {Path(file)}");
                return null;
            }

            return document;
        }
        catch (XmlException e)
        {
            // A refused DTD carries no position of its own; the reader stopped at it.
            var doctype = text.IndexOf("<!DOCTYPE", StringComparison.Ordinal);
            var isDtd = doctype >= 0 && e.Message.Contains("DTD", StringComparison.Ordinal);
            var line = e.LineNumber > 0 ? e.LineNumber : isDtd ? SettingsText.LineOf(text, doctype) : ((IXmlLineInfo)reader).LineNumber;
            var message = isDtd
                ? "a DTD (<!DOCTYPE>) is not allowed in a settings file (it can expand entities without bound); remove it"
                : "not well-formed XML: " + e.Message;
            builder.Error(BootCodes.MigrationMalformed, file, line, message);
            return null;
        }
    }

    private static string Path(string file) => file[(file.LastIndexOf('\\') + 1)..];
}

/// <summary>Drive letters as the old agents write them (<c>M:</c>, <c>M</c>).</summary>
internal static class DriveLetters
{
    /// <summary><c>M:</c> for <c>M</c>, <c>m:</c> or <c>M:\</c>; null for anything else.</summary>
    public static string? Normalize(string letter)
    {
        var trimmed = letter.Trim().TrimEnd('\\');
        return trimmed.Length is 1 or 2 && char.IsAsciiLetter(trimmed[0]) && (trimmed.Length == 1 || trimmed[1] == ':')
            ? char.ToUpperInvariant(trimmed[0]) + ":"
            : null;
    }
}

/// <summary>Guesses a settings file's format from its first character, to name a file of the wrong agent.</summary>
internal static class MigrationFormats
{
    public static string? Sniff(string text)
    {
        var start = text.TrimStart('\uFEFF', ' ', '\t', '\r', '\n');
        return start.Length == 0 ? null : start[0] switch
        {
            '<' => "XML",
            '{' or '[' when start.Length > 1 && start[0] == '[' && char.IsAsciiLetter(start[1]) => "an INI file (Cloudbase-Init's format)",
            '{' or '[' => "JSON (EC2Launch v1's format)",
            _ when start.StartsWith("version:", StringComparison.Ordinal) || start.StartsWith("---", StringComparison.Ordinal) => "YAML (EC2Launch v2's or Reseal's agent-config.yml)",
            _ => null,
        };
    }
}
