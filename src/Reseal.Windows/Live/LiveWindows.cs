using System.ComponentModel;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Microsoft.Win32;
using Reseal.Windows.Ports;
using WinRegistryKey = Microsoft.Win32.RegistryKey;
using RegistryHive = Reseal.Windows.Ports.RegistryHive;

namespace Reseal.Windows.Live;

/// <summary>Gives the machine Reseal runs on. Only Windows has one; elsewhere this throws <see cref="PlatformNotSupportedException"/>.</summary>
public static class LiveMachine
{
    /// <summary>The running Windows, or <see cref="PlatformNotSupportedException"/> off Windows.</summary>
    public static IWindowsMachine Create()
    {
        if (!OperatingSystem.IsWindows())
        {
            throw LivePlatform.NotWindows("LiveMachine.Create");
        }

        return new LiveWindows();
    }
}

/// <summary>The running Windows machine, over Win32: the registry API, processes, netapi32 accounts, the service control manager, COM1, InitiateShutdown.</summary>
[SupportedOSPlatform("windows")]
public sealed class LiveWindows : IWindowsMachine
{
    /// <summary>Creates the machine; throws <see cref="PlatformNotSupportedException"/> off Windows.</summary>
    public LiveWindows()
    {
        Guard("LiveWindows");
        Registry = new LiveRegistry();
        Files = new LiveFiles();
        Processes = new LiveProcesses();
        System = new LiveSystemInfo(Registry);
        // Wine has no account database; a test environment names a file store instead (see FileAccountStore). Either
        // way no account is changed on a domain controller.
        Accounts = new DomainControllerGuard(
            WineDetection.IsWine && Environment.GetEnvironmentVariable(Emulation.FileAccountStore.EnvironmentVariable) is { Length: > 0 } store
                ? new Emulation.FileAccountStore(store)
                : new LiveAccounts(Registry),
            System);
        Services = new LiveServices();
        Volumes = new LiveVolumes();
        SerialConsole = new LiveSerialConsole(services: Services);
        Power = new LivePower();
    }

    /// <inheritdoc/>
    public string Description => "this Windows machine (" + Environment.MachineName + ")";

    /// <inheritdoc/>
    public IRegistry Registry { get; }

    /// <inheritdoc/>
    public IWindowsFiles Files { get; }

    /// <inheritdoc/>
    public IProcessRunner Processes { get; }

    /// <inheritdoc/>
    public ILocalAccounts Accounts { get; }

    /// <inheritdoc/>
    public IServices Services { get; }

    /// <inheritdoc/>
    public IVolumes Volumes { get; }

    /// <inheritdoc/>
    public ISerialConsole SerialConsole { get; }

    /// <inheritdoc/>
    public IPower Power { get; }

    /// <inheritdoc/>
    public ISystemInfo System { get; }

    /// <inheritdoc/>
    /// <remarks>Null: a running Windows is not a tree of files on a host, and keeps its hive files locked.</remarks>
    public IOfflineTree? OfflineTree => null;

    internal static PlatformNotSupportedException NotWindows(string what) => LivePlatform.NotWindows(what);

    internal static void Guard(string what) => LivePlatform.Guard(what);
}

/// <summary>The off-Windows guard every Live entry point calls first.</summary>
internal static class LivePlatform
{
    internal static PlatformNotSupportedException NotWindows(string what) =>
        new($"{what} needs Windows; this is {RuntimeInformation.OSDescription}. Off Windows, inspect an offline tree instead (OfflineWindows)");

    internal static void Guard(string what)
    {
        if (!OperatingSystem.IsWindows())
        {
            throw NotWindows(what);
        }
    }
}

/// <summary>The registry through Microsoft.Win32.Registry, 64-bit view.</summary>
[SupportedOSPlatform("windows")]
public sealed class LiveRegistry : IRegistry
{
    /// <summary>Creates the port; throws off Windows.</summary>
    public LiveRegistry() => LiveWindows.Guard("LiveRegistry");

