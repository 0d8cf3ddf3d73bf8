using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Reseal.Agent.Boot;
using Reseal.Agent.Boot.Config;
using Reseal.Agent.Boot.Runner;
using Reseal.Agent.Boot.Tasks;
using Reseal.Cloud.Metadata;
using Reseal.TestSupport;
using Reseal.Windows.Ports;

namespace Reseal.Agent.Tests.Boot.Tasks;

/// <summary>
/// <c>enableWinRmHttps</c> on the in-memory machine: the WSMan provider's listener and netsh's firewall rules are modelled
/// by reading the scripts and command lines the task runs (what Windows would be told), the certificate is the real one
/// <see cref="SelfSignedCertificates"/> makes, checked with openssl. Every failure leaves the machine as it was.
/// </summary>
public sealed partial class WinRmHttpsTaskTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 6, 0, 0, TimeSpan.Zero);
    private readonly FakeWindows _machine = new();
    private readonly HashSet<string> _rules = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<string> _scripts = [];
    private WinRmListener? _listener;

    /// <summary>Which step fails: "listener", "firewall", "query"; or which program is a stub that answers 0 and does nothing: "powershell-stub", "netsh-stub".</summary>
    private string? _fail;

    public WinRmHttpsTaskTests()
    {
        _machine.Services.Add(new ServiceInfo("WinRM", "Windows Remote Management (WS-Management)", @"C:\Windows\System32\svchost.exe -k NetworkService",
            ServiceStartMode.Automatic, true, ServiceRunState.Running));
        _machine.Registry.SetValue(RegistryHive.System, ComputerNames.TcpipKey, "NV Domain", RegistryData.FromString("corp.example.com"));
        _machine.Processes.Handler = Answer;
    }

    [GeneratedRegex("Hostname='(?<host>[^']*)';CertificateThumbprint='(?<thumb>[^']*)';Port='(?<port>[0-9]+)'")]
    private static partial Regex ListenerValues();

    // What Windows would do with each command: the WSMan provider for the PowerShell scripts, netsh for firewall rules.
    private ProcessOutcome Answer(ProcessRequest request)
    {
        if (request.FileName.EndsWith("netsh.exe", StringComparison.OrdinalIgnoreCase))
        {
            if (_fail == "netsh-stub")
            {
                return FakeProcesses.Exit(0);
            }

            var name = request.Arguments.Single(a => a.StartsWith("name=", StringComparison.Ordinal))[5..];
            return request.Arguments[2] switch
            {
                "show" => _rules.Contains(name) ? FakeProcesses.Exit(0, $"Rule Name: {name}") : FakeProcesses.Exit(1, "No rules match the specified criteria."),
                "add" when _fail == "firewall" => FakeProcesses.Exit(1, "The requested operation requires elevation (Run as administrator)."),
                "add" => _rules.Add(name) ? FakeProcesses.Exit(0, "Ok.") : FakeProcesses.Exit(1),
                "delete" => _rules.Remove(name) ? FakeProcesses.Exit(0, "Deleted 1 rule(s).") : FakeProcesses.Exit(1),
                _ => FakeProcesses.Exit(1),
            };
        }

        Assert.EndsWith("powershell.exe", request.FileName, StringComparison.OrdinalIgnoreCase);
        if (_fail == "powershell-stub")
        {
            return FakeProcesses.Exit(0); // Wine's powershell.exe: exit 0, nothing run, nothing printed
        }

        Assert.Contains("-EncodedCommand", request.Arguments);
        var script = _machine.Files.Written.Where(p => p.EndsWith(".ps1", StringComparison.OrdinalIgnoreCase) && _machine.Files.FileExists(p))
            .Select(p => Encoding.UTF8.GetString(_machine.Files.ReadAllBytes(p)).TrimStart('\uFEFF')).Single();
        _scripts.Add(script);
        if (script.Contains("Remove-WSManInstance", StringComparison.Ordinal))
        {
            _listener = null;
            return FakeProcesses.Exit(0);
        }

        if (script.Contains("New-WSManInstance", StringComparison.Ordinal))
        {
            if (_fail == "listener")
            {
                return FakeProcesses.Exit(1, "", "New-WSManInstance : The WS-Management service cannot create the resource because it already exists.");
            }

            var values = ListenerValues().Match(script);
            Assert.True(values.Success, script);
            _listener = new WinRmListener(values.Groups["thumb"].Value, int.Parse(values.Groups["port"].Value, CultureInfo.InvariantCulture), values.Groups["host"].Value);
            return FakeProcesses.Exit(0, "done");
        }

        return _fail == "query" ? FakeProcesses.Exit(1, "", "WinRM cannot complete the operation.")
            : FakeProcesses.Exit(0, _listener is { } l ? $"listener|{l.Thumbprint}|{l.Port}|{l.HostName}\r\n" : "none\r\n");
    }

    private sealed class Console : ITaskConsole
    {
        public List<string> Lines { get; } = [];

        public void WriteLine(string text) => Lines.Add(text);

        public void WritePasswordBlock(string userName, string ciphertextBase64) => throw new InvalidOperationException("no password here");
    }

    private static InstanceMetadata Metadata() =>
        new(MetadataSource.Ec2, "http://test/", "i-0abc", "ip-10-0-0-5.eu-west-3.compute.internal", [], ReadOnlyMemory<byte>.Empty, "m5.large", "eu-west-3b", "10.0.0.5", null, "IMDSv2");

    private async Task<(TaskExecutionResult Result, Console Console)> Run(string inputs = "", CancellationToken? cancellation = null)
    {
        var read = AgentConfigReader.Read("version: 1.0\nconfig:\n- stage: postReady\n  tasks:\n  - task: enableWinRmHttps\n" + inputs);
        Assert.True(read.IsValid, string.Join('\n', read.Diagnostics));
        var unit = BootPlan.Create(read.Config!).Units.Single();
        var console = new Console();
        var context = new BootTaskContext { Machine = _machine, Metadata = Metadata(), Time = new ManualClock(Now) };
        var run = new BootTaskRun(unit, unit.Inputs ?? InputMap.Empty, context, console);
        return (await read.Config!.TasksOf(AgentStage.PostReady)[0].Definition.RunAsync(run, cancellation ?? TestContext.Current.CancellationToken), console);
    }

    private MachineCertificate AddCertificate(DateTimeOffset from, int days, string friendlyName = EnableWinRmHttpsTask.FriendlyName) =>
        _machine.Certificates.CreateSelfSigned(SelfSignedCertificateRequest.Create("WIN-FAKE0001", [], [], from, days, friendlyName));

    [Fact]
    public async Task EnableWinRmHttps_FreshMachine_CertificateListenerAndRuleBoundTogether()
    {
        var (result, console) = await Run();

        Assert.Equal(ExitAction.Completed, result.Action);
        var certificate = Assert.Single(_machine.Certificates.Certificates);
        Assert.Equal("CN=WIN-FAKE0001", certificate.Subject);
        Assert.Equal(["WIN-FAKE0001", "WIN-FAKE0001.corp.example.com", "ip-10-0-0-5.eu-west-3.compute.internal"], certificate.DnsNames);
        Assert.True(certificate.UsableForServerAt(Now));
        Assert.Equal(EnableWinRmHttpsTask.FriendlyName, certificate.FriendlyName);
        Assert.Equal(Now.AddMinutes(-5).AddDays(EnableWinRmHttpsTask.DefaultValidityDays), certificate.NotAfter);
        Assert.Equal(new WinRmListener(certificate.Thumbprint, 5986, "WIN-FAKE0001"), _listener);
        Assert.Equal(["Reseal-WinRM-HTTPS-5986"], _rules);
        Assert.Contains(_machine.Processes.CommandLines, c => c.EndsWith("netsh.exe advfirewall firewall add rule name=Reseal-WinRM-HTTPS-5986 dir=in action=allow protocol=TCP localport=5986 profile=any", StringComparison.OrdinalIgnoreCase));
        Assert.Equal([$"Message: WinRM HTTPS listener on port 5986, certificate thumbprint {certificate.Thumbprint}"], console.Lines);
        // Nothing weakens the service: no Basic authentication, no unencrypted traffic, no HTTP listener.
        Assert.All(_scripts, s => Assert.DoesNotContain("Basic", s, StringComparison.OrdinalIgnoreCase));
        Assert.All(_scripts, s => Assert.DoesNotContain("AllowUnencrypted", s, StringComparison.OrdinalIgnoreCase));
        Assert.All(_scripts, s => Assert.DoesNotContain("Transport='HTTP'", s, StringComparison.Ordinal));
        Assert.Contains("unencrypted traffic not allowed", result.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(_machine.Files.Written, p => _machine.Files.FileExists(p) && p.EndsWith(".ps1", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task EnableWinRmHttps_CertificateMade_OpensslReadsSubjectSanEkuAndValidity()
    {
        var openssl = ExternalTool.Require("openssl", "openssl");
        _ = await Run("    inputs:\n      port: 6986\n      validityDays: 30\n");
        var certificate = Assert.Single(_machine.Certificates.Certificates);
        using var temp = new TempDirectory();
        var der = Path.Combine(temp.Path, "winrm.der");
        File.WriteAllBytes(der, certificate.RawData.ToArray());

        var text = ExternalTool.Run(openssl, ["x509", "-inform", "DER", "-in", der, "-noout", "-text", "-dates", "-fingerprint", "-sha1", "-nameopt", "RFC2253"]);

        Assert.Equal(0, text.ExitCode);
        Assert.Contains("Subject: CN=WIN-FAKE0001", text.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("Issuer: CN=WIN-FAKE0001", text.StandardOutput, StringComparison.Ordinal); // self-signed
        Assert.Contains("DNS:WIN-FAKE0001, DNS:WIN-FAKE0001.corp.example.com, DNS:ip-10-0-0-5.eu-west-3.compute.internal, IP Address:10.0.0.5", text.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("TLS Web Server Authentication", text.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("Public-Key: (2048 bit)", text.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("sha256WithRSAEncryption", text.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("CA:FALSE", text.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("notBefore=Dec  7 05:55:00 2026 GMT", text.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("notAfter=Jan  6 05:55:00 2027 GMT", text.StandardOutput, StringComparison.Ordinal);
        // WinRM's CertificateThumbprint is the SHA-1 of the DER: openssl computes the same one the listener is bound to.
        var fingerprint = text.StandardOutput.Split('\n').Single(l => l.StartsWith("sha1 Fingerprint=", StringComparison.OrdinalIgnoreCase)).Split('=')[1].Replace(":", "", StringComparison.Ordinal).Trim();
        Assert.Equal(fingerprint, _listener!.Thumbprint);
        Assert.Equal(6986, _listener.Port);
    }

    [Fact]
    public async Task EnableWinRmHttps_ValidListenerThere_KeptNothingNew()
    {
        var existing = AddCertificate(Now.AddDays(-10), 365, "issued by the corporate CA");
        _listener = new WinRmListener(existing.Thumbprint, 5986, "WIN-FAKE0001");
        _rules.Add("Reseal-WinRM-HTTPS-5986");

        var (result, console) = await Run();

        Assert.Equal(ExitAction.Completed, result.Action);
        Assert.Equal([existing], _machine.Certificates.Certificates);
        Assert.Equal(existing.Thumbprint, _listener.Thumbprint);
        Assert.DoesNotContain(_scripts, s => s.Contains("New-WSManInstance", StringComparison.Ordinal));
        Assert.DoesNotContain(_machine.Processes.CommandLines, c => c.Contains(" add rule", StringComparison.Ordinal));
        Assert.Contains("are kept", result.Message, StringComparison.Ordinal);
        Assert.Single(console.Lines);
    }

    [Fact]
    public async Task EnableWinRmHttps_ExpiredCertificateOfOurs_ReplacedAndRemoved()
    {
        var expired = AddCertificate(Now.AddDays(-400), 365);
        _listener = new WinRmListener(expired.Thumbprint, 5986, "WIN-FAKE0001");

        var (result, _) = await Run();

        Assert.Equal(ExitAction.Completed, result.Action);
        var fresh = Assert.Single(_machine.Certificates.Certificates);
        Assert.NotEqual(expired.Thumbprint, fresh.Thumbprint);
        Assert.Equal(fresh.Thumbprint, _listener.Thumbprint);
        Assert.Contains("not usable now", result.Message, StringComparison.Ordinal);
        Assert.Contains($"the old certificate {expired.Thumbprint} was removed", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EnableWinRmHttps_ExpiredCertificateOfSomeoneElse_ReplacedButKept()
    {
        var expired = AddCertificate(Now.AddDays(-400), 365, "someone else's");
        _listener = new WinRmListener(expired.Thumbprint, 5986, "WIN-FAKE0001");

        var (result, _) = await Run();

        Assert.Equal(ExitAction.Completed, result.Action);
        Assert.Equal(2, _machine.Certificates.Certificates.Count);
        Assert.NotEqual(expired.Thumbprint, _listener.Thumbprint);
    }

    [Fact]
    public async Task EnableWinRmHttps_ListenerFails_CertificateRemovedNoListenerNoRule()
    {
        _fail = "listener";

        var (result, console) = await Run();

        Assert.Equal(ExitAction.Failed, result.Action);
        Assert.Contains("could not set the HTTPS listener", result.Message, StringComparison.Ordinal);
        Assert.Contains("already exists", result.Message, StringComparison.Ordinal);
        Assert.Contains("undone: the listener was removed", result.Message, StringComparison.Ordinal);
        Assert.Empty(_machine.Certificates.Certificates);
        Assert.Null(_listener);
        Assert.Empty(_rules);
        Assert.Empty(console.Lines);
    }

    [Fact]
    public async Task EnableWinRmHttps_FirewallFails_PreviousListenerPutBackNewCertificateRemoved()
    {
        var expired = AddCertificate(Now.AddDays(-400), 365);
        var previous = new WinRmListener(expired.Thumbprint, 5986, "WIN-FAKE0001");
        _listener = previous;
        _fail = "firewall";

        var (result, _) = await Run();

        Assert.Equal(ExitAction.Failed, result.Action);
        Assert.Contains("requires elevation", result.Message, StringComparison.Ordinal);
        Assert.Contains("the listener was put back as it was", result.Message, StringComparison.Ordinal);
        Assert.Equal(previous, _listener);
        Assert.Equal([expired], _machine.Certificates.Certificates); // the new one gone, the old one not removed on failure
        Assert.Empty(_rules);
    }

    [Fact]
    public async Task EnableWinRmHttps_CancelledWhileTheListenerIsMade_UndoneThenCancelled()
    {
        using var stop = new CancellationTokenSource();
        _machine.Processes.AsyncHandler = (request, token) =>
        {
            var outcome = Answer(request);
            if (_listener is not null && !stop.IsCancellationRequested)
            {
                // The service is being stopped just as the listener was made.
                stop.Cancel();
                token.ThrowIfCancellationRequested();
            }

            return Task.FromResult(outcome);
        };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Run(cancellation: stop.Token));

        Assert.Null(_listener);
        Assert.Empty(_machine.Certificates.Certificates);
        Assert.Empty(_rules);
    }

    [Fact]
    public async Task EnableWinRmHttps_CertificateCannotBeMade_FailsBeforeAnyListener()
    {
        _machine.Certificates.CreateFailure = new CryptographicException("Access is denied.");

        var (result, _) = await Run();

        Assert.Equal(ExitAction.Failed, result.Action);
        Assert.Contains("could not make the certificate for WIN-FAKE0001: Access is denied.", result.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(_scripts, s => s.Contains("New-WSManInstance", StringComparison.Ordinal));
        Assert.Null(_listener);
    }

    [Fact]
    public async Task EnableWinRmHttps_ListenersUnreadable_FailsChangingNothing()
    {
        _fail = "query";

        var (result, _) = await Run();

        Assert.Equal(ExitAction.Failed, result.Action);
        Assert.Contains("could not read WinRM's listeners", result.Message, StringComparison.Ordinal);
        Assert.Empty(_machine.Certificates.Certificates);
    }

    [Fact]
    public async Task EnableWinRmHttps_PowerShellStub_FailsBeforeMakingAnything()
    {
        _fail = "powershell-stub";

        var (result, _) = await Run();

        Assert.Equal(ExitAction.Failed, result.Action);
        Assert.Contains("PowerShell gave no answer", result.Message, StringComparison.Ordinal);
        Assert.Empty(_machine.Certificates.Certificates);
    }

    [Fact]
    public async Task EnableWinRmHttps_NetshStub_RuleNotThereAfterwards_Undone()
    {
        _fail = "netsh-stub";

        var (result, _) = await Run();

        Assert.Equal(ExitAction.Failed, result.Action);
        Assert.Contains("exited 0 but the rule is not there afterwards", result.Message, StringComparison.Ordinal);
        Assert.Contains("the listener was removed", result.Message, StringComparison.Ordinal);
        Assert.Null(_listener);
        Assert.Empty(_machine.Certificates.Certificates);
    }

    [Fact]
    public async Task EnableWinRmHttps_NoWinRmService_FailsClearly()
    {
        Assert.True(_machine.Services.Remove("WinRM"));

        var (result, _) = await Run();

        Assert.Equal(ExitAction.Failed, result.Action);
        Assert.Equal("the WinRM service is not installed on this Windows", result.Message);
        Assert.Empty(_machine.Processes.Requests);
    }

    [Fact]
    public async Task EnableWinRmHttps_FirewallFalse_NoRuleListenerStillMade()
    {
        var (result, _) = await Run("    inputs:\n      firewall: false\n");

        Assert.Equal(ExitAction.Completed, result.Action);
        Assert.Empty(_rules);
        Assert.DoesNotContain(_machine.Processes.Requests, r => r.FileName.EndsWith("netsh.exe", StringComparison.OrdinalIgnoreCase));
        Assert.NotNull(_listener);
    }

    [Theory]
    [InlineData("port: 0", "'port' must be 1 to 65535, not 0")]
    [InlineData("port: 70000", "'port' must be 1 to 65535, not 70000")]
    [InlineData("validityDays: 0", "'validityDays' must be 1 to 3650, not 0")]
    [InlineData("validityDays: 100000", "'validityDays' must be 1 to 3650, not 100000")]
    [InlineData("port: https", "port")]
    [InlineData("firewall: maybe", "firewall")]
    public void Validate_BadInput_ErrorAtItsLine(string input, string expected)
    {
        var read = AgentConfigReader.Read("version: 1.0\nconfig:\n- stage: postReady\n  tasks:\n  - task: enableWinRmHttps\n    inputs:\n      " + input + "\n");

        var error = Assert.Single(read.Diagnostics, d => d.Severity == DiagnosticSeverity.Error);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Equal(7, error.Line);
    }

    // The WSMan cmdlets exist only in Windows PowerShell, but PowerShell 7's parser reads the scripts as Windows
    // PowerShell would: a syntax error here would make every run on Windows fail.
    [Theory]
    [InlineData("query")]
    [InlineData("listener")]
    [InlineData("remove")]
    public void ListenerScripts_ParsedByPowerShell_NoSyntaxErrors(string which)
    {
        var pwsh = ExternalTool.Find("pwsh");
        Assert.SkipWhen(pwsh is null, "pwsh (PowerShell 7) is not installed; .ci/run installs it with `dotnet tool install PowerShell --version 7.6.10`");
        var script = which switch
        {
            "query" => EnableWinRmHttpsTask.ListenerQueryScript,
            "remove" => EnableWinRmHttpsTask.RemoveListenerScript,
            _ => EnableWinRmHttpsTask.ListenerScript(new WinRmListener("0123456789ABCDEF0123456789ABCDEF01234567", 5986, "WIN-FAKE0001")),
        };
        using var temp = new TempDirectory();
        var path = temp.Write("script.ps1", script);

        var result = ExternalTool.Run(pwsh!, ["-NoProfile", "-NonInteractive", "-Command",
            $"$errors = $null; $null = [System.Management.Automation.Language.Parser]::ParseFile('{path}', [ref]$null, [ref]$errors); 'errors=' + $errors.Count; $errors | ForEach-Object {{ $_.Message }}"]);

        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith("errors=0", result.StandardOutput.Trim(), StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_NotInTheDefaultConfig_OptIn()
    {
        Assert.DoesNotContain(DefaultAgentConfig.Config.Stages.SelectMany(s => s.Tasks), t => t.Name == "enableWinRmHttps");
    }

    [Fact]
    public void SelfSignedCertificateRequest_BadNames_Refused()
    {
        Assert.Throws<ArgumentException>(() => SelfSignedCertificateRequest.Create("bad name", [], [], Now, 30, "x"));
        Assert.Throws<ArgumentException>(() => SelfSignedCertificateRequest.Create("host", ["a\u0001b"], [], Now, 30, "x"));
        Assert.Throws<ArgumentException>(() => SelfSignedCertificateRequest.Create("host", [], [], Now, 0, "x"));
        Assert.Throws<ArgumentException>(() => SelfSignedCertificateRequest.Create("host", [], [], Now, 30, "x", keySize: 1024));
        var request = SelfSignedCertificateRequest.Create("host", ["HOST", "host.example"], [IPAddress.Parse("10.0.0.1"), IPAddress.Parse("10.0.0.1")], Now, 30, "x");
        Assert.Equal(["host", "host.example"], request.DnsNames);
        Assert.Single(request.IPAddresses);
    }

    [Fact]
    public void OfflineWindows_Certificates_RefusedWithReason()
    {
        using var temp = new TempDirectory();
        var offline = Reseal.Windows.Offline.OfflineWindows.Open(temp.Path);

        var error = Assert.Throws<PlatformNotSupportedException>(() => offline.Certificates.List());
        Assert.Contains("needs a running Windows", error.Message, StringComparison.Ordinal);
        Assert.Contains("DPAPI", error.Message, StringComparison.Ordinal);
        Assert.Throws<PlatformNotSupportedException>(() => offline.Certificates.CreateSelfSigned(SelfSignedCertificateRequest.Create("host", [], [], Now, 30, "x")));
    }
}
