using System.Collections.Concurrent;
using Reseal.Windows.Ports;

namespace Reseal.TestSupport;

/// <summary>
/// An in-memory Windows machine for the agent and seal tests: a registry, files, accounts, services and volumes that
/// hold what is written to them, and processes, the serial console and power requests that are recorded (and scripted
/// through <see cref="FakeProcesses.Handler"/>). Thread-safe enough for the runner's parallel groups.
/// </summary>
public sealed class FakeWindows : IWindowsMachine
{
    /// <summary>
    /// A machine whose built-in administrator (RID 500) and Administrators group (S-1-5-32-544) have the given names:
    /// "Administrateur"/"Administrateurs" models a French Windows, any other name a renamed account. Logic that looks
    /// them up by the English names fails on such a machine, as it would on Windows.
    /// </summary>
    public FakeWindows(string administratorName = "Administrator", string administratorsGroupName = "Administrators")
    {
        Registry = new FakeRegistry();
        Files = new FakeFiles();
        Desktop = new FakeDesktop(Files);
        Processes = new FakeProcesses();
        Accounts = new FakeAccounts(administratorsGroupName) { ProfileFiles = Files, ComputerName = () => System?.GetComputerName() };
        Services = new FakeServices();
        Volumes = new FakeVolumes();
        SerialConsole = new FakeSerialConsole();
        Power = new FakePower();
        System = new FakeSystemInfo(Registry);
        _guardedAccounts = new DomainControllerGuard(Accounts, System);
        Accounts.Add(new LocalAccount { Name = administratorName, Rid = 500, Flags = 0x10, IsAdministrator = true });
        Accounts.Add(new LocalAccount { Name = "Guest", Rid = 501, Flags = 0x11 });
        System.SetImageState("IMAGE_STATE_COMPLETE");
        Registry.SetValue(RegistryHive.System, ComputerNames.PendingKey, "ComputerName", RegistryData.FromString("WIN-FAKE0001"));
        Registry.SetValue(RegistryHive.System, ComputerNames.ActiveKey, "ComputerName", RegistryData.FromString("WIN-FAKE0001"));
    }

    private readonly DomainControllerGuard _guardedAccounts;

    public string Description => "an in-memory test machine";

    public FakeRegistry Registry { get; }

    public FakeFiles Files { get; }

    public FakeProcesses Processes { get; }

    public FakeAccounts Accounts { get; }

    public FakeServices Services { get; }

    public FakeVolumes Volumes { get; }

    public FakeSerialConsole SerialConsole { get; }

    public FakePower Power { get; }

    public FakeSystemInfo System { get; }

    IRegistry IWindowsMachine.Registry => Registry;

    IWindowsFiles IWindowsMachine.Files => Files;

    IProcessRunner IWindowsMachine.Processes => Processes;

    /// <summary>What logic sees: the accounts behind the same domain-controller guard as a running Windows.</summary>
    ILocalAccounts IWindowsMachine.Accounts => _guardedAccounts;

    IServices IWindowsMachine.Services => Services;

    IVolumes IWindowsMachine.Volumes => Volumes;

    ISerialConsole IWindowsMachine.SerialConsole => SerialConsole;

    IPower IWindowsMachine.Power => Power;

    ISystemInfo IWindowsMachine.System => System;

    /// <summary>Null: an in-memory machine has no host tree and no hive files.</summary>
    public IOfflineTree? OfflineTree => null;

    /// <summary>The Event Log: entries the test adds.</summary>
    public FakeEventLogReader EventLogs { get; } = new();

    IEventLogReader? IWindowsMachine.EventLogs => EventLogs;

    /// <summary>The desktop: records what it is asked to draw; loaded profiles are added by the test.</summary>
    public FakeDesktop Desktop { get; }

    IDesktop IWindowsMachine.Desktop => Desktop;

    /// <summary>The network interfaces: Windows' loopback, and what the test adds.</summary>
    public FakeNetwork Network { get; } = new();

    INetworkInterfaces IWindowsMachine.Network => Network;

    /// <summary>The certificate store: certificates with in-memory keys.</summary>
    public FakeCertificates Certificates { get; } = new();

    IMachineCertificates IWindowsMachine.Certificates => Certificates;
}

/// <summary>
/// LocalMachine\My in a list: certificates made by <see cref="SelfSignedCertificates.Create"/> with an in-memory RSA key
/// (the same certificate Windows gets, only the key is not persisted), and failures a test asks for.
/// </summary>
public sealed class FakeCertificates : IMachineCertificates
{
    private readonly List<MachineCertificate> _certificates = [];

    /// <summary>When set, <see cref="CreateSelfSigned"/> throws this (the key or the store refused).</summary>
    public Exception? CreateFailure { get; set; }

