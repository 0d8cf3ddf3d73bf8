// Cloudbase-Init's settings (cloudbase/cloudbase-init at c48d7596bf5e: cloudbaseinit/conf/*.py for the option names and
// defaults, doc/source/plugins.rst and services.rst; ../shared/reference/agents.md §3 and §6), INI files in
// C:\Program Files\Cloudbase Solutions\Cloudbase-Init\conf:
//
//   cloudbase-init.conf            the service's run after Setup: [DEFAULT] username, groups, metadata_services, plugins,
//                                  retry_count, …; [openstack] metadata_base_url, …; [config_drive] …
//   cloudbase-init-unattend.conf   the run in Setup's specialize pass (the installer's Unattend.xml): host name and MTU
//
// Options are matched by name (oslo.config's names; the logging options come from oslo.log); an option or section
// not listed here is an error, so nothing the file says is silently dropped.
using Reseal.Agent.Boot.Config;

namespace Reseal.Agent.Boot.Migration;

/// <summary>Reads Cloudbase-Init's configuration files and maps each option.</summary>
internal static class CloudbaseInitMigration
{
    public const string Folder = @"%ProgramFiles%\Cloudbase Solutions\Cloudbase-Init\conf";
    public const string Conf = Folder + @"\cloudbase-init.conf";
    public const string UnattendConf = Folder + @"\cloudbase-init-unattend.conf";

    private const string Prefix = "cloudbaseinit.plugins.";
    private const string ServicePrefix = "cloudbaseinit.metadata.services.";

    /// <summary>The plug-ins (class paths after <c>cloudbaseinit.plugins.</c>) and what becomes of each.</summary>
    public static IReadOnlyList<string> Plugins { get; } =
    [
        "common.mtu.MTUPlugin", "windows.ntpclient.NTPClientPlugin", "common.sethostname.SetHostNamePlugin", "windows.createuser.CreateUserPlugin",
        "common.setuserpassword.SetUserPasswordPlugin", "common.networkconfig.NetworkConfigPlugin", "common.sshpublickeys.SetUserSSHPublicKeysPlugin",
        "windows.extendvolumes.ExtendVolumesPlugin", "windows.winrmlistener.ConfigWinRMListenerPlugin", "windows.winrmcertificateauth.ConfigWinRMCertificateAuthPlugin",
        "common.localscripts.LocalScriptsPlugin", "windows.licensing.WindowsLicensingPlugin", "common.userdata.UserDataPlugin", "common.trim.TrimConfigPlugin",
        "windows.sanpolicy.SANPolicyPlugin", "windows.rdp.RDPSettingsPlugin", "windows.rdp.RDPPostCertificateThumbprintPlugin", "windows.pagefiles.PageFilesPlugin",
        "windows.displayidletimeout.DisplayIdleTimeoutConfigPlugin", "windows.bootconfig.BootStatusPolicyPlugin", "windows.bootconfig.BCDConfigPlugin",
        "common.ephemeraldisk.EphemeralDiskPlugin", "windows.updates.WindowsAutoUpdatesPlugin", "windows.certificates.ServerCertificatesPlugin",
        "windows.azureguestagent.AzureGuestAgentPlugin",
    ];

    /// <summary>The metadata services (class paths after <c>cloudbaseinit.metadata.services.</c>) and Reseal's source for each, or null.</summary>
    public static IReadOnlyDictionary<string, string?> Services { get; } = new Dictionary<string, string?>(StringComparer.Ordinal)
    {
        ["httpservice.HttpService"] = "openstack",
        ["configdrive.ConfigDriveService"] = "configdrive",
        ["nocloudservice.NoCloudConfigDriveService"] = "nocloud",
        ["ec2service.EC2Service"] = "ec2",
        ["gceservice.GCEService"] = "gce",
        ["azureservice.AzureService"] = "azure",
        ["cloudstack.CloudStack"] = null,
        ["opennebulaservice.OpenNebulaService"] = null,
        ["maasservice.MaaSHttpService"] = null,
        ["ovfservice.OvfService"] = null,
        ["packet.PacketService"] = null,
        ["vmwareguestinfoservice.VMwareGuestInfoService"] = null,
        ["base.EmptyMetadataService"] = null,
    };