    /// <inheritdoc/>
    public bool KeyExists(RegistryHive hive, string keyPath)
    {
        using var key = Open(hive, keyPath, writable: false);
        return key is not null;
    }

    /// <inheritdoc/>
    public RegistryData? GetValue(RegistryHive hive, string keyPath, string name)
    {
        using var key = Open(hive, keyPath, writable: false);
        return key is null ? null : Read(key, name);
    }

    /// <inheritdoc/>
    public IReadOnlyList<NamedRegistryData> GetValues(RegistryHive hive, string keyPath)
    {
        using var key = Open(hive, keyPath, writable: false);
        if (key is null)
        {
            return [];
        }

        return key.GetValueNames().Select(n => Read(key, n) is { } data ? new NamedRegistryData(n, data) : null).OfType<NamedRegistryData>().ToList();
    }

    /// <inheritdoc/>
    public IReadOnlyList<string> GetSubkeyNames(RegistryHive hive, string keyPath)
    {
        using var key = Open(hive, keyPath, writable: false);
        return key is null ? [] : key.GetSubKeyNames();
    }

    /// <inheritdoc/>
    public void SetValue(RegistryHive hive, string keyPath, string name, RegistryData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        using var root = Root(hive);
        using var key = root.CreateSubKey(keyPath, writable: true);
        var bytes = data.Bytes.ToArray();
        switch (data.Type)
        {
            case RegistryData.TypeString:
                key.SetValue(name, data.AsText(), RegistryValueKind.String);
                break;
            case RegistryData.TypeExpandString:
                key.SetValue(name, data.AsText(), RegistryValueKind.ExpandString);
                break;
            case RegistryData.TypeDWord when bytes.Length == 4:
                key.SetValue(name, unchecked((int)data.AsDWord()!.Value), RegistryValueKind.DWord);
                break;
            case RegistryData.TypeQWord when bytes.Length == 8:
                key.SetValue(name, unchecked((long)data.AsQWord()!.Value), RegistryValueKind.QWord);
                break;
            case RegistryData.TypeMultiString:
                key.SetValue(name, data.AsMultiString().ToArray(), RegistryValueKind.MultiString);
                break;
            case RegistryData.TypeBinary:
                key.SetValue(name, bytes, RegistryValueKind.Binary);
                break;
            default:
                key.SetValue(name, bytes, RegistryValueKind.None);
                break;
        }
    }

    /// <inheritdoc/>
    public bool DeleteValue(RegistryHive hive, string keyPath, string name)
    {
        using var key = Open(hive, keyPath, writable: true);
        if (key?.GetValueNames().Contains(name, StringComparer.OrdinalIgnoreCase) != true)
        {
            return false;
        }

        key.DeleteValue(name);
        return true;
    }

    /// <inheritdoc/>
    public void CreateKey(RegistryHive hive, string keyPath)
    {
        using var root = Root(hive);
        root.CreateSubKey(keyPath, writable: false).Dispose();
    }

    /// <inheritdoc/>
    public bool DeleteKey(RegistryHive hive, string keyPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(keyPath);
        using var root = Root(hive);
        using (var existing = root.OpenSubKey(keyPath))
        {
            if (existing is null)
            {
                return false;
            }
        }

        root.DeleteSubKeyTree(keyPath, throwOnMissingSubKey: false);
        return true;
    }

    /// <summary>
    /// The hive's root, opened for writing only when a write follows: a process that is not elevated can still read
    /// SOFTWARE and SYSTEM (the preflight reports it is not elevated rather than that nothing could be read).
    /// </summary>
    private static WinRegistryKey Root(RegistryHive hive, bool writable = true)
    {
        var (baseKey, sub) = hive switch
        {
            RegistryHive.Default => (Microsoft.Win32.RegistryHive.Users, ".DEFAULT"),
            _ => (Microsoft.Win32.RegistryHive.LocalMachine, RegistryHives.FileName(hive)),
        };
        using var top = WinRegistryKey.OpenBaseKey(baseKey, RegistryView.Registry64);
        try
        {
            return top.OpenSubKey(sub, writable)
                ?? throw new HiveUnavailableException(hive, "cannot be opened (SAM and SECURITY need the SYSTEM account)");
        }
        catch (System.Security.SecurityException e)
        {
            throw new HiveUnavailableException(hive, $"access denied ({e.Message}); SAM and SECURITY need the SYSTEM account, writes an elevated process", e);
        }
    }