    /// <summary>The certificates, in the order added.</summary>
    public IReadOnlyList<MachineCertificate> Certificates
    {
        get
        {
            lock (_certificates)
            {
                return [.. _certificates];
            }
        }
    }

    /// <summary>Adds a certificate as if it had been in the store already.</summary>
    public void Add(MachineCertificate certificate)
    {
        lock (_certificates)
        {
            _certificates.Add(certificate);
        }
    }

    public IReadOnlyList<MachineCertificate> List() => Certificates;

    public MachineCertificate CreateSelfSigned(SelfSignedCertificateRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (CreateFailure is { } failure)
        {
            throw failure;
        }

        using var key = System.Security.Cryptography.RSA.Create(request.KeySize);
        using var certificate = SelfSignedCertificates.Create(key, request);
        var made = MachineCertificate.From(certificate, request.FriendlyName);
        Add(made);
        return made;
    }

    public bool Remove(string thumbprint)
    {
        lock (_certificates)
        {
            return _certificates.RemoveAll(c => string.Equals(c.Thumbprint, thumbprint, StringComparison.OrdinalIgnoreCase)) > 0;
        }
    }
}

/// <summary>An Event Log in a list: the logs that exist, their entries, and the queries made.</summary>
public sealed class FakeEventLogReader : IEventLogReader
{
    /// <summary>The logs that exist (others throw KeyNotFoundException, as a missing channel does).</summary>
    public HashSet<string> Logs { get; } = new(StringComparer.OrdinalIgnoreCase) { "System", "Application" };

    /// <summary>The entries, in any order.</summary>
    public List<EventLogEntry> Entries { get; } = [];

    /// <summary>Each query, as "log|provider|levels|count".</summary>
    public ConcurrentQueue<string> Queries { get; } = new();

    /// <inheritdoc/>
    public IReadOnlyList<EventLogEntry> ReadNewest(string logName, string? provider, IReadOnlyList<int> levels, int count)
    {
        Queries.Enqueue($"{logName}|{provider}|{string.Join(',', levels)}|{count}");
        if (!Logs.Contains(logName))
        {
            throw new KeyNotFoundException($"there is no event log '{logName}'");
        }

        return [.. Entries.Where(e => string.Equals(e.LogName, logName, StringComparison.OrdinalIgnoreCase)
                && (provider is null || string.Equals(e.Provider, provider, StringComparison.OrdinalIgnoreCase))
                && (levels.Count == 0 || levels.Contains(e.Level)))
            .OrderByDescending(e => e.TimeCreated).Take(count)];
    }
}

/// <summary>Registry keys and values in dictionaries (case-insensitive), one tree per hive.</summary>
public sealed class FakeRegistry : IRegistry
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Dictionary<string, RegistryData>> _keys = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Called before every change with (hive, key, value name or null); throw from it to simulate a failure.</summary>
    public Action<RegistryHive, string, string?>? BeforeWrite { get; set; }

    public bool KeyExists(RegistryHive hive, string keyPath)
    {
        lock (_gate)
        {
            return _keys.ContainsKey(Id(hive, keyPath));
        }
    }

    public RegistryData? GetValue(RegistryHive hive, string keyPath, string name)
    {
        lock (_gate)
        {
            return _keys.TryGetValue(Id(hive, keyPath), out var values) && values.TryGetValue(name, out var data) ? data : null;
        }
    }

    public IReadOnlyList<NamedRegistryData> GetValues(RegistryHive hive, string keyPath)
    {
        lock (_gate)
        {
            return _keys.TryGetValue(Id(hive, keyPath), out var values)
                ? [.. values.OrderBy(v => v.Key, StringComparer.OrdinalIgnoreCase).Select(v => new NamedRegistryData(v.Key, v.Value))]
                : [];
        }
    }

    public IReadOnlyList<string> GetSubkeyNames(RegistryHive hive, string keyPath)
    {
        lock (_gate)
        {
            var prefix = Id(hive, keyPath) + "\\";
            return [.. _keys.Keys.Where(k => k.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                .Select(k => k[prefix.Length..]).Where(rest => rest.Length > 0 && !rest.Contains('\\', StringComparison.Ordinal))
                .Order(StringComparer.OrdinalIgnoreCase)];
        }
    }

    public void SetValue(RegistryHive hive, string keyPath, string name, RegistryData data)
    {
        BeforeWrite?.Invoke(hive, keyPath, name);
        lock (_gate)
        {
            Create(hive, keyPath)[name] = data;
        }
    }

    public bool DeleteValue(RegistryHive hive, string keyPath, string name)
    {
        BeforeWrite?.Invoke(hive, keyPath, name);
        lock (_gate)
        {
            return _keys.TryGetValue(Id(hive, keyPath), out var values) && values.Remove(name);
        }
    }

    public void CreateKey(RegistryHive hive, string keyPath)
    {
        BeforeWrite?.Invoke(hive, keyPath, null);
        lock (_gate)
        {
            Create(hive, keyPath);
        }
    }

    public bool DeleteKey(RegistryHive hive, string keyPath)
    {
        BeforeWrite?.Invoke(hive, keyPath, null);
        lock (_gate)
        {
            var id = Id(hive, keyPath);
            var doomed = _keys.Keys.Where(k => k.Equals(id, StringComparison.OrdinalIgnoreCase) || k.StartsWith(id + "\\", StringComparison.OrdinalIgnoreCase)).ToList();
            foreach (var key in doomed)
            {
                _keys.Remove(key);
            }

            return doomed.Count > 0;
        }
    }

    /// <summary>A DWORD value, for assertions.</summary>
    public uint? DWord(RegistryHive hive, string keyPath, string name) => GetValue(hive, keyPath, name)?.AsDWord();

    /// <summary>A string value, for assertions.</summary>
    public string? Text(RegistryHive hive, string keyPath, string name) => GetValue(hive, keyPath, name)?.AsString();

    private Dictionary<string, RegistryData> Create(RegistryHive hive, string keyPath)
    {
        var parts = keyPath.Split('\\', StringSplitOptions.RemoveEmptyEntries);
        var path = hive.ToString();
        Dictionary<string, RegistryData>? values = null;
        if (!_keys.TryGetValue(path, out values))
        {
            _keys[path] = values = new(StringComparer.OrdinalIgnoreCase);
        }

        foreach (var part in parts)
        {
            path += "\\" + part;
            if (!_keys.TryGetValue(path, out values))
            {
                _keys[path] = values = new(StringComparer.OrdinalIgnoreCase);
            }
        }

        return values;
    }

    private static string Id(RegistryHive hive, string keyPath)
    {
        var trimmed = keyPath.Trim('\\');
        return trimmed.Length == 0 ? hive.ToString() : hive + "\\" + trimmed;
    }
}