    // Options that configure Cloudbase-Init's own installation, logging or a feature Reseal has no counterpart for,
    // with the reason given in the report.
    private static readonly Dictionary<string, string> NotCarried = new(StringComparer.Ordinal)
    {
        ["stop_service_on_exit"] = "about Cloudbase-Init's own service",
        ["check_latest_version"] = "about Cloudbase-Init's own updates",
        ["mtools_path"] = "a tool path of Cloudbase-Init's installation",
        ["bsdtar_path"] = "a tool path of Cloudbase-Init's installation",
        ["heat_config_dir"] = "OpenStack Heat's folder; Reseal does not run Heat configurations",
        ["user_data_plugins"] = "Cloudbase-Init's user-data handlers; Reseal reads its own list of formats",
        ["cloud_config_plugins"] = "Cloudbase-Init's #cloud-config handlers; Reseal reads its own subset",
        ["userdata_save_path"] = "Reseal does not keep a copy of the user data",
        ["set_kms_product_key"] = "Reseal does not install a KMS client key; activateWindows uses the image's key",
        ["set_avma_product_key"] = "Reseal does not install an AVMA key; activateWindows uses the image's key",
        ["log_licensing_info"] = "Cloudbase-Init's own logging",
        ["winrm_enable_basic_auth"] = "Reseal's enableWinRmHttps never enables Basic authentication (Negotiate only); enable it with an executeScript if a client needs it",
        ["winrm_configure_http_listener"] = "Reseal makes no unencrypted HTTP listener; enableWinRmHttps makes an HTTPS one",
        ["winrm_configure_https_listener"] = "add the enableWinRmHttps task (postReady) for an HTTPS listener with a self-signed certificate",
        ["volumes_to_extend"] = "Reseal extends the boot volume only (extendRootPartition)",
        ["san_policy"] = "Reseal does not set the SAN policy; set it in the image (diskpart san policy=)",
        ["ntp_enable_service"] = "Reseal's setTimeSource configures Windows Time but does not change the service's start mode",
        ["ntp_use_dhcp_config"] = "Reseal does not read DHCP's NTP option; give setTimeSource its servers (or its default, the cloud's time service)",
        ["mtu_use_dhcp_config"] = "Reseal has no MTU task (Windows ignores DHCP's MTU option); set the MTU in the image or a script",
        ["real_time_clock_utc"] = "not carried over by itself: add the setTimeSource task with realTimeClockUtc (it sets TimeZoneInformation!RealTimeIsUniversal)",
        ["rdp_set_keepalive"] = "Reseal does not change Remote Desktop's keep-alive",
        ["bcd_boot_status_policy"] = "Reseal does not change the boot configuration data",
        ["bcd_enable_auto_recovery"] = "Reseal does not change the boot configuration data",
        ["set_unique_boot_disk_id"] = "Reseal does not change the boot disk's id",
        ["page_file_volume_labels"] = "Reseal does not configure page files",
        ["page_file_volume_mount_points"] = "Reseal does not configure page files",
        ["trim_enabled"] = "Reseal does not change TRIM (fsutil behavior set DisableDeleteNotify)",
        ["enable_automatic_updates"] = "Reseal does not change the Windows Update policy",
        ["metadata_report_provisioning_started"] = "Reseal reports provisioning on the console, not to the metadata service",
        ["metadata_report_provisioning_completed"] = "Reseal reports provisioning on the console, not to the metadata service",
        ["ephemeral_disk_volume_label"] = "Reseal does not prepare ephemeral disks (initializeVolume formats raw volumes)",
        ["ephemeral_disk_volume_mount_point"] = "Reseal does not prepare ephemeral disks (initializeVolume formats raw volumes)",
        ["ephemeral_disk_data_loss_warning_path"] = "Reseal does not prepare ephemeral disks",
        ["user_password_length"] = "Reseal's random passwords have their own length and meet Windows' complexity rules",
        ["config_drive_raw_hhd"] = "Reseal finds the config drive by its label on every volume",
        ["config_drive_cdrom"] = "Reseal finds the config drive by its label on every volume",
        ["config_drive_vfat"] = "Reseal finds the config drive by its label on every volume",
        ["config_drive_types"] = "Reseal finds the config drive by its label on every volume",
        ["config_drive_locations"] = "Reseal finds the config drive by its label on every volume",
        ["add_metadata_private_ip_route"] = "Reseal adds no route to the metadata address",
        ["https_allow_insecure"] = "Reseal always checks HTTPS certificates",
        ["https_ca_bundle"] = "Reseal uses Windows' trusted certificate store",
        ["kms_host"] = "used only with activate_windows",
    };

