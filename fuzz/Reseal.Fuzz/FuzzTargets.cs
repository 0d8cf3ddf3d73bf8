// One fuzz target per parser. Each takes the raw bytes AFL gives and drives one input kind through the code that
// decodes it, the way the CLI or the agent would. A target "crashes" (throws FuzzFailure or lets any exception
// escape) when:
// - an exception other than the parser's own documented one escapes (HiveFormatException, RegFileFormatException,
//   AnswerFileFormatException, CloudException); the readers that report problems as diagnostics must not throw at all;
// - a round-trip invariant breaks (a hive written then read differs; an answer file read and written unchanged differs).
// Hangs and memory blow-ups are caught by afl-fuzz's time limit (-t) and the memory limit scripts/fuzz.sh sets.
using System.IO.Compression;
using System.Text;
using Reseal.Agent.Boot.Config;
using Reseal.Agent.Boot.UserData;
using Reseal.Cloud;
using Reseal.Cloud.Keys;
using Reseal.Cloud.Metadata;
using Reseal.Cloud.Passwords;
using Reseal.Registry;
using Reseal.Sysprep.Panther;
using Reseal.Unattend.Lint;
using Reseal.Unattend.Model;

namespace Reseal.Fuzz;

/// <summary>A broken invariant found by a target (an unexpected exception escapes as itself).</summary>
internal sealed class FuzzFailure(string message) : Exception(message);

/// <summary>A named fuzz target.</summary>
internal sealed record FuzzTarget(string Name, string Description, Action<byte[]> Run);

internal static class FuzzTargets
{
    public static IReadOnlyList<FuzzTarget> All { get; } =
    [
        new("regf", "regf hive reader: every key, value, class name, security descriptor; export and check", Regf),
        new("regf-logs", "transaction log replay: the input split into a primary and a .LOG1", RegfLogs),
        new("hive-roundtrip", "a hive read, written by HiveWriter and read again gives the same tree", HiveRoundTrip),
        new("reg-import", ".reg import into an empty hive, then export", RegImport),
        new("answer-file", "answer-file reader, lint, and byte-identical write-back", AnswerFileTarget),
        new("agent-config", "agent-config.yml reader (YAML)", AgentConfig),
        new("user-data", "user data as fetched: format detection, gzip, base64, XML, YAML, MIME, cloud-config", UserData),
        new("user-data-mime", "MIME multipart user data (the input after a multipart header)", UserDataMime),
        new("user-data-cloud-config", "#cloud-config user data", UserDataCloudConfig),
        new("user-data-yaml", "EC2Launch v2 YAML user data", UserDataYaml),
        new("user-data-gzip", "gzip user data (the input after the gzip magic)", UserDataGzip),
        new("panther-log", "Panther log reader (encoding detection, windowing, lines) and the Sysprep run splitter", PantherLog),
        new("keys", "public and private key readers (PEM PKCS#1/PKCS#8/SPKI, OpenSSH, ssh-rsa lines)", Keys),
        new("console-password", "console output password parser and GCE windows-keys lines", ConsolePassword),
        new("metadata-json", "metadata documents: OpenStack meta_data.json, NoCloud meta-data, captured metadata JSON", MetadataJson),
    ];

    public static FuzzTarget? Find(string name) => All.FirstOrDefault(t => t.Name == name);

    private static void Regf(byte[] data)
    {
        Hive hive;
        try
        {
            hive = Hive.Load(data);
            ReadEverything(hive);
        }
        catch (HiveFormatException)
        {
        }
    }

    private static void RegfLogs(byte[] data)
    {
        // The first 4 KiB + 4 KiB (base block and one bin) are the primary; the rest is the log.
        var split = Math.Min(data.Length, 8192);
        try
        {
            var result = LogReplayer.Replay(data.AsSpan(0, split), [data[split..]]);
            ReadEverything(Hive.Load(result.Hive));
        }
        catch (HiveFormatException)
        {
        }
    }

    private static void HiveRoundTrip(byte[] data)
    {
        Hive hive;
        try
        {
            hive = Hive.Load(data);
            if (hive.IsStale || HiveChecker.Check(hive).Count > 0)
            {
                return; // only clean hives have a tree that must survive a write
            }

            var before = RegExporter.ExportToBytes(hive);
            var written = HiveDocument.FromHive(hive, FixedTime).ToBytes();
            var after = RegExporter.ExportToBytes(Hive.Load(written));
            if (!before.AsSpan().SequenceEqual(after))
            {
                throw new FuzzFailure("a hive written by HiveWriter exports differently from the hive it was made from");
            }
        }
        catch (HiveFormatException)
        {
        }
    }

    private static void RegImport(byte[] data)
    {
        var text = Encoding.UTF8.GetString(data);
        var document = HiveDocument.Create("ROOT", FixedTime);
        try
        {
            RegImporter.Import(document, text, new RegImportOptions { Prefix = "HKEY_LOCAL_MACHINE\\SOFTWARE" });
            RegExporter.ExportToBytes(Hive.Load(document.ToBytes()));
        }
        catch (RegFileFormatException)
        {
        }
    }