    private static WinRegistryKey? Open(RegistryHive hive, string keyPath, bool writable)
    {
        ArgumentNullException.ThrowIfNull(keyPath);
        using var root = Root(hive, writable);
        return keyPath.Trim('\\').Length == 0 ? root.OpenSubKey("", writable) : root.OpenSubKey(keyPath.Trim('\\'), writable);
    }

    private static RegistryData? Read(WinRegistryKey key, string name)
    {
        var raw = key.GetValue(name, null, RegistryValueOptions.DoNotExpandEnvironmentNames);
        if (raw is null)
        {
            return null;
        }

        return key.GetValueKind(name) switch
        {
            RegistryValueKind.String => RegistryData.FromString((string)raw),
            RegistryValueKind.ExpandString => RegistryData.FromString((string)raw, expandable: true),
            RegistryValueKind.DWord => RegistryData.FromDWord(unchecked((uint)(int)raw)),
            RegistryValueKind.QWord => RegistryData.FromQWord(unchecked((ulong)(long)raw)),
            RegistryValueKind.MultiString => RegistryData.FromMultiString((string[])raw),
            RegistryValueKind.Binary => RegistryData.FromBinary((byte[])raw),
            _ => raw is byte[] bytes ? new RegistryData(RegistryData.TypeBinary, bytes) : RegistryData.FromString(raw.ToString() ?? ""),
        };
    }
}

/// <summary>The files of the running Windows.</summary>
[SupportedOSPlatform("windows")]
public sealed class LiveFiles : IWindowsFiles
{
    private readonly char _drive;

    /// <summary>Creates the port; throws off Windows.</summary>
    public LiveFiles()
    {
        LiveWindows.Guard("LiveFiles");
        _drive = (Environment.GetEnvironmentVariable("SystemDrive") ?? "C:")[0];
    }

    /// <inheritdoc/>
    public string Expand(string windowsPath) => WindowsPaths.Expand(Environment.ExpandEnvironmentVariables(windowsPath), _drive);

    /// <inheritdoc/>
    public bool FileExists(string windowsPath) => File.Exists(Expand(windowsPath));

    /// <inheritdoc/>
    public bool DirectoryExists(string windowsPath) => Directory.Exists(Expand(windowsPath));

    /// <inheritdoc/>
    public long? GetFileLength(string windowsPath)
    {
        var info = new FileInfo(Expand(windowsPath));
        return info.Exists ? info.Length : null;
    }

    /// <inheritdoc/>
    public byte[] ReadAllBytes(string windowsPath) => File.ReadAllBytes(Expand(windowsPath));

    /// <inheritdoc/>
    public Stream OpenRead(string windowsPath) =>
        new FileStream(Expand(windowsPath), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1);

    /// <inheritdoc/>
    public void WriteAllBytes(string windowsPath, ReadOnlySpan<byte> contents)
    {
        AtomicFile.Write(Expand(windowsPath), contents);
    }

    /// <inheritdoc/>
    public bool DeleteFile(string windowsPath)
    {
        var path = Expand(windowsPath);
        if (!File.Exists(path))
        {
            return false;
        }

        File.Delete(path);
        return true;
    }

    /// <inheritdoc/>
    public void CreateDirectory(string windowsPath) => Directory.CreateDirectory(Expand(windowsPath));

    /// <inheritdoc/>
    public bool DeleteDirectory(string windowsPath)
    {
        var path = Expand(windowsPath);
        if (!Directory.Exists(path))
        {
            return false;
        }

        // Directory.Delete without recursion fails on a directory that is not empty (IOException), as promised.
        Directory.Delete(path, recursive: false);
        return true;
    }