/// <summary>Files in a dictionary keyed by the expanded, case-insensitive Windows path.</summary>
public sealed class FakeFiles : IWindowsFiles
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, byte[]> _files = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _directories = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, FileAccessList> _access = new(StringComparer.OrdinalIgnoreCase);
    private const string SystemSid = "S-1-5-18";
    private const string AdministratorsSid = "S-1-5-32-544";

    /// <summary>Called before every write or delete with the expanded path; throw from it to simulate a failure.</summary>
    public Action<string>? BeforeWrite { get; set; }

    /// <summary>Every path written, in order (expanded).</summary>
    public ConcurrentQueue<string> Written { get; } = new();

    public string Expand(string windowsPath) => WindowsPaths.Expand(windowsPath).TrimEnd('\\');

    public bool FileExists(string windowsPath)
    {
        lock (_gate)
        {
            return _files.ContainsKey(Expand(windowsPath));
        }
    }

    public bool DirectoryExists(string windowsPath)
    {
        var path = Expand(windowsPath);
        lock (_gate)
        {
            return _directories.Contains(path) || _files.Keys.Any(f => f.StartsWith(path + "\\", StringComparison.OrdinalIgnoreCase));
        }
    }

    public long? GetFileLength(string windowsPath)
    {
        lock (_gate)
        {
            return _files.TryGetValue(Expand(windowsPath), out var bytes) ? bytes.Length : null;
        }
    }

    public byte[] ReadAllBytes(string windowsPath)
    {
        lock (_gate)
        {
            return _files.TryGetValue(Expand(windowsPath), out var bytes)
                ? (byte[])bytes.Clone()
                : throw new FileNotFoundException($"{Expand(windowsPath)} does not exist", windowsPath);
        }
    }

    public Stream OpenRead(string windowsPath) => new MemoryStream(ReadAllBytes(windowsPath), writable: false);

    public void WriteAllBytes(string windowsPath, ReadOnlySpan<byte> contents)
    {
        var path = Expand(windowsPath);
        BeforeWrite?.Invoke(path);
        lock (_gate)
        {
            _files[path] = contents.ToArray();
            _access.Remove(path); // a new file made beside the target inherits the folder's entries, as on Windows
            AddParents(path);
        }

        Written.Enqueue(path);
    }

    /// <summary>
    /// Stores the file and its access list in one step, as the live port creates the temporary file with its security
    /// descriptor: owner Administrators, protected, full control for SYSTEM, Administrators and the user when given.
    /// </summary>
    public void WriteProtectedFile(string windowsPath, ReadOnlySpan<byte> contents, WindowsSid? alsoFullControl)
    {
        var path = Expand(windowsPath);
        BeforeWrite?.Invoke(path);
        var access = new FileAccessList(AdministratorsSid, Protected: true,
            alsoFullControl is null ? [SystemSid, AdministratorsSid] : [SystemSid, AdministratorsSid, alsoFullControl.ToString()]);
        lock (_gate)
        {
            _files[path] = contents.ToArray();
            _access[path] = access;
            AddParents(path);
        }

        Written.Enqueue(path);
    }

    /// <summary>
    /// True when the file was written by <see cref="WriteProtectedFile"/> for no other user than <paramref name="alsoAllowed"/>
    /// (or given such an access list by <see cref="SetAccess"/>); a file written by <see cref="WriteAllBytes"/> inherits the
    /// folder's entries, which let Users create and change files in ProgramData.
    /// </summary>
    public bool IsProtectedFile(string windowsPath, WindowsSid? alsoAllowed)
    {
        var access = AccessOf(windowsPath);
        var allowed = new[] { SystemSid, AdministratorsSid, alsoAllowed?.ToString() };
        return access is { Protected: true } && allowed.Contains(access.Owner) && access.FullControl.All(allowed.Contains);
    }

    /// <summary>Gives a stored file an access list (a test's planted or hand-made file).</summary>
    public void SetAccess(string windowsPath, FileAccessList access)
    {
        lock (_gate)
        {
            _access[Expand(windowsPath)] = access;
        }
    }

    /// <summary>
    /// The access list a file was given by <see cref="WriteProtectedFile"/>, or null when it has none of its own (written
    /// by <see cref="WriteAllBytes"/>: it inherits the folder's entries, which in ProgramData let Users read).
    /// </summary>
    public FileAccessList? AccessOf(string windowsPath)
    {
        lock (_gate)
        {
            return _access.GetValueOrDefault(Expand(windowsPath));
        }
    }

    public bool DeleteFile(string windowsPath)
    {
        var path = Expand(windowsPath);
        BeforeWrite?.Invoke(path);
        lock (_gate)
        {
            _access.Remove(path);
            return _files.Remove(path);
        }
    }

    public void CreateDirectory(string windowsPath)
    {
        var path = Expand(windowsPath);
        lock (_gate)
        {
            _directories.Add(path);
            AddParents(path);
        }
    }

    public bool DeleteDirectory(string windowsPath)
    {
        var path = Expand(windowsPath);
        BeforeWrite?.Invoke(path);
        lock (_gate)
        {
            if (_files.Keys.Concat(_directories).Any(f => f.StartsWith(path + "\\", StringComparison.OrdinalIgnoreCase)))
            {
                throw new IOException($"{path} is not empty");
            }

            return _directories.Remove(path);
        }
    }

    /// <summary>Every directory path (expanded), sorted.</summary>
    public IReadOnlyList<string> AllDirectories
    {
        get
        {
            lock (_gate)
            {
                return [.. _directories.Order(StringComparer.OrdinalIgnoreCase)];
            }
        }
    }

    public IReadOnlyList<string> ListFiles(string windowsDirectory)
    {
        var dir = Expand(windowsDirectory) + "\\";
        lock (_gate)
        {
            return [.. _files.Keys.Where(f => f.StartsWith(dir, StringComparison.OrdinalIgnoreCase) && !f[dir.Length..].Contains('\\', StringComparison.Ordinal))
                .Order(StringComparer.OrdinalIgnoreCase)];
        }
    }

    public IReadOnlyList<string> ListDirectories(string windowsDirectory)
    {
        var dir = Expand(windowsDirectory) + "\\";
        lock (_gate)
        {
            return [.. _directories.Where(d => d.StartsWith(dir, StringComparison.OrdinalIgnoreCase) && d.Length > dir.Length && !d[dir.Length..].Contains('\\', StringComparison.Ordinal))
                .Order(StringComparer.OrdinalIgnoreCase)];
        }
    }

    /// <summary>Directories given to <see cref="RestrictToAdministrators"/> (expanded).</summary>
    public ConcurrentQueue<string> Restricted { get; } = new();

    /// <summary>Called at the start of <see cref="RestrictToAdministrators"/> (a test observes the moment of the call).</summary>
    public Action<string>? OnRestrict { get; set; }

    public bool RestrictToAdministrators(string windowsDirectory)
    {
        OnRestrict?.Invoke(windowsDirectory);
        CreateDirectory(windowsDirectory);
        Restricted.Enqueue(Expand(windowsDirectory));
        return true;
    }

    /// <summary>Writes a UTF-8 text file (test set-up).</summary>
    public void WriteText(string windowsPath, string text) => WriteAllBytes(windowsPath, global::System.Text.Encoding.UTF8.GetBytes(text));

    /// <summary>Reads a file as UTF-8 text (assertions).</summary>
    public string ReadText(string windowsPath) => global::System.Text.Encoding.UTF8.GetString(ReadAllBytes(windowsPath));

    /// <summary>Every file path (expanded), sorted.</summary>
    public IReadOnlyList<string> AllFiles
    {
        get
        {
            lock (_gate)
            {
                return [.. _files.Keys.Order(StringComparer.OrdinalIgnoreCase)];
            }
        }
    }

    private void AddParents(string path)
    {
        for (var cut = path.LastIndexOf('\\'); cut > 2; cut = path.LastIndexOf('\\', cut - 1))
        {
            _directories.Add(path[..cut]);
        }
    }
}

