using System.Text.Json;
using Reseal.Registry;
using Reseal.TestSupport;
using Reseal.Wine.Tests.Harness;

namespace Reseal.Wine.Tests.Install;

/// <summary>
/// The reseal.exe users get for Windows (<c>scripts/publish.sh win-x64</c>: Native AOT, linked on Linux with lld-link
/// and scripts/win-aot's start-up code) run by Wine's loader as Windows would run it: the start-up code (security
/// cookie, thread-local storage, C++ initializers, argument parsing, exit), managed exceptions thrown and caught
/// through the runtime's unwinder, worker threads, CNG's random generator. docs/windows-behaviour.md ("Native AOT
/// on Windows") says what Wine cannot show.
/// </summary>
[Collection(WineTestGroup.Name)]
public sealed class ShippedExeTests(WineFixture wine)
{
    private static string ShippedExe(WineMachine machine)
    {
        var folder = machine.Build.ShippedFolder;
        Assert.SkipWhen(folder is null, "RESEAL_WINE_PUBLISHED names no shipped build");
        return WineMachine.WindowsPath(Path.Combine(folder, "reseal.exe"));
    }

    [Fact]
    public async Task Version_ShippedExe_IsNativeAotForWinX64_OneFile()
    {
        using var machine = await wine.NewMachineAsync();
        var exe = ShippedExe(machine);

        var plain = machine.Run(exe, ["--version"]);
        var json = machine.Run(exe, ["version", "--format", "json"]);

        Assert.True(plain.Succeeded, plain.ToString());
        Assert.Equal(PublishedBuild.Version, plain.StandardOutput.Trim());
        Assert.Equal(string.Empty, plain.StandardError);
        Assert.True(json.Succeeded, json.ToString());
        using var parsed = JsonDocument.Parse(json.StandardOutput);
        Assert.True(parsed.RootElement.GetProperty("nativeAot").GetBoolean());
        Assert.Equal("win-x64", parsed.RootElement.GetProperty("rid").GetString());
        // One executable: no runtime files beside it (beside the MSI, and the test cache's own marker file).
        var beside = Directory.GetFiles(machine.Build.ShippedFolder!).Select(Path.GetFileName)
            .Where(n => !n!.StartsWith('.') && !n.EndsWith(".pdb", StringComparison.Ordinal) && !n.EndsWith(".msi", StringComparison.Ordinal));
        Assert.Equal(["reseal.exe"], beside);
    }