    /// <inheritdoc/>
    public IReadOnlyList<string> ListFiles(string windowsDirectory)
    {
        var path = Expand(windowsDirectory);
        return Directory.Exists(path) ? Directory.GetFiles(path).Order(StringComparer.OrdinalIgnoreCase).ToList() : [];
    }

    /// <inheritdoc/>
    public IReadOnlyList<string> ListDirectories(string windowsDirectory)
    {
        var path = Expand(windowsDirectory);
        return Directory.Exists(path) ? Directory.GetDirectories(path).Order(StringComparer.OrdinalIgnoreCase).ToList() : [];
    }

    /// <inheritdoc/>
    public bool RestrictToAdministrators(string windowsDirectory)
    {
        _ = AdministratorsOnlyFolder.Apply(Expand(windowsDirectory));
        return true;
    }

    /// <inheritdoc/>
    public void WriteProtectedFile(string windowsPath, ReadOnlySpan<byte> contents, WindowsSid? alsoFullControl)
    {
        var path = Expand(windowsPath);
        LinkedFolders.ThrowIfLinked(path);
        ProtectedFile.Write(path, contents, alsoFullControl is null ? null : new System.Security.Principal.SecurityIdentifier(alsoFullControl.ToString()));
    }

    /// <inheritdoc/>
    public bool IsProtectedFile(string windowsPath, WindowsSid? alsoAllowed)
    {
        var path = Expand(windowsPath);
        LinkedFolders.ThrowIfLinked(path);
        // A link or a second name of another file (a hard link needs no privilege) would have its target's owner and
        // access list checked and its contents read: a user could so have a protected file's lines copied into theirs.
        return !LinkedFolders.IsLink(path) && ProtectedFile.HasOneName(path)
            && ProtectedFile.IsProtected(path, alsoAllowed is null ? null : new System.Security.Principal.SecurityIdentifier(alsoAllowed.ToString()));
    }
}

/// <summary>Runs programs with System.Diagnostics.Process; kills the tree at the time limit.</summary>
[SupportedOSPlatform("windows")]
public sealed class LiveProcesses : IProcessRunner
{
    private readonly TimeProvider _time;

    /// <summary>Creates the port; throws off Windows.</summary>
    public LiveProcesses(TimeProvider? time = null)
    {
        LiveWindows.Guard("LiveProcesses");
        _time = time ?? TimeProvider.System;
    }