/// <summary>A file's own access list: its owner, whether it is protected from inheritance, the SIDs with full control.</summary>
public sealed record FileAccessList(string Owner, bool Protected, IReadOnlyList<string> FullControl);

/// <summary>Records every process request; <see cref="Handler"/> decides how each ends (default: exit 0, no output).</summary>
public sealed class FakeProcesses : IProcessRunner
{
    private int _nextId = 1000;

    /// <summary>Every request run or started, in order.</summary>
    public ConcurrentQueue<ProcessRequest> Requests { get; } = new();

    /// <summary>The requests started detached.</summary>
    public ConcurrentQueue<ProcessRequest> Detached { get; } = new();

    /// <summary>Decides the outcome of a run; may change the fake machine (as the real program would).</summary>
    public Func<ProcessRequest, ProcessOutcome>? Handler { get; set; }

    /// <summary>
    /// Decides the outcome of a run that takes time (a Sysprep that runs for a while, or hangs); it sees the caller's
    /// token, and a cancelled run ends as the real runner's does, with <see cref="OperationCanceledException"/> (the
    /// process tree killed). Takes precedence over <see cref="Handler"/>; not used for detached starts.
    /// </summary>
    public Func<ProcessRequest, CancellationToken, Task<ProcessOutcome>>? AsyncHandler { get; set; }