    [Fact]
    public async Task Imports_ShippedExe_OnlyWindowsDllsAndTheUniversalCrt()
    {
        using var machine = await wine.NewMachineAsync();
        ShippedExe(machine);
        var exe = Path.Combine(machine.Build.ShippedFolder!, "reseal.exe");
        var readobj = ExternalTool.Require("llvm-readobj", "llvm");

        var imports = ExternalTool.Run(readobj, ["--coff-imports", exe]);

        Assert.True(imports.ExitCode == 0, imports.StandardError);
        var dlls = imports.StandardOutput.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("Name: ", StringComparison.Ordinal))
            .Select(l => l["Name: ".Length..].ToLowerInvariant()).Distinct().Order(StringComparer.Ordinal).ToList();
        // What every Windows 10 / Server 2016 and later has: no Visual C++ redistributable (vcruntime140, msvcp140), no
        // .NET host (hostfxr, coreclr, mscoree).
        Assert.Contains("kernel32.dll", dlls);
        Assert.Contains("ntdll.dll", dlls);
        Assert.Contains("api-ms-win-crt-runtime-l1-1-0.dll", dlls);
        var system = new HashSet<string>(StringComparer.Ordinal)
        {
            "advapi32.dll", "bcrypt.dll", "crypt32.dll", "iphlpapi.dll", "kernel32.dll", "mswsock.dll", "ncrypt.dll", "normaliz.dll",
            "ntdll.dll", "ole32.dll", "oleaut32.dll", "secur32.dll", "user32.dll", "version.dll", "ws2_32.dll",
        };
        Assert.All(dlls, dll => Assert.True(system.Contains(dll) || dll.StartsWith("api-ms-win-crt-", StringComparison.Ordinal), $"imports {dll}"));
        // From ntdll exactly the C routines scripts/win-aot/ntdll-crt.def lets the link take from it, which x64 Windows'
        // ntdll exports; Wine's ntdll exports many more, so a new one must be checked on Windows before it is let in.
        var ntdll = imports.StandardOutput.Split("Import {").Single(b => b.Contains("Name: ntdll.dll", StringComparison.Ordinal))
            .Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("Symbol: ", StringComparison.Ordinal))
            .Select(l => l["Symbol: ".Length..].Split(' ')[0]).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["__C_specific_handler", "__chkstk", "memcpy", "memmove", "memset"], ntdll);

        // The TLS directory scripts/win-aot/startup.cpp defines, which the runtime's per-thread state depends on: its
        // template is the whole .tls section (_tls_start first, every object's .tls$ data, _tls_end last), and its
        // callback list starts with a function in .text (__dyn_tls_init).
        var image = PortableExecutable.Read(exe);
        var tlsSection = image.Section(".tls");
        var tlsDirectory = image.TlsDirectory();
        Assert.Equal(image.ImageBase + tlsSection.VirtualAddress, tlsDirectory.Start);
        Assert.Equal(tlsDirectory.Start + tlsSection.VirtualSize - 1, tlsDirectory.End);
        Assert.True(tlsSection.VirtualSize > 0x100, $"the runtime's thread-local data is missing: .tls is {tlsSection.VirtualSize} bytes");
        var firstCallback = image.ReadUInt64(tlsDirectory.Callbacks - image.ImageBase);
        var text = image.Section(".text");
        Assert.InRange(firstCallback, image.ImageBase + text.VirtualAddress, image.ImageBase + text.VirtualAddress + text.VirtualSize);
    }

    [Fact]
    public async Task HiveExport_RealSystemHive_ShippedExeWritesWhatTheLibraryWrites()
    {
        using var machine = await wine.NewMachineAsync();
        var exe = ShippedExe(machine);
        using var temp = new TempDirectory();
        var bytes = SharedData.ReadBytes(Path.Combine("hives", "regipy-SYSTEM.gz"));
        var hive = temp.Write("SYSTEM", bytes);
        var output = Path.Combine(temp.Path, "system.reg");

        var export = machine.Run(exe, ["hive", "export", WineMachine.WindowsPath(hive), "-o", WineMachine.WindowsPath(output)], TimeSpan.FromMinutes(3));

        Assert.True(export.Succeeded, export.ToString());
        Assert.Equal(RegExporter.ExportToBytes(Hive.Load(bytes)), File.ReadAllBytes(output));
    }

    [Fact]
    public async Task BadInput_ShippedExe_CatchesTheExceptionAndNamesWhere()
    {
        using var machine = await wine.NewMachineAsync();
        var exe = ShippedExe(machine);
        using var temp = new TempDirectory();
        var xml = temp.Write("bad.xml", "<unattend><settings pass=\"x\"><bad");
        var truncated = temp.Write("truncated", SharedData.ReadBytes(Path.Combine("hives", "regipy-SYSTEM.gz")).AsSpan(0, 100_000).ToArray());

        // XmlException and HiveFormatException are thrown deep in the libraries and caught by the command: the runtime's
        // unwinder walks native and managed frames of the Windows build.
        var lint = machine.Run(exe, ["unattend", "lint", WineMachine.WindowsPath(xml)]);
        var export = machine.Run(exe, ["hive", "export", WineMachine.WindowsPath(truncated), "-o", WineMachine.WindowsPath(Path.Combine(temp.Path, "out.reg"))]);

        Assert.Equal(3, lint.ExitCode);
        Assert.False(lint.Crashed, lint.ToString());
        Assert.Contains("bad.xml:1:34: error RU001: not well-formed XML", lint.StandardOutput, StringComparison.Ordinal);
        Assert.NotEqual(0, export.ExitCode);
        Assert.False(export.Crashed, export.ToString());
        Assert.Contains("truncated hive?", export.StandardError, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(temp.Path, "out.reg")));
    }

    [Fact]
    public async Task PasswordGenerate_ShippedExe_DrawsFromTheSystemGenerator()
    {
        using var machine = await wine.NewMachineAsync();
        var exe = ShippedExe(machine);

        // RandomNumberGenerator on Windows is BCryptGenRandom (CNG). `password decrypt` cannot be shown here: Wine's CNG
        // cannot import an RSA private key (0xc1000002 from the JIT-compiled folder build too), docs/wine-e2e.md.
        var first = machine.Run(exe, ["password", "generate"]);
        var second = machine.Run(exe, ["password", "generate"]);

        Assert.True(first.Succeeded, first.ToString());
        Assert.True(second.Succeeded, second.ToString());
        var password = first.StandardOutput.Trim();
        Assert.NotEqual(password, second.StandardOutput.Trim());
        Assert.True(password.Length >= 14, password);
        Assert.Contains(password, char.IsUpper);
        Assert.Contains(password, char.IsLower);
        Assert.Contains(password, char.IsDigit);
        Assert.Contains(password, c => !char.IsLetterOrDigit(c));
    }
}