    /// <inheritdoc/>
    public async Task<ProcessOutcome> RunAsync(ProcessRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var info = StartInfo(request, capture: true);
        var started = _time.GetTimestamp();
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {request.FileName}");
        // Output is read in the background and the one deadline covers it too: a grandchild that inherits the pipes keeps
        // them open after the process ends, and reading them to their end would never finish.
        var stdout = OutputCapture.Start(process.StandardOutput);
        var stderr = OutputCapture.Start(process.StandardError);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(request.Timeout);
        var timedOut = false;
        try
        {
            if (request.StandardInput is not null)
            {
                await process.StandardInput.WriteAsync(request.StandardInput.AsMemory(), limit.Token).ConfigureAwait(false);
                process.StandardInput.Close();
            }

            await process.WaitForExitAsync(limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            KillTree(process);
            cancellationToken.ThrowIfCancellationRequested();
            timedOut = true;
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        }

        var remaining = timedOut ? TimeSpan.Zero : request.Timeout - _time.GetElapsedTime(started);
        if (!await OutputCapture.WaitAllAsync([stdout, stderr], remaining, _time, cancellationToken).ConfigureAwait(false))
        {
            // Past the deadline with the pipes still open: kill what is left of the tree, give the pipes a moment to
            // drain, then stop reading (disposing the process closes them) and keep what arrived.
            KillTree(process);
            timedOut = true;
            _ = await OutputCapture.WaitAllAsync([stdout, stderr], DrainAfterKill, _time, cancellationToken).ConfigureAwait(false);
        }

        return new ProcessOutcome(process.ExitCode, stdout.Text, stderr.Text, timedOut, _time.GetElapsedTime(started));
    }

    /// <inheritdoc/>
    public int StartDetached(ProcessRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        using var process = Process.Start(StartInfo(request, capture: false)) ?? throw new InvalidOperationException($"could not start {request.FileName}");
        return process.Id;
    }

    // The process to start: arguments passed one by one (quoted by .NET), working folder, environment; output
    // redirected only when it is captured.
    private static ProcessStartInfo StartInfo(ProcessRequest request, bool capture)
    {
        var info = new ProcessStartInfo(request.FileName)
        {
            UseShellExecute = false,
            RedirectStandardOutput = capture,
            RedirectStandardError = capture,
            RedirectStandardInput = capture && request.StandardInput is not null,
            CreateNoWindow = true,
        };
        foreach (var argument in request.Arguments)
        {
            info.ArgumentList.Add(argument);
        }

        if (request.WorkingDirectory is not null)
        {
            info.WorkingDirectory = request.WorkingDirectory;
        }

        foreach (var (name, value) in request.Environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        return info;
    }

    /// <inheritdoc/>
    public IReadOnlyList<int> FindRunning(string programFileName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(programFileName);
        var name = Path.GetFileNameWithoutExtension(programFileName);
        var processes = Process.GetProcessesByName(name);
        try
        {
            return [.. processes.Select(p => p.Id).Order()];
        }
        finally
        {
            foreach (var process in processes)
            {
                process.Dispose();
            }
        }
    }

    /// <inheritdoc/>
    public bool? IsElevated
    {
        get
        {
            try
            {
                using var identity = System.Security.Principal.WindowsIdentity.GetCurrent();
                // A UAC-filtered token is not in the Administrators role: only an elevated (or SYSTEM) token is.
                return identity.IsSystem || new System.Security.Principal.WindowsPrincipal(identity).IsInRole(System.Security.Principal.WindowsBuiltInRole.Administrator);
            }
            catch (Exception e) when (e is System.Security.SecurityException or UnauthorizedAccessException or System.ComponentModel.Win32Exception)
            {
                return null;
            }
        }
    }

    /// <summary>How long the pipes may still drain once the tree is killed at the deadline.</summary>
    private static readonly TimeSpan DrainAfterKill = TimeSpan.FromSeconds(2);

    private static void KillTree(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException)
        {
            // Already gone, or part of the tree could not be killed: the deadline still ends the wait.
        }
    }
}

/// <summary>Volumes through DriveInfo.</summary>
[SupportedOSPlatform("windows")]
public sealed class LiveVolumes : IVolumes
{
    /// <summary>Creates the port; throws off Windows.</summary>
    public LiveVolumes() => LiveWindows.Guard("LiveVolumes");

    /// <inheritdoc/>
    public IReadOnlyList<VolumeInfo> ListVolumes() =>
        DriveInfo.GetDrives().Where(d => d.IsReady)
            .Select(d => new VolumeInfo(d.RootDirectory.FullName, d.VolumeLabel, d.DriveFormat, d.TotalSize, d.AvailableFreeSpace))
            .OrderBy(v => v.RootPath, StringComparer.OrdinalIgnoreCase).ToList();
}

/// <summary>Shutdown and restart through InitiateShutdownW.</summary>
[SupportedOSPlatform("windows")]
public sealed class LivePower : IPower
{
    /// <summary>Creates the port; throws off Windows.</summary>
    public LivePower() => LiveWindows.Guard("LivePower");

    /// <inheritdoc/>
    public void Request(PowerAction action, TimeSpan delay, string reason)
    {
        var flags = NativeMethods.ShutdownForceOthers | (action == PowerAction.Reboot ? NativeMethods.ShutdownRestart : NativeMethods.ShutdownPowerOff);
        if (delay == TimeSpan.Zero)
        {
            flags |= NativeMethods.ShutdownGraceOverride;
        }

        EnableShutdownPrivilege();
        var error = NativeMethods.InitiateShutdown(null, reason, (uint)Math.Clamp(delay.TotalSeconds, 0, 315360000), flags,
            NativeMethods.ShtdnReasonMajorOperatingSystem | NativeMethods.ShtdnReasonMinorReconfig | NativeMethods.ShtdnReasonFlagPlanned);
        if (error != 0)
        {
            throw new Win32Exception((int)error, $"InitiateShutdown ({action}) failed");
        }
    }