    /// <summary>Running programs by process id (what <see cref="FindRunning"/> lists).</summary>
    public ConcurrentDictionary<int, string> Running { get; } = new();

    /// <summary>What <see cref="IsElevated"/> says (default: elevated).</summary>
    public bool? Elevated { get; set; } = true;

    /// <summary>When set, <see cref="FindRunning"/> throws this (the process list cannot be read).</summary>
    public Exception? FindRunningFailure { get; set; }

    public bool? IsElevated => Elevated;

    public IReadOnlyList<int> FindRunning(string programFileName)
    {
        if (FindRunningFailure is not null)
        {
            throw FindRunningFailure;
        }

        return [.. Running.Where(p => p.Value.Equals(programFileName, StringComparison.OrdinalIgnoreCase)).Select(p => p.Key).Order()];
    }

    public Task<ProcessOutcome> RunAsync(ProcessRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        cancellationToken.ThrowIfCancellationRequested();
        Requests.Enqueue(request);
        if (AsyncHandler is { } handler)
        {
            return handler(request, cancellationToken);
        }

        return Task.FromResult(Handler?.Invoke(request) ?? Exit(0));
    }

    public int StartDetached(ProcessRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        Requests.Enqueue(request);
        Detached.Enqueue(request);
        _ = Handler?.Invoke(request);
        return Interlocked.Increment(ref _nextId);
    }

    /// <summary>An outcome with an exit code and optional output.</summary>
    public static ProcessOutcome Exit(int code, string stdout = "", string stderr = "") => new(code, stdout, stderr, false, TimeSpan.FromMilliseconds(1));

    /// <summary>The command lines run, one string each (file name and arguments joined by spaces).</summary>
    public IReadOnlyList<string> CommandLines => [.. Requests.Select(r => string.Join(' ', [r.FileName, .. r.Arguments]))];
}

/// <summary>
/// Accounts in a list; passwords kept so tests can compare. Built-in groups are known by SID with the names this
/// machine's language gives them; other groups only by name.
/// </summary>
public sealed class FakeAccounts(string administratorsGroupName = "Administrators") : ILocalAccounts
{
    private readonly Lock _gate = new();
    private readonly List<LocalAccount> _accounts = [];
    private readonly Dictionary<uint, string> _passwords = [];
    private readonly List<(string Sid, string Name, HashSet<uint> Members)> _groups =
    [
        ("S-1-5-32-544", administratorsGroupName, [500]),
        ("S-1-5-32-545", "Users", []),
        ("S-1-5-32-555", "Remote Desktop Users", []),
    ];

    /// <summary>Adds a group that is not built in.</summary>
    public void AddGroup(string name)
    {
        lock (_gate)
        {
            _groups.Add(("", name, []));
        }
    }

