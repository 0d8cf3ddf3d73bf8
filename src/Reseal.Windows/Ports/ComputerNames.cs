namespace Reseal.Windows.Ports;

/// <summary>
/// Where Windows keeps the computer name and the rules a new name must follow. Platform-neutral: the offline tree and the
/// fakes write these values directly; a running Windows goes through <c>SetComputerNameExW</c>, which writes the same
/// values.
/// </summary>
public static class ComputerNames
{
    /// <summary>The name the next boot takes (SYSTEM hive).</summary>
    public const string PendingKey = @"CurrentControlSet\Control\ComputerName\ComputerName";

    /// <summary>The name this boot runs with (volatile on a running Windows; absent offline).</summary>
    public const string ActiveKey = @"CurrentControlSet\Control\ComputerName\ActiveComputerName";

    /// <summary>The TCP/IP parameters holding the DNS host name (<c>NV Hostname</c> pending, <c>Hostname</c> active).</summary>
    public const string TcpipKey = @"CurrentControlSet\Services\Tcpip\Parameters";

    /// <summary>The longest NetBIOS computer name.</summary>
    public const int MaxLength = 15;

    /// <summary>The pending name (what the next boot takes), or null.</summary>
    public static string? ReadPending(IRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        return registry.GetString(RegistryHive.System, PendingKey, "ComputerName");
    }

    /// <summary>The active name when recorded, else the pending one.</summary>
    public static string? ReadActive(IRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        return registry.GetString(RegistryHive.System, ActiveKey, "ComputerName") ?? ReadPending(registry);
    }

    /// <summary>
    /// Writes <paramref name="name"/> as the pending NetBIOS name (upper case, as Windows stores it) and the pending DNS
    /// host name (as given). Throws <see cref="ArgumentException"/> for a name <see cref="Problem"/> rejects.
    /// </summary>
    public static void WritePending(IRegistry registry, string name)
    {
        ArgumentNullException.ThrowIfNull(registry);
        if (Problem(name) is { } problem)
        {
            throw new ArgumentException($"'{name}' is not a valid computer name: {problem}", nameof(name));
        }

        registry.SetValue(RegistryHive.System, PendingKey, "ComputerName", RegistryData.FromString(name.ToUpperInvariant()));
        registry.SetValue(RegistryHive.System, TcpipKey, "NV Hostname", RegistryData.FromString(name));
    }

    /// <summary>
    /// Why <paramref name="name"/> cannot be a computer name, or null when it can: 1–15 characters, ASCII letters, digits
    /// and hyphens, not starting or ending with a hyphen, not all digits (Windows' DNS host-name rules, which also keep
    /// the NetBIOS name valid).
    /// </summary>
    public static string? Problem(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return "it is empty";
        }

        if (name.Length > MaxLength)
        {
            return $"it has {name.Length} characters; at most {MaxLength} are allowed";
        }

        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '-'))
            {
                return char.IsControl(c) ? "it contains a control character" : $"it contains '{c}'; only letters, digits and '-' are allowed";
            }
        }

        if (name[0] == '-' || name[^1] == '-')
        {
            return "it starts or ends with '-'";
        }

        return name.All(char.IsAsciiDigit) ? "it is all digits" : null;
    }
}