    /// <summary>InitiateShutdown needs SeShutdownPrivilege enabled in the token; even SYSTEM holds it disabled.</summary>
    private static void EnableShutdownPrivilege()
    {
        if (!NativeMethods.OpenProcessToken(NativeMethods.GetCurrentProcess(), NativeMethods.TokenAdjustPrivileges | NativeMethods.TokenQuery, out var token))
        {
            throw new Win32Exception(Marshal.GetLastPInvokeError(), "OpenProcessToken failed");
        }

        using (token)
        {
            if (!NativeMethods.LookupPrivilegeValue(null, "SeShutdownPrivilege", out var luid))
            {
                throw new Win32Exception(Marshal.GetLastPInvokeError(), "LookupPrivilegeValue(SeShutdownPrivilege) failed");
            }

            var privilege = new NativeMethods.TokenPrivilege { PrivilegeCount = 1, Luid = luid, Attributes = NativeMethods.SePrivilegeEnabled };
            // AdjustTokenPrivileges succeeds even when the privilege is not held; ERROR_NOT_ALL_ASSIGNED (1300) says so.
            if (!NativeMethods.AdjustTokenPrivileges(token, false, ref privilege, 0, 0, 0) || Marshal.GetLastPInvokeError() == 1300)
            {
                throw new Win32Exception(Marshal.GetLastPInvokeError(), "this account does not hold SeShutdownPrivilege");
            }
        }
    }
}

/// <summary>System facts from RtlGetVersion and the registry.</summary>
[SupportedOSPlatform("windows")]
public sealed class LiveSystemInfo : ISystemInfo
{
    private readonly IRegistry _registry;

    /// <summary>Creates the port; throws off Windows.</summary>
    public LiveSystemInfo(IRegistry registry)
    {
        LiveWindows.Guard("LiveSystemInfo");
        _registry = registry;
    }

    /// <inheritdoc/>
    public OsVersion GetOsVersion()
    {
        var fromRegistry = Offline.OfflineSystemInfo.ReadOsVersion(_registry);
        var info = new NativeMethods.OsVersionInfoExW { OsVersionInfoSize = (uint)Marshal.SizeOf<NativeMethods.OsVersionInfoExW>() };
        return NativeMethods.RtlGetVersion(ref info) == 0
            ? fromRegistry with { Major = (int)info.MajorVersion, Minor = (int)info.MinorVersion, Build = (int)info.BuildNumber, ProductType = info.ProductType }
            : fromRegistry;
    }

    /// <inheritdoc/>
    public string? GetComputerName() => Environment.MachineName;

    /// <inheritdoc/>
    public string? GetPendingComputerName() => ComputerNames.ReadPending(_registry);

    /// <inheritdoc/>
    public void SetComputerName(string name)
    {
        if (ComputerNames.Problem(name) is { } problem)
        {
            throw new ArgumentException($"'{name}' is not a valid computer name: {problem}", nameof(name));
        }

        if (!NativeMethods.SetComputerNameEx(NativeMethods.ComputerNamePhysicalDnsHostname, name))
        {
            throw new Win32Exception(Marshal.GetLastPInvokeError(), $"SetComputerNameExW({name}) failed");
        }
    }

    /// <inheritdoc/>
    public (ImageState State, string? RawText) GetImageState()
    {
        var text = _registry.GetValue(RegistryHive.Software, @"Microsoft\Windows\CurrentVersion\Setup\State", "ImageState")?.AsText();
        return (ImageStates.Parse(text), text);
    }

    /// <inheritdoc/>
    public ActivationInfo GetActivation() =>
        new(_registry.GetValue(RegistryHive.Software, @"Microsoft\Windows NT\CurrentVersion\SoftwareProtectionPlatform", "SkipRearm")?.AsDWord() == 1, null, null);
}
