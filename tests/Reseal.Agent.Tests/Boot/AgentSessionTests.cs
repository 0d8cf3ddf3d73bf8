using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Reseal.Agent.Boot.Host;
using Reseal.Agent.Boot.Runner;
using Reseal.Cloud.Metadata;
using Reseal.TestSupport;
using Reseal.TestSupport.Loopback;
using Reseal.Windows.Ports;

namespace Reseal.Agent.Tests.Boot;

/// <summary>
/// Whole agent runs: a fake machine, a loopback metadata server that follows the protocol (IMDSv2 tokens, Nova's 409),
/// real key files from ssh-keygen and the password decrypted with openssl.
/// </summary>
public sealed class AgentSessionTests : IDisposable
{
    internal static readonly MetadataHttpOptions Fast = FastMetadata.Options;

    private readonly TempDirectory _temp = new();
    private readonly FakeWindows _machine = new();

    public void Dispose() => _temp.Dispose();

    private AgentPaths Paths => new(_temp.File("agent-config.yml"), _temp.File("state"), _temp.File("log"));

    private static string PrivateKey() => KeyFiles.SshKeygen("rsa", 2048, "PEM");

    private static string PublicKeyLine() => File.ReadAllText(PrivateKey() + ".pub").Trim();

    private async Task<AgentRunResult> RunEc2(FakeImds imds, AgentRunOptions? options = null)
    {
        await using var server = new LoopbackHttpServer(imds.Handle);
        using var provider = new Ec2ImdsProvider(server.BaseUri, Fast);
        var session = new AgentSession(_machine, Paths, TimeProvider.System, (options ?? new AgentRunOptions()) with { Providers = [provider], AllowReboot = false });
        return await session.RunAsync(TestContext.Current.CancellationToken);
    }

    private static string Decrypt(string base64)
    {
        var cipher = KeyFiles.NewPath("cipher.bin");
        File.WriteAllBytes(cipher, Convert.FromBase64String(base64));
        return KeyFiles.OpenSsl("pkeyutl", "-decrypt", "-inkey", PrivateKey(), "-in", cipher, "-pkeyopt", "rsa_padding_mode:pkcs1").StandardOutput;
    }

    private static string PasswordFrom(IReadOnlyList<string> lines)
    {
        var start = lines.ToList().FindIndex(l => l.EndsWith("Password: <Password>", StringComparison.Ordinal));
        Assert.True(start >= 0, "no password block:\n" + string.Join('\n', lines));
        Assert.Equal("</Password>", lines[start + 2]);
        return lines[start + 1];
    }

    private static IReadOnlyList<string> Texts(IEnumerable<string> lines) =>
        [.. lines.Select(l => l.Length > 22 && l[4] == '/' && l[20] == ':' ? l[22..] : l)];

