using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using Reseal.Agent.Boot;
using Reseal.Agent.Boot.Config;
using Reseal.Agent.Boot.UserData;
using Reseal.TestSupport;

namespace Reseal.Agent.Tests.Boot;

public sealed class UserDataParserTests
{
    private static UserDataResult Parse(string text) => UserDataParser.Parse(Encoding.UTF8.GetBytes(text.ReplaceLineEndings("\n")));

    private static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal))
        {
            gzip.Write(data);
        }

        return output.ToArray();
    }

    private static string Diagnostics(UserDataResult result) => string.Join(" | ", result.Diagnostics);

    [Fact]
    public void Parse_Empty_NoUserData()
    {
        var result = UserDataParser.Parse([]);

        Assert.Equal(UserDataFormat.None, result.Format);
        Assert.Equal("no_user_data", result.FormatName);
        Assert.Empty(result.Items);
        Assert.Empty(result.Diagnostics);
    }

    [Fact]
    public void Parse_Ec2DocsPowerShellExampleWithPersist_AlwaysDetachedPowerShell()
    {
        var result = Parse("""
            <powershell>
            $file = $env:SystemRoot + "\Temp\" + (Get-Date).ToString("MM-dd-yy-hh-mm")
            New-Item $file -ItemType file
            </powershell>
            <persist>true</persist>
            """);

        Assert.Equal(UserDataFormat.Ec2Xml, result.Format);
        Assert.Empty(result.Diagnostics);
        var script = Assert.IsType<ScriptItem>(Assert.Single(result.Items));
        Assert.Equal(ScriptLanguage.PowerShell, script.Language);
        Assert.Equal(TaskFrequency.Always, script.Frequency);
        Assert.Equal(RunAs.Admin, script.RunAs);
        Assert.True(script.Detach);
        Assert.Equal(ExitCodeConvention.Ec2Launch, script.ExitCodes);
        Assert.StartsWith("$file = $env:SystemRoot", script.Content, StringComparison.Ordinal);
        Assert.EndsWith("New-Item $file -ItemType file", script.Content, StringComparison.Ordinal);
        Assert.Equal(UserDataPlacement.BeforePostReady, result.Placement);
    }

    [Fact]
    public void Parse_Ec2ScriptAndPowerShellWithOptions_BatchFirstLocalSystemArguments()
    {
        var result = Parse("""
            <script>
            echo Current date and time >> %SystemRoot%\Temp\test.log
            echo %DATE% %TIME% >> %SystemRoot%\Temp\test.log
            </script>
            <powershell>
            Get-Date | Out-File C:\date.txt
            </powershell>
            <runAsLocalSystem>true</runAsLocalSystem>
            <powershellArguments>-ExecutionPolicy Unrestricted -NoProfile -NonInteractive</powershellArguments>
            """);

        Assert.Empty(result.Diagnostics);
        Assert.Collection(result.Items,
            item =>
            {
                var batch = Assert.IsType<ScriptItem>(item);
                Assert.Equal(ScriptLanguage.Batch, batch.Language);
                Assert.Equal(TaskFrequency.Once, batch.Frequency);
                Assert.Equal(RunAs.LocalSystem, batch.RunAs);
            },
            item =>
            {
                var powershell = Assert.IsType<ScriptItem>(item);
                Assert.Equal(["-ExecutionPolicy", "Unrestricted", "-NoProfile", "-NonInteractive"], powershell.Arguments);
                Assert.Equal(RunAs.LocalSystem, powershell.RunAs);
            });
    }

    [Fact]
    public void Parse_Ec2XmlUnclosedTag_MalformedWithPosition()
    {
        var result = Parse("<script>echo ok</script>\n<powershell>\nWrite-Output never closed\n");

        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal(BootCodes.UserDataMalformed, diagnostic.Code);
        Assert.Equal((2, 1), (diagnostic.Line, diagnostic.Column));
        Assert.IsType<ScriptItem>(Assert.Single(result.Items));
    }

    [Fact]
    public void Parse_Ec2XmlStrayTextAndBadPersist_Reported()
    {
        var result = Parse("hello there\n<powershell>Write-Output 1</powershell>\n<persist>sometimes</persist>\n");

        Assert.Contains(result.Diagnostics, d => d.Code == BootCodes.UserDataUnsupported && d.Line == 1 && d.Message.Contains("hello there", StringComparison.Ordinal));
        Assert.Contains(result.Diagnostics, d => d.Code == BootCodes.UserDataMalformed && d.Line == 3);
        Assert.Equal(TaskFrequency.Once, Assert.IsType<ScriptItem>(Assert.Single(result.Items)).Frequency);
    }

    [Fact]
    public void Parse_Ec2LaunchYaml11_ScriptsBeforePostReadyWithFrequency()
    {
        var result = Parse("""
            version: 1.1
            tasks:
            - task: executeScript
              inputs:
              - frequency: always
                type: powershell
                runAs: localSystem
                content: |-
                  New-Item -Path 'C:\PowerShellTest.txt' -ItemType File
              - frequency: once
                type: batch
                content: echo first boot
                detach: true
            - task: setHostName
              inputs:
                hostName: web-01
                reboot: true
            - task: startSsm
            """);

        Assert.Equal(UserDataFormat.Ec2LaunchYaml11, result.Format);
        Assert.Equal("yaml_1.1", result.FormatName);
        Assert.Equal(UserDataPlacement.BeforePostReady, result.Placement);
        Assert.Empty(result.Diagnostics);
        Assert.Collection(result.Items,
            item =>
            {
                var script = Assert.IsType<ScriptItem>(item);
                Assert.Equal((ScriptLanguage.PowerShell, TaskFrequency.Always, RunAs.LocalSystem), (script.Language, script.Frequency, script.RunAs));
                Assert.Equal("New-Item -Path 'C:\\PowerShellTest.txt' -ItemType File", script.Content);
            },
            item =>
            {
                var script = Assert.IsType<ScriptItem>(item);
                Assert.Equal((ScriptLanguage.Batch, TaskFrequency.Once, true), (script.Language, script.Frequency, script.Detach));
            },
            item => Assert.Equal(new HostNameItem("web-01", true, "user-data setHostName"), item),
            item => Assert.Equal("startSsm", Assert.IsType<AgentTaskItem>(item).Task.Name));
    }

    [Fact]
    public void Parse_Ec2LaunchYaml10_AfterPostReady()
    {
        var result = Parse("version: 1.0\ntasks:\n- task: executeScript\n  inputs:\n  - type: powershell\n    content: Write-Output 1\n");

        Assert.Equal(UserDataFormat.Ec2LaunchYaml10, result.Format);
        Assert.Equal(UserDataPlacement.AfterPostReady, result.Placement);
        Assert.IsType<ScriptItem>(Assert.Single(result.Items));
    }

    [Fact]
    public void Parse_Ec2LaunchYamlWithConfigOnlyTaskAndBadType_EveryProblemReported()
    {
        var result = Parse("""
            version: 1.1
            tasks:
            - task: setAdminAccount
              inputs:
                password:
                  type: random
            - task: executeScript
              inputs:
              - type: python
                content: print(1)
            - task: sysprep
              inputs:
                shutdown: yes
            """);

        Assert.Equal(
            [(BootCodes.TaskNotAllowedInStage, 3, 9), (BootCodes.BadEnumValue, 9, 11), (BootCodes.WrongInputType, 13, 15)],
            result.Diagnostics.Select(d => (d.Code, d.Line, d.Column)));
        Assert.False(result.IsValid);
    }

    [Fact]
    public void Parse_YamlUserDataBillionLaughs_Refused()
    {
        var text = new StringBuilder("version: 1.1\na: &a [x, x, x, x, x, x, x, x]\n");
        for (var i = 1; i < 12; i++)
        {
            text.Append($"a{i}: &a{i} [*a{(i == 1 ? "" : i - 1)}, *a{(i == 1 ? "" : i - 1)}, *a{(i == 1 ? "" : i - 1)}]\n".Replace("*a,", "*a,", StringComparison.Ordinal));
        }

        text.Append("tasks: *a11\n");
        var stopwatch = Stopwatch.StartNew();

        var result = Parse(text.ToString());

        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(5));
        Assert.Contains(result.Diagnostics, d => d.Code == BootCodes.YamlAlias);
        Assert.Empty(result.Items);
    }

    [Fact]
    public void Parse_CloudbasePs1Sysnative_SysnativeScriptWithCloudbaseExitCodes()
    {
        var result = Parse("""
            #ps1_sysnative
            $ErrorActionPreference = "Stop"
            New-Item -ItemType Directory -Path C:\cloudbase-test -Force
            exit 1001
            """);

        Assert.Equal(UserDataFormat.CloudbaseScript, result.Format);
        Assert.Empty(result.Diagnostics);
        var script = Assert.IsType<ScriptItem>(Assert.Single(result.Items));
        Assert.Equal(ScriptLanguage.PowerShellSysnative, script.Language);
        Assert.Equal(ExitCodeConvention.CloudbaseInit, script.ExitCodes);
        Assert.StartsWith("$ErrorActionPreference", script.Content, StringComparison.Ordinal);
        Assert.DoesNotContain("#ps1", script.Content, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("#ps1\nWrite-Output hi\n", ScriptLanguage.PowerShell, null)]
    [InlineData("#ps1_x86\nWrite-Output hi\n", ScriptLanguage.PowerShellX86, null)]
    [InlineData("rem cmd\r\necho hi\r\n", ScriptLanguage.Batch, null)]
    [InlineData("#!/usr/bin/env python\nprint('hi')\n", ScriptLanguage.Shebang, "/usr/bin/env python")]
    public void Parse_CloudbaseHeaders_ScriptLanguage(string text, ScriptLanguage language, string? interpreter)
    {
        var result = UserDataParser.Parse(Encoding.UTF8.GetBytes(text));

        var script = Assert.IsType<ScriptItem>(Assert.Single(result.Items));
        Assert.Equal(language, script.Language);
        Assert.Equal(interpreter, script.Interpreter);
        Assert.Equal(ExitCodeConvention.CloudbaseInit, script.ExitCodes);
        Assert.True(result.IsValid);
    }

    [Fact]
    public void Parse_CloudConfigSubset_ItemsAndUnsupportedKeysByName()
    {
        var result = Parse("""
            #cloud-config
            set_hostname: web-01
            set_timezone: Europe/Berlin
            users:
            - default
            - name: deploy
              gecos: Deploy User
              groups: Administrators, Remote Desktop Users
              ssh_authorized_keys:
              - ssh-rsa AAAAB3NzaC1yc2E deploy@example
              sudo: ALL=(ALL) NOPASSWD:ALL
            write_files:
            - path: C:\app\hello.txt
              content: hello
            - path: C:\app\blob.bin
              encoding: b64
              content: aGVsbG8gd29ybGQ=
              append: true
            runcmd:
            - echo hello > C:\hello.txt
            - [net, user, deploy, /active:yes]
            packages:
            - nginx
            ssh_pwauth: true
            """);

        Assert.Equal(UserDataFormat.CloudConfig, result.Format);
        Assert.Equal("cloud_config", result.FormatName);
        Assert.Equal(
            [(BootCodes.CloudConfigUnsupportedKey, 5, 3), (BootCodes.CloudConfigUnsupportedKey, 11, 3), (BootCodes.CloudConfigUnsupportedKey, 22, 1),
             (BootCodes.CloudConfigUnsupportedKey, 24, 1)],
            result.Diagnostics.Select(d => (d.Code, d.Line, d.Column)));
        Assert.Contains("'packages'", result.Diagnostics[2].Message, StringComparison.Ordinal);
        Assert.Contains("'ssh_pwauth'", result.Diagnostics[3].Message, StringComparison.Ordinal);
        Assert.Collection(result.Items,
            item => Assert.Equal("web-01", Assert.IsType<HostNameItem>(item).HostName),
            item => Assert.Equal("Europe/Berlin", Assert.IsType<TimeZoneItem>(item).TimeZone),
            item =>
            {
                var user = Assert.IsType<UserItem>(item);
                Assert.Equal("deploy", user.Name);
                Assert.Equal(["Administrators", "Remote Desktop Users"], user.Groups);
                Assert.Single(user.SshAuthorizedKeys);
                Assert.Equal("Deploy User", user.FullName);
            },
            item => Assert.Equal("hello", Encoding.UTF8.GetString(Assert.IsType<WriteFileItem>(item).Content.Span)),
            item =>
            {
                var file = Assert.IsType<WriteFileItem>(item);
                Assert.Equal("hello world", Encoding.UTF8.GetString(file.Content.Span));
                Assert.True(file.Append);
            },
            item => Assert.Equal("echo hello > C:\\hello.txt", Assert.IsType<CommandItem>(item).ShellLine),
            item => Assert.Equal(["net", "user", "deploy", "/active:yes"], Assert.IsType<CommandItem>(item).Arguments));
    }

    [Fact]
    public void Parse_CloudConfigGzipBase64File_Decoded()
    {
        var payload = Convert.ToBase64String(Gzip(Encoding.UTF8.GetBytes("compressed content")));

        var result = Parse($"#cloud-config\nwrite_files:\n- path: C:\\x.txt\n  encoding: gz+b64\n  content: {payload}\n");

        Assert.Equal("compressed content", Encoding.UTF8.GetString(Assert.IsType<WriteFileItem>(Assert.Single(result.Items)).Content.Span));
    }

    [Fact]
    public void Parse_CloudConfigPassword_ClearTextWarning()
    {
        var result = Parse("#cloud-config\nusers:\n- name: admin2\n  passwd: Secret123!\n");

        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal((BootCodes.ClearTextPassword, 4, 11), (diagnostic.Code, diagnostic.Line, diagnostic.Column));
        Assert.DoesNotContain("Secret123", diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_CloudConfigRuncmdNotList_WrongType()
    {
        var result = Parse("#cloud-config\nruncmd: echo hi\n");

        Assert.Equal((BootCodes.WrongInputType, 2, 9), result.Diagnostics.Select(d => (d.Code, d.Line, d.Column)).Single());
    }

    private const string MimeSample = """
        Content-Type: multipart/mixed; boundary="===============5555=="
        MIME-Version: 1.0

        --===============5555==
        Content-Type: text/cloud-config; charset="us-ascii"
        MIME-Version: 1.0
        Content-Transfer-Encoding: 7bit
        Content-Disposition: attachment; filename="cloud-config.txt"

        #cloud-config
        set_timezone: UTC

        --===============5555==
        Content-Type: text/x-shellscript; charset="us-ascii"
        MIME-Version: 1.0
        Content-Transfer-Encoding: base64

        I3BzMV9zeXNuYXRpdmUKV3JpdGUtT3V0cHV0ICJoZWxsbyIK
        --===============5555==
        Content-Type: text/x-ps1

        Write-Output "typed part"
        --===============5555==
        Content-Type: text/x-include-url

        http://example.com/more
        --===============5555==--
        """;

    [Fact]
    public void Parse_MimeMultipart_EachPartByTypeUnsupportedReported()
    {
        var result = Parse(MimeSample);

        Assert.Equal(UserDataFormat.MimeMultipart, result.Format);
        Assert.Collection(result.Items,
            item => Assert.Equal("UTC", Assert.IsType<TimeZoneItem>(item).TimeZone),
            item =>
            {
                var script = Assert.IsType<ScriptItem>(item);
                Assert.Equal(ScriptLanguage.PowerShellSysnative, script.Language);
                Assert.Equal("Write-Output \"hello\"\n", script.Content);
                Assert.Equal("user-data part 2 (text/x-shellscript)", script.Origin);
            },
            item => Assert.Equal(ScriptLanguage.PowerShell, Assert.IsType<ScriptItem>(item).Language));
        var unsupported = Assert.Single(result.Diagnostics);
        Assert.Equal(BootCodes.UserDataUnsupported, unsupported.Code);
        Assert.Equal("user-data part 4 (text/x-include-url)", unsupported.Source);
    }

    [Fact]
    public void Parse_NestedMimeAndQuotedPrintable_PartsNumberedByPath()
    {
        var result = Parse("""
            Content-Type: multipart/mixed; boundary="outer"
            MIME-Version: 1.0

            --outer
            Content-Type: multipart/alternative;
             boundary="inner"

            --inner
            Content-Type: text/x-shellscript
            Content-Transfer-Encoding: quoted-printable

            #ps1
            Write-Output "caf=C3=A9 =3D ok"
            --inner--
            --outer
            Content-Type: text/plain

            rem cmd
            echo hi
            --outer--
            """);

        Assert.Empty(result.Diagnostics);
        Assert.Collection(result.Items,
            item =>
            {
                var script = Assert.IsType<ScriptItem>(item);
                Assert.Equal("Write-Output \"café = ok\"", script.Content.TrimEnd('\n'));
                Assert.Equal("user-data part 1.1 (text/x-shellscript)", script.Origin);
            },
            item => Assert.Equal((ScriptLanguage.Batch, "user-data part 2 (text/plain)"), (Assert.IsType<ScriptItem>(item).Language, item.Origin)));
    }

    [Fact]
    public void Parse_Utf16PowerShellUserData_Decoded()
    {
        var bytes = new byte[] { 0xFF, 0xFE }.Concat(Encoding.Unicode.GetBytes("<powershell>Write-Output 1</powershell>")).ToArray();

        var result = UserDataParser.Parse(bytes);

        Assert.Equal("Write-Output 1", Assert.IsType<ScriptItem>(Assert.Single(result.Items)).Content);
    }

    [Fact]
    public void Parse_MimeWithoutBoundary_Malformed()
    {
        var result = Parse("Content-Type: multipart/mixed\n\n--x\n\nhello\n--x--\n");

        Assert.Equal(BootCodes.UserDataMalformed, Assert.Single(result.Diagnostics).Code);
    }

    [Fact]
    public void Parse_DeeplyNestedMime_RefusedAtDepthLimit()
    {
        var text = "#ps1\nWrite-Output deepest\n";
        for (var level = 0; level < 20; level++)
        {
            text = $"Content-Type: multipart/mixed; boundary=\"b{level}\"\n\n--b{level}\n{(level == 0 ? "Content-Type: text/x-shellscript\n\n" : string.Empty)}{text}\n--b{level}--\n";
        }

        var result = Parse(text);

        Assert.Contains(result.Diagnostics, d => d.Code == BootCodes.UserDataMimeLimit);
        Assert.Empty(result.Items);
    }

    [Fact]
    public void Parse_TooManyMimeParts_Bounded()
    {
        var text = new StringBuilder("Content-Type: multipart/mixed; boundary=\"b\"\n\n");
        for (var i = 0; i < 500; i++)
        {
            text.Append("--b\nContent-Type: text/x-shellscript\n\n#ps1\nWrite-Output ").Append(i).Append('\n');
        }

        text.Append("--b--\n");

        var result = Parse(text.ToString());

        Assert.Equal(UserDataLimits.Default.MaxMimeParts, result.Items.Count);
        Assert.Equal(BootCodes.UserDataMimeLimit, Assert.Single(result.Diagnostics, d => d.IsError).Code);
    }

    [Fact]
    public void Parse_GzipPowerShell_Inflated()
    {
        var result = UserDataParser.Parse(Gzip(Encoding.UTF8.GetBytes("<powershell>Write-Output 1</powershell>")));

        Assert.Equal(UserDataFormat.Ec2Xml, result.Format);
        Assert.Equal("Write-Output 1", Assert.IsType<ScriptItem>(Assert.Single(result.Items)).Content);
    }

    [Fact]
    public void Parse_Base64CloudConfig_DecodedWithNote()
    {
        var result = UserDataParser.Parse(Encoding.ASCII.GetBytes(Convert.ToBase64String(Encoding.UTF8.GetBytes("#cloud-config\nset_hostname: b64host\n"))));

        Assert.Equal(UserDataFormat.CloudConfig, result.Format);
        Assert.Equal("b64host", Assert.IsType<HostNameItem>(Assert.Single(result.Items)).HostName);
        Assert.Equal(BootCodes.UserDataNote, Assert.Single(result.Diagnostics).Code);
    }

    [Fact]
    public void Parse_Base64OfGzip_Decoded()
    {
        var gzip = Gzip(Encoding.UTF8.GetBytes("#ps1\nWrite-Output 1\n"));

        var result = UserDataParser.Parse(Encoding.ASCII.GetBytes(Convert.ToBase64String(gzip)));

        Assert.Equal(ScriptLanguage.PowerShell, Assert.IsType<ScriptItem>(Assert.Single(result.Items)).Language);
    }

    [Fact]
    public void Parse_PlainWordThatIsBase64Alphabet_UnrecognizedNotDecoded()
    {
        var result = Parse("HelloWorld12");

        Assert.Equal(UserDataFormat.Unrecognized, result.Format);
        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal(BootCodes.UserDataUnrecognized, diagnostic.Code);
        Assert.DoesNotContain("HelloWorld12", diagnostic.Message, StringComparison.Ordinal);
        Assert.Contains("12 bytes", diagnostic.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("api_token=SuperSecret99\nmore\n", "2 lines of plain text")]
    [InlineData("{\"token\": \"SuperSecret99\"}", "1 line of JSON-like text")]
    public void Parse_UnrecognizedText_SizeAndKindNotContent(string text, string kind)
    {
        var result = Parse(text);

        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal(BootCodes.UserDataUnrecognized, diagnostic.Code);
        Assert.DoesNotContain("SuperSecret99", diagnostic.ToString(), StringComparison.Ordinal);
        Assert.Contains($"{Encoding.UTF8.GetByteCount(text)} bytes, {kind}", diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UserItem_ToString_NoPassword()
    {
        var result = Parse("#cloud-config\nusers:\n- name: bob\n  groups: Administrators\n  plain_text_passwd: Hunter2!\n");

        var user = Assert.IsType<UserItem>(Assert.Single(result.Items));
        Assert.Equal("Hunter2!", user.PasswordHash);
        Assert.DoesNotContain("Hunter2", user.ToString(), StringComparison.Ordinal);
        Assert.Contains("bob", user.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("Hunter2", Diagnostics(result), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("  passwd: Hunter2!\n")]
    [InlineData("  passwd: [Hunter2!]\n")]
    [InlineData("  plain_text_passwd: {Hunter2!: 1}\n")]
    [InlineData("  passwd:\n    Hunter2!: x\n")]
    public void Parse_CloudConfigPasswordShapes_NoDiagnosticShowsIt(string passwordLines)
    {
        var result = Parse("#cloud-config\nusers:\n- name: bob\n" + passwordLines);

        Assert.DoesNotContain("Hunter2", Diagnostics(result), StringComparison.Ordinal);
        Assert.All(result.Items, item => Assert.DoesNotContain("Hunter2", item.ToString(), StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_GzipBomb_RefusedWithinBudget()
    {
        var bomb = Gzip(new byte[64 * 1024 * 1024]);
        var stopwatch = Stopwatch.StartNew();

        var result = UserDataParser.Parse(bomb);

        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10));
        Assert.True(bomb.Length < 1024 * 1024);
        Assert.Contains(result.Diagnostics, d => d.Code == BootCodes.UserDataDecompression && d.Message.Contains("bomb", StringComparison.Ordinal));
        Assert.Empty(result.Items);
    }

    [Fact]
    public void Parse_NestedGzipLayers_Refused()
    {
        var data = Encoding.UTF8.GetBytes("#ps1\nWrite-Output 1\n");
        for (var i = 0; i < 6; i++)
        {
            data = Gzip(data);
        }

        var result = UserDataParser.Parse(data);

        Assert.Contains(result.Diagnostics, d => d.Code == BootCodes.UserDataDecompression);
        Assert.Empty(result.Items);
    }

    [Fact]
    public void Parse_CorruptGzip_Diagnostic()
    {
        var result = UserDataParser.Parse([0x1F, 0x8B, 0x08, 0x00, 0x01, 0x02, 0x03]);

        Assert.Equal(BootCodes.UserDataDecompression, Assert.Single(result.Diagnostics).Code);
    }

    [Fact]
    public void ParseFile_HundredMegabyteBlob_RefusedUnread()
    {
        using var dir = new TempDirectory();
        var path = dir.WriteRepeated("user-data", "<powershell>x</powershell>\n"u8, 100L * 1024 * 1024);

        var result = UserDataParser.ParseFile(path);

        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal(BootCodes.TooLarge, diagnostic.Code);
        Assert.True(result.RawBytes >= 100L * 1024 * 1024);
        Assert.Empty(result.Items);
    }

    [Fact]
    public void Parse_BeyondEc2RawLimit_InfoNote()
    {
        var result = Parse("#ps1\n" + new string('#', 20 * 1024) + "\n");

        Assert.Equal(DiagnosticSeverity.Info, Assert.Single(result.Diagnostics).Severity);
        Assert.Single(result.Items);
    }

    [Fact]
    public void Parse_GarbageBytes_UnrecognizedBinaryNoCrash()
    {
        var garbage = new byte[4096];
        var state = 12345u;
        for (var i = 0; i < garbage.Length; i++)
        {
            state = (state * 1103515245) + 12345;
            garbage[i] = (byte)(state >> 16);
        }

        var result = UserDataParser.Parse(garbage);

        Assert.Equal(UserDataFormat.Unrecognized, result.Format);
        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal((BootCodes.UserDataUnrecognized, DiagnosticSeverity.Warning), (diagnostic.Code, diagnostic.Severity));
        Assert.Contains("binary data", diagnostic.Message, StringComparison.Ordinal);
        Assert.Empty(result.Items);
    }

    [Theory]
    [InlineData("#include\nhttp://example.com/x\n")]
    [InlineData("#cloud-boothook\necho hi\n")]
    [InlineData("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")]
    public void Parse_RecognizedButUnsupported_WarningNotDropped(string text)
    {
        var result = Parse(text);

        Assert.Equal(BootCodes.UserDataUnsupported, Assert.Single(result.Diagnostics).Code);
        Assert.Empty(result.Items);
    }

    [Fact]
    public void Parse_PlainText_UnrecognizedWarning()
    {
        var result = Parse("just some words\nnothing more\n");

        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal((BootCodes.UserDataUnrecognized, DiagnosticSeverity.Warning), (diagnostic.Code, diagnostic.Severity));
        Assert.Equal("unrecognized", result.FormatName);
    }
}