    /// <summary>The names of the groups (as this machine names them) an account (by RID) is a member of.</summary>
    public IReadOnlyList<string> GroupsOf(uint rid)
    {
        lock (_gate)
        {
            return [.. _groups.Where(g => g.Members.Contains(rid)).Select(g => g.Name)];
        }
    }

    /// <summary>True when the account (by RID) is a member of BUILTIN\Administrators.</summary>
    public bool IsInAdministrators(uint rid)
    {
        lock (_gate)
        {
            return _groups.Single(g => g.Sid == "S-1-5-32-544").Members.Contains(rid);
        }
    }

    public LocalAccount? FindByRid(uint rid)
    {
        lock (_gate)
        {
            return _accounts.FirstOrDefault(a => a.Rid == rid);
        }
    }

    public bool AddToGroup(LocalGroup group, string userName)
    {
        ArgumentNullException.ThrowIfNull(group);
        lock (_gate)
        {
            var account = _accounts.FirstOrDefault(a => a.Name.Equals(userName, StringComparison.OrdinalIgnoreCase))
                ?? throw new NetApiException($"NetLocalGroupAddMembers({group}, {userName})", 1388, "The new member could not be added to a local group because the member has the wrong account type."); // ERROR_NO_SUCH_MEMBER
            var index = group.Sid is { } sid
                ? _groups.FindIndex(g => g.Sid == sid.ToString())
                : _groups.FindIndex(g => g.Name.Equals(group.Name, StringComparison.OrdinalIgnoreCase));
            if (index < 0)
            {
                throw new NetApiException($"NetLocalGroupAddMembers({group}, {userName})", 2220, "The group name could not be found."); // NERR_GroupNotFound
            }

            return _groups[index].Members.Add(account.Rid);
        }
    }

    /// <summary>Called before a password is set (name, password); throw to simulate a failure.</summary>
    public Action<string, string>? BeforeSetPassword { get; set; }

    /// <summary>How many times a password was set.</summary>
    public int PasswordSets { get; private set; }

    public void Add(LocalAccount account)
    {
        lock (_gate)
        {
            _accounts.Add(account);
        }
    }

    public IReadOnlyList<LocalAccount> ListAccounts()
    {
        lock (_gate)
        {
            return [.. _accounts.OrderBy(a => a.Rid)];
        }
    }

    public LocalAccount? FindAccount(string name)
    {
        lock (_gate)
        {
            return _accounts.FirstOrDefault(a => a.Name.Equals(name, StringComparison.OrdinalIgnoreCase));
        }
    }

    public void SetEnabled(string name, bool enabled) =>
        Replace(name, a => a with { Flags = enabled ? a.Flags & ~1u : a.Flags | 1u });