    [Fact]
    public async Task Ec2_DefaultConfig_PrintsDocumentedLinesInOrder_AndPasswordDecryptsWithOpenSslToTheAccountsPassword()
    {
        var imds = new FakeImds { UserData = "version: 1.1\ntasks:\n- task: executeScript\n  inputs:\n  - type: batch\n    content: echo hi > C:\\marker.txt\n" };
        imds.Items["meta-data/public-keys/0/openssh-key"] = PublicKeyLine();

        var result = await RunEc2(imds);

        var texts = Texts(result.ConsoleLines);
        string[] expectedOrder =
        [
            "Windows sysprep configuration complete.", "Message: Waiting for meta-data accessibility...", "Message: Meta-data is now available.",
            "Launch: Reseal v0.1.0", "Instance-ID: i-1234567890abcdef0", "HOSTNAME: WIN-FAKE0001", "Username: Administrator", "Password: <Password>",
            "User data format: yaml_1.1", "Message: Windows is Ready to use",
        ];
        var positions = expectedOrder.Select(e => texts.ToList().IndexOf(e)).ToList();
        Assert.All(positions, p => Assert.True(p >= 0, "missing line; console:\n" + string.Join('\n', texts)));
        Assert.Equal(positions.Order(), positions);
        Assert.Matches(@"^\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}Z: Windows sysprep configuration complete\.$", result.ConsoleLines[0]);

        var password = Decrypt(PasswordFrom(result.ConsoleLines));
        Assert.Equal(_machine.Accounts.PasswordOf(500), password);
        Assert.True(password.Length >= 12);

        // The JSON line comes last and records every task.
        using var summary = JsonDocument.Parse(texts[^1]);
        Assert.Equal("ResealAgentRun", summary.RootElement.GetProperty("type").GetString());
        Assert.Equal("i-1234567890abcdef0", summary.RootElement.GetProperty("instanceId").GetString());
        var tasks = summary.RootElement.GetProperty("tasks").EnumerateArray().ToList();
        Assert.Contains(tasks, t => t.GetProperty("task").GetString() == "setAdminAccount" && t.GetProperty("outcome").GetString() == "completed");
        Assert.Contains(tasks, t => t.GetProperty("task").GetString() == "activateWindows");

        // console.log holds the same bytes; COM1 got the same lines; the clear password is nowhere in them.
        var consoleLog = await File.ReadAllTextAsync(Paths.ConsoleLog, TestContext.Current.CancellationToken);
        Assert.Equal(string.Join("\r\n", result.ConsoleLines) + "\r\n", consoleLog);
        Assert.Equal(result.ConsoleLines, _machine.SerialConsole.Lines);
        Assert.DoesNotContain(password, consoleLog, StringComparison.Ordinal);
        Assert.DoesNotContain(password, await File.ReadAllTextAsync(Paths.AgentLog, TestContext.Current.CancellationToken), StringComparison.Ordinal);

        // DNS suffix with the region of us-east-1a; user data ran through cmd.exe.
        Assert.Equal("us-east-1.ec2-utilities.amazonaws.com", _machine.Registry.Text(RegistryHive.System, ComputerNames.TcpipKey, "SearchList"));
        Assert.Contains(_machine.Processes.CommandLines, c => c.StartsWith(@"C:\Windows\System32\cmd.exe /d /c C:\ProgramData\Reseal\scripts\userData-executeScript", StringComparison.Ordinal));
        Assert.Equal(0, result.ExitCode);
        using var status = JsonDocument.Parse(await File.ReadAllTextAsync(Paths.RunStatus, TestContext.Current.CancellationToken));
        Assert.Equal("completed", status.RootElement.GetProperty("status").GetString());
    }

    [Fact]
    public async Task SecondRun_SameInstance_NeitherResetsThePasswordNorRerunsOnceUserData()
    {
        var imds = new FakeImds { UserData = "<script>echo once</script>" };
        imds.Items["meta-data/public-keys/0/openssh-key"] = PublicKeyLine();
        _ = await RunEc2(imds);
        var first = _machine.Accounts.PasswordOf(500);
        var runsAfterFirst = _machine.Processes.Requests.Count;

        var second = await RunEc2(imds);

        Assert.Equal(first, _machine.Accounts.PasswordOf(500));
        Assert.Equal(1, _machine.Accounts.PasswordSets);
        Assert.DoesNotContain(second.ConsoleLines, l => l.Contains("<Password>", StringComparison.Ordinal));
        Assert.Contains(second.Run.Outcomes, o => o.Task == "setAdminAccount" && o.Outcome == TaskOutcomeKind.AlreadyDone);
        Assert.Contains(second.Run.Outcomes, o => o.Task == "executeScript" && o.Outcome == TaskOutcomeKind.AlreadyDone);
        Assert.Single(_machine.Processes.Detached); // the XML script (detached, as EC2Launch v2 runs it) started once
        Assert.Equal(runsAfterFirst, _machine.Processes.Requests.Count);
    }

    [Fact]
    public async Task NewInstanceId_RunsOnceTasksAgain()
    {
        var imds = new FakeImds();
        imds.Items["meta-data/public-keys/0/openssh-key"] = PublicKeyLine();
        _ = await RunEc2(imds);
        imds.Items["meta-data/instance-id"] = "i-0fedcba9876543210";

        var second = await RunEc2(imds);

        Assert.Equal(2, _machine.Accounts.PasswordSets);
        Assert.Contains(second.ConsoleLines, l => l.EndsWith("Password: <Password>", StringComparison.Ordinal));
    }

    [Fact]
    public async Task NoLaunchKey_SaysUnableToSendPassword_ChangesNothing_StillReady()
    {
        var imds = new FakeImds();
        imds.Items.Remove("meta-data/public-keys/0/openssh-key");

        var result = await RunEc2(imds);

        var texts = Texts(result.ConsoleLines);
        Assert.Contains(texts, t => t.StartsWith("Unable to send the password to console: ", StringComparison.Ordinal));
        Assert.Contains("Message: Windows is Ready to use", texts);
        Assert.Equal(0, _machine.Accounts.PasswordSets);
        Assert.DoesNotContain(texts, t => t.Contains("<Password>", StringComparison.Ordinal));
    }