    private static void AnswerFileTarget(byte[] data)
    {
        AnswerFile file;
        try
        {
            file = AnswerFileReader.Read(data, "fuzz.xml");
        }
        catch (AnswerFileFormatException)
        {
            return;
        }

        new AnswerFileLinter().Lint(file);
        var again = AnswerFileReader.Read(data, "fuzz.xml").ToBytes();
        var reread = AnswerFileReader.Read(again, "fuzz.xml").ToBytes();
        if (!again.AsSpan().SequenceEqual(reread))
        {
            throw new FuzzFailure("an answer file written, read and written again changed");
        }
    }

    private static void AgentConfig(byte[] data) => _ = AgentConfigReader.Read(data, "agent-config.yml");

    private static void UserData(byte[] data) => _ = UserDataParser.Parse(data);

    private static void UserDataMime(byte[] data) =>
        _ = UserDataParser.Parse([.. "Content-Type: multipart/mixed; boundary=\"B\"\nMIME-Version: 1.0\n\n--B\n"u8, .. data]);

    private static void UserDataCloudConfig(byte[] data) => _ = UserDataParser.Parse([.. "#cloud-config\n"u8, .. data]);

    private static void UserDataYaml(byte[] data) => _ = UserDataParser.Parse([.. "version: 1.1\ntasks:\n"u8, .. data]);

    private static void UserDataGzip(byte[] data)
    {
        _ = UserDataParser.Parse([0x1F, 0x8B, .. data]);
        // And the same bytes as the payload of a well-formed gzip stream, so the layers after inflation are reached.
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(data);
        }

        _ = UserDataParser.Parse(buffer.ToArray());
    }

    private static void PantherLog(byte[] data)
    {
        var options = new PantherReadOptions { MaxBytesPerFile = 1024, MaxLineLength = 80 };
        var info = PantherLogReader.Inspect(new MemoryStream(data, writable: false), "setupact.log", options);
        var records = PantherLogReader.ReadRecords(() => new MemoryStream(data, writable: false), info, options, CancellationToken.None).ToList();
        _ = SysprepRunTracker.Split(records);
        var whole = PantherLogReader.Inspect(new MemoryStream(data, writable: false), "setupact.log", PantherReadOptions.Default);
        _ = SysprepRunTracker.Split(PantherLogReader.ReadRecords(() => new MemoryStream(data, writable: false), whole, PantherReadOptions.Default,
            CancellationToken.None));
    }

    private static void Keys(byte[] data)
    {
        var text = Encoding.UTF8.GetString(data);
        Expect<CloudException>(() => RsaPublicKey.Parse(text));
        Expect<CloudException>(() => RsaPrivateKey.Parse(text));
        Expect<CloudException>(() => OpenSshPrivateKeyReader.Read(data));
    }

    private static void ConsolePassword(byte[] data)
    {
        var text = Encoding.UTF8.GetString(data);
        _ = PasswordOutputParser.Scan(text);
        Expect<CloudException>(() => GceWindowsKey.ParseAll(text));
        Expect<CloudException>(() => PasswordOutputParser.FindLatest(text));
    }

    private static void MetadataJson(byte[] data)
    {
        var text = Encoding.UTF8.GetString(data);
        Expect<CloudException>(() => OpenStackMetadataDocument.Parse(data, "meta_data.json"));
        Expect<CloudException>(() => NoCloudProvider.ParseMetaData(text, "meta-data"));
        Expect<CloudException>(() => InstanceMetadata.FromJson(text, "metadata.json"));
    }

    private static void Expect<TException>(Action action)
        where TException : Exception
    {
        try
        {
            action();
        }
        catch (TException)
        {
        }
    }

    private static void ReadEverything(Hive hive)
    {
        RegExporter.Export(hive, Stream.Null);
        _ = HiveChecker.Check(hive);
        var pending = new Stack<(RegistryKey Key, int Depth)>([(hive.Root, 0)]);
        var seen = new HashSet<int>();
        while (pending.Count > 0)
        {
            var (key, depth) = pending.Pop();
            if (!seen.Add(key.CellOffset) || depth > Hive.MaxDepth)
            {
                continue;
            }

            _ = key.ClassName;
            _ = key.GetSecurityDescriptor();
            _ = key.Path;
            foreach (var value in key.GetValues())
            {
                _ = value.GetString();
                _ = value.GetMultiString();
                _ = value.GetDWord();
                _ = value.GetQWord();
                _ = key.GetValue(value.Name);
            }

            foreach (var child in key.GetSubkeys())
            {
                _ = key.GetSubkey(child.Name);
                pending.Push((child, depth + 1));
            }
        }
    }

    private static readonly TimeProvider FixedTime = new FixedTimeProvider();

    private sealed class FixedTimeProvider : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    }
}