/// <summary>The few fields of a PE32+ image the tests read (Microsoft's "PE Format" page: headers, sections, the TLS directory).</summary>
internal sealed class PortableExecutable
{
    private readonly byte[] _bytes;
    private readonly List<(string Name, uint VirtualSize, uint VirtualAddress, uint RawSize, uint RawOffset)> _sections = [];
    private readonly uint _tlsRva;

    private PortableExecutable(byte[] bytes)
    {
        _bytes = bytes;
        var pe = BitConverter.ToInt32(bytes, 0x3C);
        Assert.Equal("PE\0\0"u8.ToArray(), bytes[pe..(pe + 4)]);
        var sectionCount = BitConverter.ToUInt16(bytes, pe + 6);
        var optionalSize = BitConverter.ToUInt16(bytes, pe + 20);
        var optional = pe + 24;
        Assert.Equal(0x20B, BitConverter.ToUInt16(bytes, optional)); // PE32+
        ImageBase = BitConverter.ToUInt64(bytes, optional + 24);
        _tlsRva = BitConverter.ToUInt32(bytes, optional + 112 + (9 * 8)); // data directory 9: TLS
        for (var i = 0; i < sectionCount; i++)
        {
            var at = optional + optionalSize + (i * 40);
            _sections.Add((System.Text.Encoding.ASCII.GetString(bytes, at, 8).TrimEnd('\0'), BitConverter.ToUInt32(bytes, at + 8),
                BitConverter.ToUInt32(bytes, at + 12), BitConverter.ToUInt32(bytes, at + 16), BitConverter.ToUInt32(bytes, at + 20)));
        }
    }

    public ulong ImageBase { get; }

    public static PortableExecutable Read(string path) => new(File.ReadAllBytes(path));

    public (uint VirtualAddress, uint VirtualSize) Section(string name)
    {
        var section = _sections.Single(s => s.Name == name);
        return (section.VirtualAddress, section.VirtualSize);
    }

    public ulong ReadUInt64(ulong rva) => BitConverter.ToUInt64(_bytes, Offset(rva));

    public (ulong Start, ulong End, ulong Callbacks) TlsDirectory()
    {
        Assert.NotEqual(0u, _tlsRva);
        var at = Offset(_tlsRva);
        return (BitConverter.ToUInt64(_bytes, at), BitConverter.ToUInt64(_bytes, at + 8), BitConverter.ToUInt64(_bytes, at + 24));
    }

    private int Offset(ulong rva)
    {
        var section = _sections.Single(s => rva >= s.VirtualAddress && rva < s.VirtualAddress + Math.Max(s.VirtualSize, s.RawSize));
        return checked((int)(rva - section.VirtualAddress + section.RawOffset));
    }
}
