// Small generated seeds, one set per target: valid inputs of each kind made by Reseal's own writers or spelled out
// here, so afl-fuzz starts from something each parser accepts. Real files (../shared/data) are added at run time by
// scripts/fuzz.sh and never committed.
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using Reseal.Agent.Boot.Config;
using Reseal.Cloud.Keys;
using Reseal.Cloud.Passwords;
using Reseal.Registry;
using Reseal.Unattend.Profiles;

namespace Reseal.Fuzz;

internal static class Seeds
{
    public static IEnumerable<byte[]> For(string target) => target switch
    {
        "regf" or "hive-roundtrip" => [SmallHive(), EmptyHive()],
        "regf-logs" => [SmallHive()],
        "reg-import" => [Utf8(RegText)],
        "answer-file" => AnswerFiles(),
        "agent-config" => [Utf8(DefaultAgentConfig.Yaml), Utf8("version: 1.0\nconfig:\n- stage: boot\n  tasks:\n  - task: setHostName\n    inputs:\n      hostName: web-1\n")],
        "user-data" => UserDataSamples(),
        "user-data-mime" => [Utf8("Content-Type: text/x-shellscript\n\n#ps1\nWrite-Host hi\n--B\nContent-Type: text/cloud-config\n\nset_hostname: a\n--B--\n")],
        "user-data-cloud-config" => [Utf8("set_hostname: web-1\nwrite_files:\n- path: C:\\a.txt\n  content: aGk=\n  encoding: b64\nruncmd:\n- echo hi\n")],
        "user-data-yaml" => [Utf8("- frequency: always\n  type: powershell\n  runAs: localSystem\n  content: |-\n    Write-Host hi\n")],
        "user-data-gzip" => [Gzip(Utf8("<powershell>Write-Host hi</powershell>"))[2..]],
        "panther-log" => [Utf8(PantherText), Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes(PantherText)).ToArray()],
        "keys" => KeySamples(),
        "console-password" => ConsoleSamples(),
        "metadata-json" => [Utf8("{\"uuid\":\"83679162-1378-4288-a2d4-70e13ec132aa\",\"hostname\":\"web-1\",\"availability_zone\":\"nova\",\"public_keys\":{\"k\":\"ssh-rsa AAAA k\"}}"),
            Utf8("instance-id: iid-local01\nlocal-hostname: web-1\npublic-keys:\n  - ssh-rsa AAAA k\n"),
            Utf8("{\"source\":\"Ec2\",\"instanceId\":\"i-0123456789abcdef0\",\"hostName\":\"ip-10-0-0-1\",\"publicKeys\":[]}")],
        _ => [],
    };

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private static byte[] SmallHive()
    {
        var document = HiveDocument.Create("ROOT");
        document.SetValue(@"Software\Reseal", "Text", 1, Encoding.Unicode.GetBytes("hello\0"));
        document.SetValue(@"Software\Reseal", "Number", 4, BitConverter.GetBytes(7));
        document.SetValue(@"Software\Reseal", "List", 7, Encoding.Unicode.GetBytes("a\0b\0\0"));
        document.SetValue(@"Software\Reseal\Sub", "Big", 3, new byte[20_000]);
        document.CreateKey(@"System\Select");
        return document.ToBytes();
    }

    private static byte[] EmptyHive() => HiveDocument.Create("ROOT").ToBytes();

    private const string RegText = """
        Windows Registry Editor Version 5.00

        [HKEY_LOCAL_MACHINE\SOFTWARE\Reseal]
        "Text"="hello"
        "Number"=dword:00000007
        "Bin"=hex:01,02,03,\
          04,05
        "Multi"=hex(7):61,00,00,00,00,00
        @="default"

        [-HKEY_LOCAL_MACHINE\SOFTWARE\Gone]

        """;

    private static IEnumerable<byte[]> AnswerFiles()
    {
        foreach (var profile in Enum.GetValues<ProfileName>())
        {
            yield return AnswerFileProfiles.Create(profile).ToBytes();
        }
    }

    private static IEnumerable<byte[]> UserDataSamples()
    {
        yield return Utf8("<powershell>\nWrite-Host hi\n</powershell>\n<persist>true</persist>");
        yield return Utf8("#ps1_sysnative\nWrite-Host hi\n");
        yield return Utf8("version: 1.1\ntasks:\n- task: executeScript\n  inputs:\n  - frequency: once\n    type: powershell\n    runAs: localSystem\n    content: Write-Host hi\n");
        yield return Utf8("#cloud-config\nset_hostname: web-1\n");
        yield return Gzip(Utf8("#ps1\nWrite-Host hi\n"));
        yield return Utf8(Convert.ToBase64String(Utf8("<script>echo hi</script>")));
        yield return Utf8("Content-Type: multipart/mixed; boundary=\"B\"\nMIME-Version: 1.0\n\n--B\nContent-Type: text/x-shellscript\nContent-Transfer-Encoding: base64\n\nI3BzMQpXcml0ZS1Ib3N0IGhp\n--B--\n");
    }

    private static byte[] Gzip(byte[] data)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(data);
        }

        return buffer.ToArray();
    }

    private const string PantherText = """
        2024-05-14 10:00:01, Info                  SYSPRP ========================================================
        2024-05-14 10:00:01, Info                  SYSPRP ===  Beginning of a new sysprep run  ===
        2024-05-14 10:00:02, Error      [0x0f0082] SYSPRP LaunchDll:Failure occurred while executing 'x.dll,Fn', returned error code 0x2[gle=0x00000002]
        2024-05-14 10:00:03, Error                 SYSPRP Package Microsoft.Foo_1.0_x64 was installed for a user, but not provisioned for all users.
        2024-05-14 10:00:04, Info       [0x0f0052] SYSPRP Shutting down SysPrep log

        """;

    private static IEnumerable<byte[]> KeySamples()
    {
        // 2048 bits: the smallest size the readers accept.
        using var rsa = RSA.Create(2048);
        yield return Utf8(rsa.ExportRSAPrivateKeyPem());
        yield return Utf8(rsa.ExportPkcs8PrivateKeyPem());
        yield return Utf8(rsa.ExportSubjectPublicKeyInfoPem());
        var key = RsaPublicKey.Parse(rsa.ExportSubjectPublicKeyInfoPem());
        yield return Utf8(key.ToOpenSshString());
    }

    private static IEnumerable<byte[]> ConsoleSamples()
    {
        var lines = ConsolePasswordBlock.Format("Administrator", Convert.ToBase64String(new byte[256]));
        yield return Utf8("2024/05/14 10:00:00Z: Message: Windows is Ready to use\n" + string.Join("\n", lines) + "\n");
        yield return Utf8("{\"userName\":\"alice\",\"passwordFound\":true,\"encryptedPassword\":\"" + Convert.ToBase64String(new byte[256]) +
            "\",\"modulus\":\"AQAB\",\"exponent\":\"AQAB\",\"hashFunction\":\"sha256\"}\n");
        yield return Utf8("{\"userName\":\"alice\",\"modulus\":\"AQAB\",\"exponent\":\"AQAB\",\"email\":\"a@b\",\"expireOn\":\"2030-01-01T00:00:00Z\"}\n");
    }
}