    // oslo.log's options, Cloudbase-Init's own logging.
    private static readonly string[] LoggingOptions =
    [
        "debug", "verbose", "logdir", "log_dir", "logfile", "log_file", "default_log_levels", "log_config_append", "log_date_format",
        "use_stderr", "use_syslog", "logging_context_format_string", "logging_default_format_string", "logging_exception_prefix",
        "instance_format", "instance_uuid_format", "publish_errors", "fatal_deprecations", "watch_log_file", "use_json",
    ];

    // The sections other than [DEFAULT] and their options (conf/<service>.py).
    private static readonly Dictionary<string, string[]> Sections = new(StringComparer.Ordinal)
    {
        ["openstack"] = ["metadata_base_url", "add_metadata_private_ip_route", "https_allow_insecure", "https_ca_bundle"],
        ["ec2"] = ["metadata_base_url", "add_metadata_private_ip_route", "https_allow_insecure", "https_ca_bundle"],
        ["gce"] = ["metadata_base_url", "https_allow_insecure", "https_ca_bundle"],
        ["cloudstack"] = ["metadata_base_url", "password_server_port", "https_allow_insecure", "https_ca_bundle", "add_metadata_private_ip_route"],
        ["maas"] = ["metadata_base_url", "oauth_consumer_key", "oauth_consumer_secret", "oauth_token_key", "oauth_token_secret", "https_allow_insecure", "https_ca_bundle"],
        ["packet"] = ["metadata_base_url", "https_allow_insecure", "https_ca_bundle"],
        ["azure"] = ["transport_cert_store_name"],
        ["nocloud"] = ["metadata_file", "userdata_file"],
        ["ovf"] = ["config_file_name", "drive_label", "ns"],
        ["config_drive"] = ["raw_hdd", "cdrom", "vfat", "types", "locations"],
        ["vmwareguestinfo"] = ["vmware_rpctool_path"],
    };

    /// <summary>Every [DEFAULT] option this reader knows (for the completeness test).</summary>
    public static IReadOnlyList<string> DefaultOptions { get; } =
    [
        "username", "groups", "inject_user_password", "first_logon_behaviour", "netbios_host_name_compatibility", "retry_count", "retry_count_interval",
        "metadata_services", "plugins", "local_scripts_path", "activate_windows", "allow_reboot", "reset_service_password", "rename_admin_user",
        "logging_serial_port_settings", "display_idle_timeout", "process_userdata", "metadata_base_url",
        .. NotCarried.Keys, .. LoggingOptions,
    ];

    public static void Read(Func<string, bool, string?> readText, MigrationBuilder builder)
    {
        if (readText(Conf, true) is { } text && Parse(text, Conf, builder) is { } options)
        {
            Map(options, Conf, builder);
        }

        if (readText(UnattendConf, false) is { } unattend && Parse(unattend, UnattendConf, builder) is { } unattendOptions)
        {
            foreach (var option in unattendOptions)
            {
                if (Check(option, UnattendConf, builder))
                {
                    builder.Default(Found(UnattendConf, option), "cloudbase-init-unattend.conf drives Cloudbase-Init's run in Setup's specialize pass; Reseal's agent does that work (host name) in its own run, from cloudbase-init.conf's settings");
                }
            }
        }
    }