    public void SetPassword(string name, string password)
    {
        BeforeSetPassword?.Invoke(name, password);
        lock (_gate)
        {
            var account = _accounts.FirstOrDefault(a => a.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
                ?? throw new KeyNotFoundException($"no account named {name}");
            _passwords[account.Rid] = password;
            PasswordSets++;
        }
    }

    public void Rename(string name, string newName)
    {
        lock (_gate)
        {
            if (_accounts.Any(a => a.Name.Equals(newName, StringComparison.OrdinalIgnoreCase) && !a.Name.Equals(name, StringComparison.OrdinalIgnoreCase)))
            {
                throw new InvalidOperationException($"an account named {newName} already exists");
            }
        }

        Replace(name, a => a with { Name = newName });
    }

    public void Create(string name, string password)
    {
        BeforeSetPassword?.Invoke(name, password);
        lock (_gate)
        {
            if (_accounts.Any(a => a.Name.Equals(name, StringComparison.OrdinalIgnoreCase)))
            {
                throw new InvalidOperationException($"an account named {name} already exists");
            }

            var rid = Math.Max(1000u, _accounts.Max(a => a.Rid) + 1);
            _accounts.Add(new LocalAccount { Name = name, Rid = rid, Flags = 0x10 });
            _passwords[rid] = password;
            PasswordSets++;
        }
    }

    /// <summary>The account domain's SID of this machine (an account's SID is this plus its RID).</summary>
    public static WindowsSid MachineSid { get; } = WindowsSid.Create(5, 21, 1111111111, 2222222222, 3333333333);

    /// <summary>The files profile folders are made in (set by <see cref="FakeWindows"/>).</summary>
    public FakeFiles? ProfileFiles { get; init; }

    /// <summary>The computer name, which Windows appends to a profile folder whose plain name is taken.</summary>
    public Func<string?> ComputerName { get; init; } = () => "WIN-FAKE0001";

    /// <summary>When set, called before a profile is created; throw from it to stand for CreateProfile failing.</summary>
    public Action<string>? BeforeCreateProfile { get; set; }

    /// <summary>How many profiles were created (by <see cref="EnsureProfile"/>).</summary>
    public int ProfilesCreated { get; private set; }

    private readonly Dictionary<uint, string> _profiles = [];

    public IReadOnlyList<UserProfile> ListProfiles()
    {
        lock (_gate)
        {
            return [.. _profiles.Select(p => new UserProfile(MachineSid.WithRid(p.Key).ToString(), p.Value, 0u)).OrderBy(p => p.Sid, StringComparer.OrdinalIgnoreCase)];
        }
    }

    /// <summary>
    /// Plays CreateProfile (and the first logon, which does the same): an existing profile is returned as registered; a
    /// new one gets <c>C:\Users\NAME</c> when no such folder exists, else <c>NAME.COMPUTER</c>, then <c>NAME.COMPUTER.000</c>,
    /// <c>.001</c>… (Microsoft's naming rule, KB 324734): so files written into a guessed <c>C:\Users\NAME</c> before the
    /// profile exists end up outside it, as on Windows.
    /// </summary>
    public ProfileFolder EnsureProfile(string userName)
    {
        var account = FindAccount(userName) ?? throw new KeyNotFoundException($"no local account named '{userName}'");
        var sid = MachineSid.WithRid(account.Rid);
        lock (_gate)
        {
            if (_profiles.TryGetValue(account.Rid, out var existing))
            {
                return new ProfileFolder(sid, existing, Created: false);
            }
        }

        BeforeCreateProfile?.Invoke(account.Name);
        var files = ProfileFiles ?? throw new InvalidOperationException("this FakeAccounts has no files to make profile folders in");
        var path = $@"C:\Users\{account.Name}";
        if (files.DirectoryExists(path) || files.FileExists(path))
        {
            var taken = path + "." + ComputerName();
            path = taken;
            for (var n = 0; files.DirectoryExists(path) || files.FileExists(path); n++)
            {
                path = taken + "." + n.ToString("000", global::System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        files.CreateDirectory(path);
        lock (_gate)
        {
            _profiles[account.Rid] = path;
            ProfilesCreated++;
        }

        return new ProfileFolder(sid, path, Created: true);
    }

    /// <summary>Registers an existing profile for an account (test set-up), its folder created.</summary>
    public void AddProfile(string userName, string path)
    {
        var account = FindAccount(userName) ?? throw new KeyNotFoundException($"no local account named '{userName}'");
        ProfileFiles?.CreateDirectory(path);
        lock (_gate)
        {
            _profiles[account.Rid] = path;
        }
    }

    /// <summary>The password last set for an account (by RID), or null.</summary>
    public string? PasswordOf(uint rid)
    {
        lock (_gate)
        {
            return _passwords.GetValueOrDefault(rid);
        }
    }

    private void Replace(string name, Func<LocalAccount, LocalAccount> change)
    {
        lock (_gate)
        {
            var index = _accounts.FindIndex(a => a.Name.Equals(name, StringComparison.OrdinalIgnoreCase));
            if (index < 0)
            {
                throw new KeyNotFoundException($"no account named {name}");
            }

            _accounts[index] = change(_accounts[index]);
        }
    }
}

/// <summary>Services in a dictionary; start and stop change their state.</summary>
public sealed class FakeServices : IServices
{
    private readonly ConcurrentDictionary<string, ServiceInfo> _services = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Every start and stop, as "start NAME" / "stop NAME".</summary>
    public ConcurrentQueue<string> Calls { get; } = new();

    public void Add(ServiceInfo service) => _services[service.Name] = service;

    /// <summary>Removes a service (an uninstall); false when there was none.</summary>
    public bool Remove(string name) => _services.TryRemove(name, out _);

    public ServiceInfo? Find(string name) => _services.GetValueOrDefault(name);

    public void SetStartMode(string name, ServiceStartMode mode) => Change(name, s => s with { StartMode = mode });

    public Task StartAsync(string name, TimeSpan timeout, CancellationToken cancellationToken)
    {
        Calls.Enqueue("start " + name);
        Change(name, s => s with { State = ServiceRunState.Running });
        return Task.CompletedTask;
    }

    public Task StopAsync(string name, TimeSpan timeout, CancellationToken cancellationToken)
    {
        Calls.Enqueue("stop " + name);
        Change(name, s => s with { State = ServiceRunState.Stopped });
        return Task.CompletedTask;
    }

    private void Change(string name, Func<ServiceInfo, ServiceInfo> change)
    {
        var service = _services.GetValueOrDefault(name) ?? throw new InvalidOperationException($"service {name} is not installed");
        _services[name] = change(service);
    }
}

/// <summary>A settable list of volumes.</summary>
public sealed class FakeVolumes : IVolumes
{
    public List<VolumeInfo> Items { get; } = [new VolumeInfo(@"C:\", "Windows", "NTFS", 32L << 30, 16L << 30)];

    public IReadOnlyList<VolumeInfo> ListVolumes() => [.. Items.OrderBy(v => v.RootPath, StringComparer.OrdinalIgnoreCase)];

    /// <summary>Each letter change, as "E:\ -> D:".</summary>
    public ConcurrentQueue<string> Changes { get; } = new();

    /// <summary>Letters that cannot be set (a CD-ROM drive without a disc holds them; SetVolumeMountPoint fails).</summary>
    public HashSet<char> Unavailable { get; } = [];

    /// <summary>
    /// Moves the volume as LiveVolumes does: fails without a change when the letter is held (by a listed volume or one in
    /// <see cref="Unavailable"/>), throwing the Win32 error SetVolumeMountPoint would give.
    /// </summary>
    public void SetDriveLetter(string volumeRoot, char letter)
    {
        var root = volumeRoot.TrimEnd('\\') + "\\";
        var index = Items.FindIndex(v => string.Equals(v.RootPath, root, StringComparison.OrdinalIgnoreCase));
        if (index < 0)
        {
            throw new global::System.ComponentModel.Win32Exception(2, $"no volume is mounted at {root}");
        }

        var target = char.ToUpperInvariant(letter) + ":\\";
        if (Unavailable.Contains(char.ToUpperInvariant(letter)) || Items.Any(v => string.Equals(v.RootPath, target, StringComparison.OrdinalIgnoreCase)))
        {
            throw new global::System.ComponentModel.Win32Exception(85, $"could not mount the volume at {target}; it stays at {root}");
        }

        Items[index] = Items[index] with { RootPath = target };
        Changes.Enqueue($"{root} -> {target[..2]}");
    }
}

/// <summary>Records console lines.</summary>
public sealed class FakeSerialConsole : ISerialConsole
{
    public ConcurrentQueue<string> Lines { get; } = new();

    /// <summary>When set, every write throws this (an unplugged or busy port).</summary>
    public Exception? Failure { get; set; }

    public Task WriteLineAsync(string line, CancellationToken cancellationToken)
    {
        if (Failure is not null)
        {
            throw Failure;
        }

        Lines.Enqueue(line);
        return Task.CompletedTask;
    }

    /// <summary>How many times the port was released.</summary>
    public int Closes { get; private set; }

    public void Close() => Closes++;
}

/// <summary>Records power requests.</summary>
public sealed class FakePower : IPower
{
    public ConcurrentQueue<(PowerAction Action, TimeSpan Delay, string Reason)> Requests { get; } = new();

    /// <summary>Thrown by <see cref="Request"/> instead of recording it (a shutdown Windows refuses), when set.</summary>
    public Exception? Refusal { get; set; }

    public void Request(PowerAction action, TimeSpan delay, string reason)
    {
        if (Refusal is { } refusal)
        {
            throw refusal;
        }

        Requests.Enqueue((action, delay, reason));
    }
}

/// <summary>System facts read from the fake registry, as a running Windows keeps them.</summary>
public sealed class FakeSystemInfo(FakeRegistry registry) : ISystemInfo
{
    private const string SetupState = @"Microsoft\Windows\CurrentVersion\Setup\State";

    public OsVersion Version { get; set; } = new()
    {
        ProductName = "Windows Server 2022 Datacenter", EditionId = "ServerDatacenter", InstallationType = "Server", Major = 10, Minor = 0, Build = 20348, ProductType = 3,
    };

    public ActivationInfo Activation { get; set; } = new(false, 1001, true);

    public OsVersion GetOsVersion() => Version;

    public string? GetComputerName() => ComputerNames.ReadActive(registry);

    public string? GetPendingComputerName() => ComputerNames.ReadPending(registry);

    public void SetComputerName(string name) => ComputerNames.WritePending(registry, name);

    public (ImageState State, string? RawText) GetImageState()
    {
        var text = registry.Text(RegistryHive.Software, SetupState, "ImageState");
        return (ImageStates.Parse(text), text);
    }

    public ActivationInfo GetActivation() => Activation;

    /// <summary>Sets ImageState as Setup and Sysprep do.</summary>
    public void SetImageState(string text) => registry.SetValue(RegistryHive.Software, SetupState, "ImageState", RegistryData.FromString(text));

    /// <summary>Plays a reboot: the pending computer name becomes the active one.</summary>
    public void Reboot()
    {
        if (GetPendingComputerName() is { } pending)
        {
            registry.SetValue(RegistryHive.System, ComputerNames.ActiveKey, "ComputerName", RegistryData.FromString(pending));
        }
    }
}