    [Fact]
    public async Task NoMetadataSource_TimesOut_AndStillDeclaresReady()
    {
        await using var server = new LoopbackHttpServer(_ => LoopbackReply.Error(500, "down"));
        using var provider = new Ec2ImdsProvider(server.BaseUri, Fast);
        var clock = TimeProvider.System;
        var session = new AgentSession(_machine, Paths, clock, new AgentRunOptions
        {
            Providers = [provider], AllowReboot = false, MetadataWait = TimeSpan.FromMilliseconds(300), MetadataRetryDelay = TimeSpan.FromMilliseconds(50),
        });

        var result = await session.RunAsync(TestContext.Current.CancellationToken);

        var texts = Texts(result.ConsoleLines);
        Assert.Contains("Timed out waiting for access to metadata.", texts);
        Assert.Contains("Message: Windows is Ready to use", texts);
        Assert.Contains(texts, t => t.StartsWith("Instance-ID: no-metadata-", StringComparison.Ordinal));
        Assert.Null(result.Metadata);
    }

    [Fact]
    public async Task OpenStack_PostsTheEncryptedPasswordToNova_AndA409IsReported()
    {
        var nova = new FakeNova { UserData = null };
        nova.MetaData = nova.MetaData.Replace("ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ mykey\\n", PublicKeyLine() + "\\n", StringComparison.Ordinal);
        await using var server = new LoopbackHttpServer(nova.Handle);
        using var provider = new OpenStackMetadataProvider(server.BaseUri, Fast);
        var session = new AgentSession(_machine, Paths, TimeProvider.System, new AgentRunOptions { Providers = [provider], AllowReboot = false });

        var result = await session.RunAsync(TestContext.Current.CancellationToken);

        var printed = PasswordFrom(result.ConsoleLines);
        Assert.Equal(printed, nova.StoredPassword);
        Assert.Equal(_machine.Accounts.PasswordOf(500), Decrypt(nova.StoredPassword!));
        var outcome = Assert.Single(result.Run.Outcomes, o => o.Task == "setAdminAccount");
        Assert.Contains("posted to", outcome.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SerialPortFails_ConsoleLogStillGetsEveryLine_AndTheRunGoesOn()
    {
        _machine.SerialConsole.Failure = new IOException("The port 'COM1' does not exist.");
        var result = await RunEc2(new FakeImds());

        Assert.Contains("Message: Windows is Ready to use", Texts(result.ConsoleLines));
        Assert.Contains("Windows is Ready to use", await File.ReadAllTextAsync(Paths.ConsoleLog, TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.Contains("serial console cannot be written", await File.ReadAllTextAsync(Paths.AgentLog, TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvalidConfig_SaysSoOnTheConsole_AndRunsTheDefault()
    {
        await File.WriteAllTextAsync(Paths.ConfigFile, "version: 1.0\nconfig:\n- stage: preReady\n  tasks:\n  - task: setAdminAcount\n", TestContext.Current.CancellationToken);
        var imds = new FakeImds();
        imds.Items["meta-data/public-keys/0/openssh-key"] = PublicKeyLine();

        var result = await RunEc2(imds);

        Assert.Contains(Texts(result.ConsoleLines), t => t.StartsWith("Message: agent-config.yml has 1 error(s)", StringComparison.Ordinal));
        Assert.Equal(1, _machine.Accounts.PasswordSets);
        Assert.Contains("RA120", await File.ReadAllTextAsync(Paths.AgentLog, TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SpecifiedPassword_SetAtFirstBoot_ThenGoneFromTheConfigFile()
    {
        await File.WriteAllTextAsync(Paths.ConfigFile, "version: 1.0\nconfig:\n- stage: preReady\n  tasks:\n  - task: setAdminAccount\n    inputs:\n      password:\n        type: static\n        data: Sp3cified!Pass\n",
            TestContext.Current.CancellationToken);

        _ = await RunEc2(new FakeImds());

        Assert.Equal("Sp3cified!Pass", _machine.Accounts.PasswordOf(500));
        var config = await File.ReadAllTextAsync(Paths.ConfigFile, TestContext.Current.CancellationToken);
        Assert.DoesNotContain("Sp3cified", config, StringComparison.Ordinal);
        Assert.Contains("type: doNothing", config, StringComparison.Ordinal);
        foreach (var log in new[] { Paths.AgentLog, Paths.ConsoleLog })
        {
            Assert.DoesNotContain("Sp3cified", await File.ReadAllTextAsync(log, TestContext.Current.CancellationToken), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ConfigMetadataSection_PointsTheAgentAtAnotherEndpoint()
    {
        var imds = new FakeImds();
        await using var server = new LoopbackHttpServer(imds.Handle);
        await File.WriteAllTextAsync(Paths.ConfigFile, $"version: 1.0\nmetadata:\n  sources: [ec2]\n  endpoints:\n    ec2: {server.BaseUri}\n  waitSeconds: 5\nconfig:\n- stage: postReady\n  tasks:\n  - task: startSsm\n",
            TestContext.Current.CancellationToken);
        var session = new AgentSession(_machine, Paths, TimeProvider.System, new AgentRunOptions { AllowReboot = false });

        var result = await session.RunAsync(TestContext.Current.CancellationToken);

        Assert.Equal("i-1234567890abcdef0", result.Metadata?.InstanceId);
        var ssm = Assert.Single(result.Run.Outcomes);
        Assert.Equal(TaskOutcomeKind.Skipped, ssm.Outcome);
    }

    [Fact]
    public async Task CachedAnswerFiles_AreScrubbed_AndTheSealJournalRemoved()
    {
        const string Cached = """
            <?xml version="1.0" encoding="utf-8"?>
            <unattend xmlns="urn:schemas-microsoft-com:unattend">
              <settings pass="oobeSystem">
                <component name="Microsoft-Windows-Shell-Setup" processorArchitecture="amd64" publicKeyToken="31bf3856ad364e35" language="neutral" versionScope="nonSxS">
                  <UserAccounts><AdministratorPassword><Value>Hunter2!Secret</Value><PlainText>true</PlainText></AdministratorPassword></UserAccounts>
                </component>
              </settings>
            </unattend>
            """;
        _machine.Files.WriteText(@"C:\Windows\Panther\unattend.xml", Cached);
        _machine.Files.WriteText(@"C:\Windows\System32\Sysprep\unattend.xml", "<unattend><broken");
        _machine.Files.WriteText(@"C:\ProgramData\Reseal\sysprep\seal-journal.json", "{}");

        _ = await RunEc2(new FakeImds());

        var scrubbed = _machine.Files.ReadText(@"C:\Windows\Panther\unattend.xml");
        Assert.DoesNotContain("Hunter2!Secret", scrubbed, StringComparison.Ordinal);
        Assert.Contains("<Value>*SENSITIVE*DATA*DELETED*</Value>", scrubbed, StringComparison.Ordinal);
        Assert.Equal(Cached.Replace("Hunter2!Secret", "*SENSITIVE*DATA*DELETED*", StringComparison.Ordinal), scrubbed);
        Assert.Equal("<unattend><broken", _machine.Files.ReadText(@"C:\Windows\System32\Sysprep\unattend.xml"));
        Assert.False(_machine.Files.FileExists(@"C:\ProgramData\Reseal\sysprep\seal-journal.json"));
        Assert.Contains("could not scrub", await File.ReadAllTextAsync(Paths.AgentLog, TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RdpCertificate_SubjectAndThumbprintLines_MatchOpenSsl()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=EC2AMAZ-A1B2C3D", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(TimeProvider.System.GetUtcNow().AddDays(-1), TimeProvider.System.GetUtcNow().AddDays(180));
        var der = certificate.Export(X509ContentType.Cert);
        _machine.Registry.SetValue(RegistryHive.Software, RdpCertificate.StoreKey + @"\" + certificate.Thumbprint, "Blob",
            RegistryData.FromBinary(RdpCertificate.ToBlob(der)));
        var derFile = KeyFiles.NewPath("rdp.der");
        await File.WriteAllBytesAsync(derFile, der, TestContext.Current.CancellationToken);
        var openssl = KeyFiles.OpenSsl("x509", "-inform", "DER", "-in", derFile, "-noout", "-fingerprint", "-sha1").StandardOutput;
        var expected = openssl.Trim().Split('=')[1].Replace(":", "", StringComparison.Ordinal);

        var result = await RunEc2(new FakeImds());

        var texts = Texts(result.ConsoleLines);
        Assert.Contains("RDPCERTIFICATE-SUBJECTNAME: EC2AMAZ-A1B2C3D", texts);
        Assert.Contains("RDPCERTIFICATE-THUMBPRINT: " + expected, texts);
    }

    [Fact]
    public async Task UnsupportedUserData_IsReportedOnTheConsole()
    {
        var result = await RunEc2(new FakeImds { UserData = "#cloud-config\npackages: [nginx]\n" });

        Assert.Contains(Texts(result.ConsoleLines), t => t.StartsWith("Message: user data warning RA206", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ScriptAsksForReboot_ExitCodeRebootStarted_AndRebootRequested()
    {
        _machine.Processes.Handler = r => FakeProcesses.Exit(r.FileName.EndsWith("cmd.exe", StringComparison.Ordinal) ? 3010 : 0);
        var imds = new FakeImds { UserData = "version: 1.1\ntasks:\n- task: executeScript\n  inputs:\n  - type: batch\n    content: exit /b 3010\n" };
        await using var server = new LoopbackHttpServer(imds.Handle);
        using var provider = new Ec2ImdsProvider(server.BaseUri, Fast);
        var session = new AgentSession(_machine, Paths, TimeProvider.System, new AgentRunOptions { Providers = [provider] });

        var result = await session.RunAsync(TestContext.Current.CancellationToken);

        Assert.Equal(AgentExitCodes.RebootStarted, result.ExitCode);
        Assert.Equal(PowerAction.Reboot, Assert.Single(_machine.Power.Requests).Action);
        using var status = JsonDocument.Parse(await File.ReadAllTextAsync(Paths.RunStatus, TestContext.Current.CancellationToken));
        Assert.Equal("rebooting", status.RootElement.GetProperty("status").GetString());
    }

    /// <summary>A string that is null where the code expected one: dereferencing it is a genuine bug.</summary>
    private static string? NullText() => Environment.GetEnvironmentVariable("RESEAL_TEST_VARIABLE_THAT_IS_NEVER_SET_" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task TaskHitsABug_PasswordStillSetStateSavedThenTheRunCrashesLoudly()
    {
        _machine.Processes.Handler = r => FakeProcesses.Exit(r.FileName.EndsWith("cmd.exe", StringComparison.Ordinal) ? NullText()!.Length : 0);
        var imds = new FakeImds { UserData = "version: 1.1\ntasks:\n- task: executeScript\n  inputs:\n  - type: batch\n    content: echo hi\n" };
        imds.Items["meta-data/public-keys/0/openssh-key"] = PublicKeyLine();
        await using var server = new LoopbackHttpServer(imds.Handle);
        using var provider = new Ec2ImdsProvider(server.BaseUri, Fast);
        var session = new AgentSession(_machine, Paths, TimeProvider.System, new AgentRunOptions { Providers = [provider], AllowReboot = false });

        var crash = await Assert.ThrowsAsync<AgentBugException>(() => session.RunAsync(TestContext.Current.CancellationToken));

        var bug = Assert.Single(crash.Bugs);
        Assert.Equal("executeScript", bug.Task);
        Assert.IsType<NullReferenceException>(crash.InnerException);
        Assert.DoesNotContain("Exception", crash.Message, StringComparison.Ordinal);
        // The administrator password was still set, the state says the script failed, run.json says the run failed.
        Assert.NotNull(_machine.Accounts.PasswordOf(500));
        using var status = JsonDocument.Parse(await File.ReadAllTextAsync(Paths.RunStatus, TestContext.Current.CancellationToken));
        Assert.Equal("failed", status.RootElement.GetProperty("status").GetString());
        var log = await File.ReadAllTextAsync(Paths.AgentLog, TestContext.Current.CancellationToken);
        Assert.Contains("debug System.NullReferenceException:", log, StringComparison.Ordinal);
        Assert.Contains("a bug in reseal stopped this task", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SecondConcurrentRun_WaitsForTheLock_ThenGivesUp()
    {
        Directory.CreateDirectory(Paths.StateDirectory);
        await using var held = new FileStream(Paths.LockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        var session = new AgentSession(_machine, Paths, TimeProvider.System, new AgentRunOptions { LockWait = TimeSpan.FromMilliseconds(200), Providers = [] });

        var error = await Assert.ThrowsAsync<IOException>(() => session.RunAsync(TestContext.Current.CancellationToken));

        Assert.Contains("another agent run", error.Message, StringComparison.Ordinal);
        Assert.Empty(_machine.SerialConsole.Lines);
    }

    [Fact]
    public async Task BootWithoutMetadata_BetweenTwoWithIt_IsTheSameInstance_NoSecondPassword()
    {
        var imds = new FakeImds();
        imds.Items["meta-data/public-keys/0/openssh-key"] = PublicKeyLine();
        _ = await RunEc2(imds);
        await using (var down = new LoopbackHttpServer(_ => LoopbackReply.Error(500, "down")))
        {
            using var provider = new Ec2ImdsProvider(down.BaseUri, Fast);
            var offline = await new AgentSession(_machine, Paths, TimeProvider.System, new AgentRunOptions
            {
                Providers = [provider], AllowReboot = false, MetadataWait = TimeSpan.FromMilliseconds(200), MetadataRetryDelay = TimeSpan.FromMilliseconds(50),
            }).RunAsync(TestContext.Current.CancellationToken);
            Assert.Contains("Instance-ID: i-1234567890abcdef0", Texts(offline.ConsoleLines));
        }

        var third = await RunEc2(imds);

        Assert.Equal(1, _machine.Accounts.PasswordSets);
        Assert.DoesNotContain(Texts(third.ConsoleLines), t => t == "Password: <Password>");
    }

    [Fact]
    public async Task NoMetadataSourceAtAll_SaysSoAtOnce()
    {
        var session = new AgentSession(_machine, Paths, TimeProvider.System, new AgentRunOptions { Providers = [], AllowReboot = false });

        var result = await session.RunAsync(TestContext.Current.CancellationToken);

        var texts = Texts(result.ConsoleLines);
        Assert.Contains("Metadata is not available for this instance.", texts);
        Assert.DoesNotContain("Timed out waiting for access to metadata.", texts);
        Assert.Contains("Message: Windows is Ready to use", texts);
    }

    [Fact]
    public async Task RebootAskedButNotAllowed_StatusIsCompletedWithRebootPending()
    {
        _machine.Processes.Handler = r => FakeProcesses.Exit(r.FileName.EndsWith("cmd.exe", StringComparison.Ordinal) ? 3010 : 0);
        var result = await RunEc2(new FakeImds { UserData = "version: 1.1\ntasks:\n- task: executeScript\n  inputs:\n  - type: batch\n    content: exit /b 3010\n" });

        Assert.Equal(AgentExitCodes.RebootRequired, result.ExitCode);
        Assert.Empty(_machine.Power.Requests);
        using var status = JsonDocument.Parse(await File.ReadAllTextAsync(Paths.RunStatus, TestContext.Current.CancellationToken));
        Assert.Equal("completed", status.RootElement.GetProperty("status").GetString());
        Assert.True(status.RootElement.GetProperty("rebootPending").GetBoolean());
    }

    [Fact]
    public async Task DataFolder_IsRestrictedToSystemAndAdministrators()
    {
        _ = await RunEc2(new FakeImds());

        Assert.Contains(@"C:\ProgramData\Reseal", _machine.Files.Restricted);
    }

    [Fact]
    public async Task DataFolder_RestrictedBeforeTheRunCreatesOrOpensAnythingInIt()
    {
        // A user may plant links in %ProgramData%\Reseal before the first boot: the state folder, the run lock and the
        // logs must not be created or opened (as SYSTEM) before the folder is locked down.
        var seen = new List<(bool State, bool Log, bool Console)>();
        _machine.Files.OnRestrict = _ => seen.Add((Directory.Exists(Paths.StateDirectory), File.Exists(Paths.AgentLog), File.Exists(Paths.ConsoleLog)));

        _ = await RunEc2(new FakeImds());

        Assert.Equal([(false, false, false)], seen);
        Assert.Contains("is restricted to SYSTEM and Administrators", await File.ReadAllTextAsync(Paths.AgentLog, TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SkipIfRanSince_AFinishedRunInThisBoot_RunsNothing()
    {
        _ = await RunEc2(new FakeImds());
        var linesBefore = _machine.SerialConsole.Lines.Count;

        var again = await new AgentSession(_machine, Paths, TimeProvider.System, new AgentRunOptions { Providers = [], SkipIfRanSince = TimeProvider.System.GetUtcNow().AddMinutes(-5) })
            .RunAsync(TestContext.Current.CancellationToken);

        Assert.True(again.AlreadyRan);
        Assert.Equal(linesBefore, _machine.SerialConsole.Lines.Count);
    }
}