    private static List<IniOption>? Parse(string text, string file, MigrationBuilder builder)
    {
        if (MigrationFormats.Sniff(text) is { } other && !other.StartsWith("an INI", StringComparison.Ordinal))
        {
            builder.Error(BootCodes.MigrationWrongAgent, file, 1, $"the file is {other}, not Cloudbase-Init's INI configuration");
            return null;
        }

        return IniFile.Parse(text, file, builder);
    }

    /// <summary>True when the option is one Cloudbase-Init has; an error otherwise.</summary>
    private static bool Check(IniOption option, string file, MigrationBuilder builder)
    {
        if (option.Section == "DEFAULT")
        {
            if (DefaultOptions.Contains(option.Key))
            {
                return true;
            }

            builder.Error(BootCodes.MigrationUnknownSetting, file, option.Line, $"unknown option '{option.Key}' in [DEFAULT]; Cloudbase-Init has no such option (names are case-sensitive)");
            return false;
        }

        if (!Sections.TryGetValue(option.Section, out var known))
        {
            builder.Error(BootCodes.MigrationUnknownSetting, file, option.Line, $"unknown section [{option.Section}]; Cloudbase-Init reads [DEFAULT], {string.Join(", ", Sections.Keys.Select(k => "[" + k + "]"))}");
            return false;
        }

        if (!known.Contains(option.Key))
        {
            builder.Error(BootCodes.MigrationUnknownSetting, file, option.Line, $"unknown option '{option.Key}' in [{option.Section}]; it has {string.Join(", ", known)}");
            return false;
        }

        return true;
    }

    private static FoundSetting Found(string file, IniOption option, string? name = null, string? value = null) =>
        new(file, option.Line, name ?? (option.Section == "DEFAULT" ? option.Key : $"[{option.Section}] {option.Key}"), value ?? option.Value.Replace('\n', ' '));

