using System.Globalization;

namespace Reseal.SysprepEmulator;

/// <summary>A failure the emulator is told to play (docs/wine-e2e.md, "Failure injection").</summary>
public enum InjectedFailure
{
    /// <summary>Generalize rearms Windows and slc.dll's SLReArmWindows fails with 0xc004d307 (unless SkipRearm=1).</summary>
    RearmLimit,

    /// <summary>Validation finds an AppX package installed for a user but not provisioned for all users (0x80073cf2).</summary>
    StorePackage,

    /// <summary>Validation finds BitLocker on for the OS volume (0x80310039).</summary>
    BitLocker,

    /// <summary>The privilege check fails, as for a user who is not an administrator (Wine always runs as one).</summary>
    NotAdmin,
}

/// <summary>
/// The emulator's knobs. Each comes from an environment variable or, when that is unset, from a <c>key=value</c> line of
/// <c>%WINDIR%\System32\Sysprep\Emulator\config.txt</c> (so a test can set them for a sysprep.exe that Reseal starts):
/// <list type="table">
/// <item><term>fail</term><description><c>RESEAL_SYSPREP_EMULATOR_FAIL</c>: comma-separated failures: <c>rearm-limit</c>,
/// <c>store-package[=PackageFullName]</c>, <c>bitlocker</c>, <c>not-admin</c>.</description></item>
/// <item><term>delay</term><description><c>RESEAL_SYSPREP_EMULATOR_DELAY</c>: seconds Sysprep waits in the middle of
/// generalize (ImageState UNDEPLOYABLE), for tests of watching and of the one-instance rule.</description></item>
/// <item><term>command-timeout</term><description><c>RESEAL_SYSPREP_EMULATOR_COMMAND_TIMEOUT</c>: seconds a RunSynchronous
/// command may run (default 300; Windows waits forever).</description></item>
/// <item><term>setupcomplete-timeout</term><description><c>RESEAL_SYSPREP_EMULATOR_SETUPCOMPLETE_TIMEOUT</c>: seconds
/// SetupComplete.cmd may run (default 600).</description></item>
/// </list>
/// </summary>
public sealed record EmulatorOptions
{
    public const string DefaultStorePackage = "Microsoft.WindowsTerminal_1.21.3231.0_x64__8wekyb3d8bbwe";

    public IReadOnlySet<InjectedFailure> Failures { get; init; } = new HashSet<InjectedFailure>();

    public string StorePackage { get; init; } = DefaultStorePackage;

    public TimeSpan Delay { get; init; }

    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromSeconds(300);

    public TimeSpan SetupCompleteTimeout { get; init; } = TimeSpan.FromSeconds(600);

    public bool Fails(InjectedFailure failure) => Failures.Contains(failure);

    /// <summary>Reads the options from <paramref name="environment"/> first, then the config file's lines.</summary>
    /// <exception cref="FormatException">A value the emulator does not know.</exception>
    public static EmulatorOptions Read(Func<string, string?> environment, IEnumerable<string> configLines)
    {
        var file = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var raw in configLines)
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] is '#' or ';')
            {
                continue;
            }

            var eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new FormatException($"config.txt: '{line}' is not key=value");
            }

            file[line[..eq].Trim()] = line[(eq + 1)..].Trim();
        }

        string? Get(string key) => environment("RESEAL_SYSPREP_EMULATOR_" + key.Replace('-', '_').ToUpperInvariant()) is { Length: > 0 } v
            ? v
            : file.GetValueOrDefault(key);

        var options = new EmulatorOptions();
        if (Get("fail") is { } fail)
        {
            var failures = new HashSet<InjectedFailure>();
            foreach (var item in fail.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var eq = item.IndexOf('=', StringComparison.Ordinal);
                var name = (eq < 0 ? item : item[..eq]).ToLowerInvariant();
                var value = eq < 0 ? null : item[(eq + 1)..];
                switch (name)
                {
                    case "rearm-limit":
                        failures.Add(InjectedFailure.RearmLimit);
                        break;
                    case "store-package":
                        failures.Add(InjectedFailure.StorePackage);
                        options = options with { StorePackage = string.IsNullOrWhiteSpace(value) ? DefaultStorePackage : value };
                        break;
                    case "bitlocker":
                        failures.Add(InjectedFailure.BitLocker);
                        break;
                    case "not-admin":
                        failures.Add(InjectedFailure.NotAdmin);
                        break;
                    default:
                        throw new FormatException($"unknown failure '{item}' (known: rearm-limit, store-package[=PFN], bitlocker, not-admin)");
                }
            }

            options = options with { Failures = failures };
        }

        return options with
        {
            Delay = Seconds(Get("delay"), "delay") ?? TimeSpan.Zero,
            CommandTimeout = Seconds(Get("command-timeout"), "command-timeout") ?? options.CommandTimeout,
            SetupCompleteTimeout = Seconds(Get("setupcomplete-timeout"), "setupcomplete-timeout") ?? options.SetupCompleteTimeout,
        };
    }

    private static TimeSpan? Seconds(string? text, string key) =>
        text is null ? null
        : double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var s) && s >= 0 && s <= 86_400 ? TimeSpan.FromSeconds(s)
        : throw new FormatException($"{key}: '{text}' is not a number of seconds");
}