    private static void Map(List<IniOption> options, string file, MigrationBuilder builder)
    {
        IniOption? Get(string key) => options.LastOrDefault(o => o.Section == "DEFAULT" && o.Key == key);
        bool? FlagOf(IniOption? option) => option is null ? null : Flag(option.Value);
        var pluginOption = Get("plugins");
        var plugins = pluginOption is null ? null : List(pluginOption.Value);
        bool PluginOn(string plugin) => plugins is null
            ? plugin is "windows.createuser.CreateUserPlugin" or "common.setuserpassword.SetUserPasswordPlugin" or "common.localscripts.LocalScriptsPlugin" or "windows.licensing.WindowsLicensingPlugin"
            : plugins.Contains(Prefix + plugin);
        var kmsHost = Get("kms_host")?.Value;

        foreach (var option in options)
        {
            if (!Check(option, file, builder))
            {
                continue;
            }

            var setting = Found(file, option);
            if (option.Section != "DEFAULT")
            {
                MapSectionOption(option, setting, builder);
                continue;
            }

            if (LoggingOptions.Contains(option.Key))
            {
                builder.NotMigrated(setting, @"Cloudbase-Init's own logging; Reseal logs to %ProgramData%\Reseal\log and the serial console");
                continue;
            }

            switch (option.Key)
            {
                case "plugins":
                    foreach (var plugin in plugins!)
                    {
                        MapPlugin(plugin, Found(file, option, "plugins", plugin), options, builder);
                    }

                    break;
                case "metadata_services":
                    MapServices(option, file, builder);
                    break;
                case "username" when !MigrationBuilder.IsWritable(option.Value) || option.Value.Length is 0 or > 20:
                    builder.Error(BootCodes.MigrationBadValue, file, option.Line, "'username' must be 1 to 20 characters (Windows' limit for a user name)");
                    break;
                case "username" when PluginOn("windows.createuser.CreateUserPlugin") || PluginOn("common.setuserpassword.SetUserPasswordPlugin"):
                    builder.Map(setting, AgentStage.PreReady, "setAdminAccount", "setAdminAccount.name",
                        "the account that gets the password: Reseal gives the built-in administrator (RID 500) this name, where Cloudbase-Init created or reused a user of that name",
                        i => i["name"] = option.Value);
                    break;
                case "username":
                    builder.NotMigrated(setting, "neither CreateUserPlugin nor SetUserPasswordPlugin is enabled, so Cloudbase-Init does nothing with it");
                    break;
                case "groups" when List(option.Value).All(g => string.Equals(g, "Administrators", StringComparison.OrdinalIgnoreCase)):
                    builder.Default(setting, "the built-in administrator Reseal sets up is in Administrators");
                    break;
                case "groups":
                    builder.NotMigrated(setting, "Reseal adds the account to no other group; add the memberships in the image or with an executeScript");
                    break;
                case "inject_user_password" when FlagOf(option) == true:
                    builder.NotMigrated(setting, "Reseal does not take a password from the metadata (admin_pass); it sets a random one and publishes it encrypted to the launch key, as Cloudbase-Init does when none is given");
                    break;
                case "inject_user_password":
                    builder.Default(setting, "Reseal sets a random password and publishes it encrypted, as Cloudbase-Init does without injection");
                    break;
                case "first_logon_behaviour" when option.Value is "no" or "clear_text_injected_only":
                    builder.Default(setting, "Reseal never makes the user change the password at first logon (and never injects a clear-text one)");
                    break;
                case "first_logon_behaviour" when option.Value == "always":
                    builder.NotMigrated(setting, "Reseal never forces a password change at first logon; do it with an executeScript (net user NAME /logonpasswordchg:yes) if you need it");
                    break;
                case "first_logon_behaviour":
                    builder.Error(BootCodes.MigrationBadValue, file, option.Line, $"'first_logon_behaviour' is '{option.Value}'; Cloudbase-Init accepts clear_text_injected_only, always or no");
                    break;
                case "netbios_host_name_compatibility" when FlagOf(option) != false:
                    builder.Default(setting, "setHostName keeps to NetBIOS' 15 characters");
                    break;
                case "netbios_host_name_compatibility":
                    builder.NotMigrated(setting, "Reseal always keeps host names to NetBIOS' 15 characters, as Windows' computer name requires");
                    break;
                case "retry_count" or "retry_count_interval":
                    if (!int.TryParse(option.Value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value) || value > 100000)
                    {
                        builder.Error(BootCodes.MigrationBadValue, file, option.Line, $"'{option.Key}' must be a whole number, not '{option.Value}'");
                        break;
                    }

                    var count = Number(Get("retry_count"), 5);
                    var interval = Number(Get("retry_count_interval"), 4);
                    var seconds = (int)Math.Clamp((long)count * interval, 0, 3600);
                    builder.MetadataWaitSeconds = seconds;
                    builder.MapMetadata(setting, $"metadata.waitSeconds = {seconds}",
                        $"Cloudbase-Init tries each service retry_count times, retry_count_interval seconds apart ({count} x {interval} s); Reseal waits that long for metadata (at most 3600 s)");
                    break;
                case "local_scripts_path" when PluginOn("common.localscripts.LocalScriptsPlugin"):
                    MapLocalScripts(option, setting, builder);
                    break;
                case "local_scripts_path":
                    builder.NotMigrated(setting, "LocalScriptsPlugin is not enabled, so Cloudbase-Init does not run these scripts");
                    break;
                case "activate_windows" when FlagOf(option) == true && PluginOn("windows.licensing.WindowsLicensingPlugin")
                    && (kmsHost is not { Length: > 0 } || !MigrationBuilder.IsWritable(kmsHost)):
                    builder.NotMigrated(setting, "without kms_host Cloudbase-Init finds the KMS server through DNS; Reseal's activateWindows (type kms) needs the server named: set kms_host, or add the task by hand");
                    break;
                case "activate_windows" when FlagOf(option) == true && PluginOn("windows.licensing.WindowsLicensingPlugin"):
                    var kms = kmsHost!;
                    builder.Map(setting, AgentStage.PreReady, "activateWindows", $"activateWindows.activation = kms {kms}",
                        "Windows is activated against this KMS server", i => i["activation"] = new Dictionary<string, object>(StringComparer.Ordinal) { ["type"] = "kms", ["server"] = kms });
                    break;
                case "activate_windows":
                    builder.Default(setting, "no activation: with activate_windows off (or WindowsLicensingPlugin off) Cloudbase-Init only logs the licence status");
                    break;
                case "kms_host" when FlagOf(Get("activate_windows")) == true:
                    builder.MapMetadata(setting, "activateWindows.activation.server", "the KMS server activation uses");
                    break;
                case "allow_reboot":
                    builder.Default(setting, "Reseal restarts when a task asks for it (exit code 3010), at most 5 times per task");
                    break;
                case "reset_service_password":
                    builder.Default(setting, "Reseal's service runs as LocalSystem, which has no password to reset");
                    break;
                case "rename_admin_user" when FlagOf(option) == true:
                    builder.Default(setting, "setAdminAccount's name renames the built-in administrator, as this option does");
                    break;
                case "rename_admin_user":
                    builder.NotMigrated(setting, "Reseal never creates a second administrator; setAdminAccount's name renames the built-in one");
                    break;
                case "logging_serial_port_settings":
                    builder.Default(setting, "Reseal writes its console lines to COM1");
                    break;
                case "display_idle_timeout" when option.Value == "0" && PluginOn("windows.displayidletimeout.DisplayIdleTimeoutConfigPlugin"):
                    builder.MapMetadata(setting, "setMonitorAlwaysOn", "0 means the display never turns off");
                    break;
                case "display_idle_timeout":
                    builder.NotMigrated(setting, "Reseal can keep the display always on (setMonitorAlwaysOn) but not set a timeout");
                    break;
                case "process_userdata" when FlagOf(option) != false:
                    builder.Default(setting, "Reseal runs user data at every launch");
                    break;
                case "process_userdata":
                    builder.NotMigrated(setting, "Reseal has no switch to ignore user data; launch the instance without user data instead");
                    break;
                case "metadata_base_url":
                    MapSectionOption(option with { Section = "openstack" }, setting, builder);
                    break;
                default:
                    builder.NotMigrated(setting, NotCarried[option.Key]);
                    break;
            }
        }
    }

    private static void MapSectionOption(IniOption option, FoundSetting setting, MigrationBuilder builder)
    {
        if (option.Key == "metadata_base_url" && option.Section is "openstack" or "ec2" or "gce")
        {
            if (Uri.TryCreate(option.Value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && MigrationBuilder.IsWritable(option.Value))
            {
                builder.MetadataEndpoints[option.Section] = option.Value;
                builder.MapMetadata(setting, $"metadata.endpoints.{option.Section}", "where Reseal looks for this metadata service");
            }
            else
            {
                builder.Error(BootCodes.MigrationBadValue, setting.File, option.Line, $"'metadata_base_url' must be an http:// or https:// URL, not '{option.Value}'");
            }

            return;
        }

        builder.NotMigrated(setting, option.Key switch
        {
            "add_metadata_private_ip_route" => "Reseal adds no route to the metadata address",
            "https_allow_insecure" => "Reseal always checks HTTPS certificates",
            "https_ca_bundle" => "Reseal uses Windows' trusted certificate store",
            _ when option.Section == "config_drive" => "Reseal finds the config drive by its label on every volume",
            _ => $"Reseal has no {option.Section} metadata source",
        });
    }

    private static void MapServices(IniOption option, string file, MigrationBuilder builder)
    {
        foreach (var service in List(option.Value))
        {
            var setting = Found(file, option, "metadata_services", service);
            var name = service.StartsWith(ServicePrefix, StringComparison.Ordinal) ? service[ServicePrefix.Length..] : service;
            if (!Services.TryGetValue(name, out var source))
            {
                builder.Error(BootCodes.MigrationUnknownSetting, file, option.Line, $"unknown metadata service '{service}'; Cloudbase-Init has {string.Join(", ", Services.Keys)}");
                continue;
            }

            if (source is null)
            {
                builder.NotMigrated(setting, $"Reseal has no {name[(name.LastIndexOf('.') + 1)..]} metadata source (it reads {string.Join(", ", MetadataSettings.SourceNames)})");
            }
            else if (!builder.MetadataSources.Contains(source))
            {
                builder.MetadataSources.Add(source);
                builder.MapMetadata(setting, $"metadata.sources: {source}", "tried in the same order as Cloudbase-Init's list");
            }
            else
            {
                builder.Default(setting, $"already in metadata.sources ({source})");
            }
        }
    }

    private static void MapPlugin(string plugin, FoundSetting setting, List<IniOption> options, MigrationBuilder builder)
    {
        var name = plugin.StartsWith(Prefix, StringComparison.Ordinal) ? plugin[Prefix.Length..] : plugin;
        if (!Plugins.Contains(name))
        {
            builder.Error(BootCodes.MigrationUnknownSetting, setting.File, setting.Line, $"unknown plug-in '{plugin}'; Cloudbase-Init's plug-ins are cloudbaseinit.plugins.{{{string.Join(", ", Plugins)}}}");
            return;
        }

        string? Option(string key) => options.LastOrDefault(o => o.Section == "DEFAULT" && o.Key == key)?.Value;
        switch (name)
        {
            case "common.sethostname.SetHostNamePlugin":
                builder.Map(setting, AgentStage.PostReady, "setHostName", "setHostName", "the computer name from the metadata (15 characters at most; restarts only when it changes)");
                break;
            case "windows.createuser.CreateUserPlugin":
                builder.Map(setting, AgentStage.PreReady, "setAdminAccount", "setAdminAccount", $"Reseal sets up the built-in administrator{(Option("username") is { } user ? $" named {user}" : " (Cloudbase-Init's default user is Admin; give 'username' to keep a name)")} instead of creating a user");
                break;
            case "common.setuserpassword.SetUserPasswordPlugin":
                builder.Map(setting, AgentStage.PreReady, "setAdminAccount", "setAdminAccount.password.type = random",
                    "a random password encrypted to the launch key, printed on the console and posted to OpenStack's password service", i => i["password"] = Ec2ConfigMigration.Password("random"));
                break;
            case "windows.extendvolumes.ExtendVolumesPlugin":
                builder.Map(setting, AgentStage.Boot, "extendRootPartition", "extendRootPartition", "the boot volume is extended (Cloudbase-Init extends every volume, or volumes_to_extend)");
                break;
            case "common.localscripts.LocalScriptsPlugin":
                if (Option("local_scripts_path") is null)
                {
                    builder.NotMigrated(setting, "no local_scripts_path is set, so the plug-in runs nothing");
                }
                else
                {
                    builder.Default(setting, "see local_scripts_path");
                }

                break;
            case "windows.licensing.WindowsLicensingPlugin":
                builder.Default(setting, "see activate_windows");
                break;
            case "common.userdata.UserDataPlugin":
                builder.Default(setting, "Reseal runs user data at every launch (#ps1, rem cmd, #cloud-config, MIME multipart, gzip, EC2's tags)");
                break;
            case "windows.displayidletimeout.DisplayIdleTimeoutConfigPlugin" when (Option("display_idle_timeout") ?? "0") == "0":
                builder.Map(setting, AgentStage.PreReady, "setMonitorAlwaysOn", "setMonitorAlwaysOn", "display_idle_timeout 0: the display never turns off");
                break;
            case "windows.winrmlistener.ConfigWinRMListenerPlugin":
                builder.Map(setting, AgentStage.PostReady, "enableWinRmHttps", "enableWinRmHttps",
                    "an HTTPS listener on 5986 with a self-signed certificate and a firewall rule; no HTTP listener and no Basic authentication (Cloudbase-Init enables Basic by default; Reseal leaves Negotiate)");
                break;
            case "common.sshpublickeys.SetUserSSHPublicKeysPlugin":
                builder.Map(setting, AgentStage.PreReady, "enableOpenSsh", "enableOpenSsh",
                    "OpenSSH Server is installed and started, and the metadata's public keys go to administrators_authorized_keys (Cloudbase-Init writes them to its user's profile; Reseal's user is the administrator)");
                break;
            case "windows.rdp.RDPPostCertificateThumbprintPlugin":
                builder.NotMigrated(setting, "Reseal prints the Remote Desktop certificate's thumbprint on the console but does not post it to the metadata service");
                break;
            default:
                builder.NotMigrated(setting, name switch
                {
                    "common.mtu.MTUPlugin" => "Reseal has no MTU task (Windows ignores DHCP's MTU option); set the MTU in the image or a script",
                    "windows.ntpclient.NTPClientPlugin" => "Reseal does not read DHCP's NTP option; add setTimeSource with servers (or its default, the cloud's time service)",
                    "common.networkconfig.NetworkConfigPlugin" => "Reseal does not apply static network configuration from the metadata; the adapters use DHCP",
                    "windows.winrmcertificateauth.ConfigWinRMCertificateAuthPlugin" => "Reseal does not map client certificates to users for WinRM",
                    "common.trim.TrimConfigPlugin" => "Reseal does not change TRIM",
                    "windows.sanpolicy.SANPolicyPlugin" => "Reseal does not set the SAN policy; set it in the image (diskpart san policy=)",
                    "windows.rdp.RDPSettingsPlugin" => "Reseal does not change Remote Desktop's settings",
                    "windows.pagefiles.PageFilesPlugin" => "Reseal does not configure page files",
                    "windows.displayidletimeout.DisplayIdleTimeoutConfigPlugin" => "a display timeout other than 0; Reseal can only keep the display always on",
                    "windows.bootconfig.BootStatusPolicyPlugin" or "windows.bootconfig.BCDConfigPlugin" => "Reseal does not change the boot configuration data",
                    "common.ephemeraldisk.EphemeralDiskPlugin" => "Reseal does not prepare ephemeral disks (initializeVolume formats raw volumes)",
                    "windows.updates.WindowsAutoUpdatesPlugin" => "Reseal does not change the Windows Update policy",
                    "windows.certificates.ServerCertificatesPlugin" => "Reseal does not import certificates from the metadata",
                    _ => "Reseal does not install Azure's guest agent",
                });
                break;
        }
    }

    private static void MapLocalScripts(IniOption option, FoundSetting setting, MigrationBuilder builder)
    {
        var folder = option.Value.Trim('"');
        if (folder.Length == 0 || !MigrationBuilder.IsWritable(folder))
        {
            builder.Error(BootCodes.MigrationBadValue, setting.File, option.Line, "'local_scripts_path' must be one folder path on one line");
            return;
        }

        // Cloudbase-Init runs the folder's scripts in name order, by extension; this one PowerShell line does the same
        // for the .cmd, .ps1 and .exe files at each new instance.
        var quoted = "'" + folder.Replace("'", "''", StringComparison.Ordinal) + "'";
        var content = $"Get-ChildItem -LiteralPath {quoted} -File | Sort-Object Name | ForEach-Object {{ switch ($_.Extension) {{ '.ps1' {{ & $_.FullName }} '.cmd' {{ & cmd.exe /c $_.FullName }} '.exe' {{ & $_.FullName }} }} }}";
        builder.Map(setting, AgentStage.PostReady, "executeScript", "executeScript (powershell, once)",
            "a script that runs the folder's .ps1, .cmd and .exe files in name order at each new instance (.py and .sh scripts are not run)",
            i =>
            {
                i["frequency"] = "once";
                i["type"] = "powershell";
                i["content"] = content;
                i["runAs"] = "localSystem";
            });
        builder.MarkListTask("executeScript");
    }

    private static List<string> List(string value) =>
        [.. value.Split([',', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(v => v.Length > 0)];

    private static int Number(IniOption? option, int fallback) =>
        option is not null && int.TryParse(option.Value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n <= 100000 ? n : fallback;

    private static bool? Flag(string value) => value.ToLowerInvariant() switch
    {
        "true" or "yes" or "on" or "1" => true,
        "false" or "no" or "off" or "0" => false,
        _ => null,
    };
}
