using System.ComponentModel;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Reseal.Agent.Boot.Config;
using Reseal.Agent.Boot.Runner;
using Reseal.Windows.Ports;

namespace Reseal.Agent.Boot.Tasks;

/// <summary>
/// <c>enableWinRmHttps</c> (Cloudbase-Init's ConfigWinRMListenerPlugin; what Packer's <c>winrm_use_ssl</c> and Ansible's
/// <c>ansible_winrm_scheme: https</c> connect to): a self-signed certificate for the computer name (and its FQDN, the
/// cloud's host name and private address as alternative names) in LocalMachine\My with a non-exportable machine key, a
/// WinRM listener on <c>Address=*+Transport=HTTPS</c> at <c>port</c> bound to its thumbprint, and an inbound firewall rule
/// for the port. It enables no authentication scheme and never AllowUnencrypted: Negotiate (NTLM/Kerberos), which the
/// WinRM service allows by default, works over the listener (Packer <c>winrm_use_ntlm</c>, Ansible
/// <c>transport: ntlm</c>); Basic would hand the password itself to whoever answers on the port, and a client that
/// skips checking a self-signed certificate (<c>winrm_insecure</c>) cannot tell who that is.
/// An HTTPS listener whose certificate is in the store, usable now and on the same port is kept; one with an expired or
/// missing certificate is rebound to a new one. Any failure undoes what this run added (certificate, listener or its
/// previous binding, firewall rule). Opt-in: not in the default configuration.
/// </summary>
public sealed class EnableWinRmHttpsTask() : BootTask(
    "enableWinRmHttps",
    FrequencyRule.Once,
    [AgentStage.PostReady, AgentStage.UserData],
    InputSchema.MapOf(
        new InputField("port", InputSchema.Number),
        new InputField("firewall", InputSchema.Flag),
        new InputField("validityDays", InputSchema.Number)),
    "WinRM over HTTPS: a self-signed certificate for the host name, a listener on port 5986 and a firewall rule")
{
    /// <summary>WinRM's HTTPS port.</summary>
    public const int DefaultPort = 5986;

    /// <summary>How long the certificate is valid by default (it is not renewed: the task runs once per instance).</summary>
    public const int DefaultValidityDays = 1825;

    /// <summary>The longest validity accepted.</summary>
    public const int MaxValidityDays = 3650;

    /// <summary>The store's friendly name for the certificates this task makes (an expired one of these is removed when replaced).</summary>
    public const string FriendlyName = "Reseal WinRM HTTPS";

    /// <summary>Where netsh is.</summary>
    public const string Netsh = @"%WINDIR%\System32\netsh.exe";

    /// <summary>What the console says once the listener is there (the thumbprint lets a client pin the self-signed certificate).</summary>
    public static string ConsoleLine(int port, string thumbprint) =>
        $"Message: WinRM HTTPS listener on port {port.ToString(CultureInfo.InvariantCulture)}, certificate thumbprint {thumbprint}";

    /// <summary>The firewall rule's name for a port (no blank, so netsh needs no quoting).</summary>
    public static string RuleName(int port) => "Reseal-WinRM-HTTPS-" + port.ToString(CultureInfo.InvariantCulture);

    /// <inheritdoc/>
    public override void Check(InputMap entry, TaskInputProblems problems)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(problems);
        if (entry.Fields.GetValueOrDefault("port") is InputInteger { Value: < 1 or > 65535 } port)
        {
            problems.Error(BootCodes.BadValue, port, $"'port' must be 1 to 65535, not {port.Value.ToString(CultureInfo.InvariantCulture)}");
        }

        if (entry.Fields.GetValueOrDefault("validityDays") is InputInteger { Value: < 1 or > MaxValidityDays } days)
        {
            problems.Error(BootCodes.BadValue, days, $"'validityDays' must be 1 to {MaxValidityDays}, not {days.Value.ToString(CultureInfo.InvariantCulture)}");
        }

        if (entry.Fields.GetValueOrDefault("port") is InputInteger { Value: 5985 } http)
        {
            problems.Warning(BootCodes.BadValue, http, "5985 is WinRM's HTTP port; an HTTPS listener there clashes with the HTTP listener Windows may already have");
        }
    }

    /// <summary>The inputs, checked again at run time (user data bypasses nothing, but a run must never trust its caller).</summary>
    internal static (int Port, bool Firewall, int ValidityDays, string? Problem) Settings(InputMap inputs)
    {
        var port = inputs.Fields.GetValueOrDefault("port") is InputInteger p ? p.Value : DefaultPort;
        var days = inputs.Fields.GetValueOrDefault("validityDays") is InputInteger d ? d.Value : DefaultValidityDays;
        var problem = port is < 1 or > 65535 ? $"port {port.ToString(CultureInfo.InvariantCulture)} is not 1 to 65535"
            : days is < 1 or > MaxValidityDays ? $"validityDays {days.ToString(CultureInfo.InvariantCulture)} is not 1 to {MaxValidityDays}"
            : null;
        return ((int)Math.Clamp(port, 0, 65535), inputs.Flag("firewall") ?? true, (int)Math.Clamp(days, 0, MaxValidityDays + 1), problem);
    }

    /// <inheritdoc/>
    public override async Task<TaskExecutionResult> RunAsync(BootTaskRun run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        var (port, firewall, validityDays, problem) = Settings(run.Inputs);
        if (problem is not null)
        {
            return TaskExecutionResult.Failed(problem);
        }

        var context = run.Context;
        var machine = context.Machine;
        var now = context.Time.GetUtcNow();
        var notes = new List<string>();

        if (machine.Services.Find("WinRM") is null)
        {
            return TaskExecutionResult.Failed("the WinRM service is not installed on this Windows");
        }

        try
        {
            if (machine.Services.Find("WinRM") is { StartMode: not ServiceStartMode.Automatic })
            {
                machine.Services.SetStartMode("WinRM", ServiceStartMode.Automatic);
            }

            if (machine.Services.Find("WinRM")?.State != ServiceRunState.Running)
            {
                await machine.Services.StartAsync("WinRM", TimeSpan.FromSeconds(60), cancellationToken).ConfigureAwait(false);
                notes.Add("WinRM service started");
            }
        }
        catch (Exception e) when (e is Win32Exception or InvalidOperationException or TimeoutException or PlatformNotSupportedException)
        {
            return TaskExecutionResult.Failed($"could not start the WinRM service: {e.Message}");
        }

        var query = await PowerShellAsync(ListenerQueryScript, run.FileName + "-query", context, cancellationToken).ConfigureAwait(false);
        if (query.Failure is { } queryFailure)
        {
            return TaskExecutionResult.Failed("could not read WinRM's listeners: " + queryFailure);
        }

        if (!WinRmListener.IsAnswer(query.Output))
        {
            // A PowerShell that ran nothing (a stub, a constrained host) must not read as "no listener there".
            return TaskExecutionResult.Failed($"could not read WinRM's listeners: PowerShell gave no answer ('{SetMonitorAlwaysOnTask.Brief(query.Output)}')");
        }

        var existing = WinRmListener.Parse(query.Output);
        IReadOnlyList<MachineCertificate> certificates;
        try
        {
            certificates = machine.Certificates.List();
        }
        catch (Exception e) when (e is CryptographicException or PlatformNotSupportedException or UnauthorizedAccessException)
        {
            return TaskExecutionResult.Failed($"could not read the LocalMachine\\My certificate store: {e.Message}");
        }

        var bound = existing is null ? null
            : certificates.FirstOrDefault(c => string.Equals(c.Thumbprint, existing.Thumbprint, StringComparison.OrdinalIgnoreCase));
        if (existing is not null && existing.Port == port && bound is not null && bound.UsableForServerAt(now))
        {
            var kept = await EnsureFirewallAsync(firewall, port, context, cancellationToken).ConfigureAwait(false);
            if (kept.Failure is { } ruleFailure)
            {
                return TaskExecutionResult.Failed(ruleFailure);
            }

            run.Console.WriteLine(ConsoleLine(port, bound.Thumbprint));
            return TaskExecutionResult.Done(string.Join("; ", [.. notes,
                $"the HTTPS listener on port {port} and its certificate {bound.Thumbprint} (valid until {bound.NotAfter:yyyy-MM-dd}) are kept", kept.Note]));
        }

        if (existing is not null)
        {
            notes.Add(existing.Port != port ? $"the HTTPS listener on port {existing.Port} is moved to {port}"
                : bound is null ? $"the HTTPS listener's certificate {existing.Thumbprint} is not in LocalMachine\\My: replaced"
                : $"the HTTPS listener's certificate {existing.Thumbprint} is not usable now (valid {bound.NotBefore:yyyy-MM-dd} to {bound.NotAfter:yyyy-MM-dd}, private key {(bound.HasPrivateKey ? "present" : "missing")}): replaced");
        }

        SelfSignedCertificateRequest request;
        try
        {
            var (commonName, names, addresses) = Names(context);
            request = SelfSignedCertificateRequest.Create(commonName, names, addresses, now, validityDays, FriendlyName);
        }
        catch (ArgumentException e)
        {
            return TaskExecutionResult.Failed("no certificate can be made for this machine's name: " + e.Message);
        }

        MachineCertificate made;
        try
        {
            made = machine.Certificates.CreateSelfSigned(request);
        }
        catch (Exception e) when (e is CryptographicException or PlatformNotSupportedException or UnauthorizedAccessException)
        {
            return TaskExecutionResult.Failed($"could not make the certificate for {request.CommonName}: {e.Message}");
        }

        (string Note, string? Failure) rule;
        try
        {
            var listener = await PowerShellAsync(ListenerScript(new WinRmListener(made.Thumbprint, port, request.CommonName)), run.FileName + "-listener", context, cancellationToken)
                .ConfigureAwait(false);
            if ((listener.Failure ?? (listener.Output.Contains("done", StringComparison.Ordinal) ? null : "PowerShell ran without finishing the script")) is { } listenerFailure)
            {
                // The script may have stopped half-way: the listener is put back as it was (or removed) before the certificate goes.
                var undone = await UndoAsync(bound is null ? null : existing, made, run, context).ConfigureAwait(false);
                return TaskExecutionResult.Failed($"could not set the HTTPS listener: {listenerFailure}; {undone}");
            }

            rule = await EnsureFirewallAsync(firewall, port, context, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopped mid-way (the service is stopping): nothing of this run is left bound to a certificate about to go.
            _ = await UndoAsync(bound is null ? null : existing, made, run, context).ConfigureAwait(false);
            throw;
        }

        if (rule.Failure is { } failure)
        {
            var undone = await UndoAsync(bound is null ? null : existing, made, run, context).ConfigureAwait(false);
            return TaskExecutionResult.Failed($"{failure}; {undone}");
        }

        if (bound is not null && bound.FriendlyName == FriendlyName && !bound.UsableForServerAt(now))
        {
            // Only a certificate this task made is removed: another one may serve something else too.
            try
            {
                _ = machine.Certificates.Remove(bound.Thumbprint);
                notes.Add($"the old certificate {bound.Thumbprint} was removed");
            }
            catch (CryptographicException e)
            {
                notes.Add($"the old certificate {bound.Thumbprint} could not be removed ({e.Message})");
            }
        }

        run.Console.WriteLine(ConsoleLine(port, made.Thumbprint));
        return TaskExecutionResult.Done(string.Join("; ", [.. notes,
            $"HTTPS listener on port {port} with a self-signed certificate for {string.Join(", ", [.. request.DnsNames, .. request.IPAddresses.Select(a => a.ToString())])} " +
            $"(thumbprint {made.Thumbprint}, valid until {made.NotAfter:yyyy-MM-dd}); Negotiate authentication only, unencrypted traffic not allowed", rule.Note]));
    }

    /// <summary>
    /// The certificate's names: the computer name it will have (a pending rename included) as CN; the running name, the
    /// FQDN from the primary DNS suffix and the cloud's host name as DNS names; the cloud's private IPv4 address.
    /// </summary>
    internal static (string CommonName, IReadOnlyList<string> DnsNames, IReadOnlyList<IPAddress> Addresses) Names(BootTaskContext context)
    {
        var system = context.Machine.System;
        var registry = context.Machine.Registry;
        var active = system.GetComputerName();
        var pending = system.GetPendingComputerName();
        var name = string.IsNullOrEmpty(pending) ? active : pending;
        var names = new List<string>();
        if (!string.IsNullOrEmpty(active))
        {
            names.Add(active);
        }

        var domain = (registry.GetString(RegistryHive.System, ComputerNames.TcpipKey, "NV Domain") ?? registry.GetString(RegistryHive.System, ComputerNames.TcpipKey, "Domain"))?.Trim().TrimEnd('.');
        if (!string.IsNullOrEmpty(domain))
        {
            names.Add(name + "." + domain);
        }

        if (context.Metadata?.HostName?.Trim().TrimEnd('.') is { Length: > 0 } host && SelfSignedCertificateRequest.DnsNameProblem(host) is null)
        {
            names.Add(host);
        }

        List<IPAddress> addresses = context.Metadata?.LocalIPv4 is { } ip && IPAddress.TryParse(ip, out var address) ? [address] : [];
        return (name ?? string.Empty, [.. names.Where(n => SelfSignedCertificateRequest.DnsNameProblem(n) is null)], addresses);
    }

    // previous: the listener to put back, or null to remove it — also when the old listener's certificate was already gone
    // from the store, since WinRM refuses a listener bound to a thumbprint the store does not have.
    private static async Task<string> UndoAsync(WinRmListener? previous, MachineCertificate made, BootTaskRun run, BootTaskContext context)
    {
        // Undo runs even when the run is being cancelled: a half-made listener must not stay bound to a deleted certificate.
        // The firewall rule is the last step, so no failure comes after it was added.
        var notes = new List<string>();
        var script = previous is null ? RemoveListenerScript : ListenerScript(previous);
        var listener = await PowerShellAsync(script, run.FileName + "-undo", context, CancellationToken.None).ConfigureAwait(false);
        notes.Add(listener.Failure is null
            ? (previous is null ? "the listener was removed" : "the listener was put back as it was")
            : $"the listener could not be put back ({listener.Failure})");
        try
        {
            _ = context.Machine.Certificates.Remove(made.Thumbprint);
            notes.Add($"certificate {made.Thumbprint} removed");
        }
        catch (Exception e) when (e is CryptographicException or PlatformNotSupportedException)
        {
            notes.Add($"certificate {made.Thumbprint} could not be removed ({e.Message})");
        }

        return "undone: " + string.Join(", ", notes);
    }

    // The firewall rule for the port: kept when there, added otherwise. Its name carries the port, so a rule for another
    // port is never changed (and never removed by an undo).
    private static async Task<(string Note, string? Failure)> EnsureFirewallAsync(bool firewall, int port, BootTaskContext context, CancellationToken cancellationToken)
    {
        if (!firewall)
        {
            return ("no firewall rule (firewall: false)", null);
        }

        var name = RuleName(port);
        if (await RuleExistsAsync(name, context, cancellationToken).ConfigureAwait(false))
        {
            return ($"firewall rule {name} already allows TCP {port} in", null);
        }

        var add = await NetshAsync(["advfirewall", "firewall", "add", "rule", "name=" + name, "dir=in", "action=allow", "protocol=TCP",
            "localport=" + port.ToString(CultureInfo.InvariantCulture), "profile=any"], context, cancellationToken).ConfigureAwait(false);
        if (!add.Succeeded)
        {
            var how = add.TimedOut ? "timed out" : $"exited {add.ExitCode.ToString(CultureInfo.InvariantCulture)}";
            return (string.Empty, $"netsh advfirewall firewall add rule name={name} {how}: {SetMonitorAlwaysOnTask.Brief(add.StandardOutput + " " + add.StandardError)}");
        }

        // Checked, not assumed: a netsh that answers 0 without doing anything (Wine's stub) must not pass for a rule.
        if (!await RuleExistsAsync(name, context, cancellationToken).ConfigureAwait(false))
        {
            return (string.Empty, $"netsh advfirewall firewall add rule name={name} exited 0 but the rule is not there afterwards");
        }

        return ($"firewall rule {name} added (TCP {port} in, every profile; the cloud's own firewall or security group must allow it too)", null);
    }

    // `show rule name=X` exits 1 with "No rules match the specified criteria." when there is none; a rule's listing
    // carries its name whatever the display language (the labels are translated, the name is not).
    private static async Task<bool> RuleExistsAsync(string name, BootTaskContext context, CancellationToken cancellationToken)
    {
        var show = await NetshAsync(["advfirewall", "firewall", "show", "rule", "name=" + name], context, cancellationToken).ConfigureAwait(false);
        return show.Succeeded && show.StandardOutput.Contains(name, StringComparison.OrdinalIgnoreCase);
    }

    private static async Task<ProcessOutcome> NetshAsync(IReadOnlyList<string> arguments, BootTaskContext context, CancellationToken cancellationToken)
    {
        try
        {
            return await context.Machine.Processes.RunAsync(new ProcessRequest(context.Machine.Files.Expand(Netsh), arguments, context.CommandTimeout), cancellationToken)
                .ConfigureAwait(false);
        }
        catch (Exception e) when (e is Win32Exception or IOException or PlatformNotSupportedException)
        {
            // netsh.exe missing or not startable: an outcome like any failed run, so the caller undoes and says why.
            return new ProcessOutcome(-1, string.Empty, e.Message, false, TimeSpan.Zero);
        }
    }

    /// <summary>Prints the HTTPS listener on every address as <c>listener|thumbprint|port|hostname</c>, or <c>none</c>.</summary>
    internal const string ListenerQueryScript = """
        $ErrorActionPreference = 'Stop'
        $found = @(Get-WSManInstance -ResourceURI winrm/config/Listener -Enumerate | Where-Object { $_.Transport -eq 'HTTPS' -and $_.Address -eq '*' })
        if ($found.Count -gt 0) { 'listener|' + $found[0].CertificateThumbprint + '|' + $found[0].Port + '|' + $found[0].Hostname } else { 'none' }
        """;

    /// <summary>Removes the HTTPS listener on every address.</summary>
    internal const string RemoveListenerScript = """
        $ErrorActionPreference = 'Stop'
        Remove-WSManInstance -ResourceURI winrm/config/Listener -SelectorSet @{Address='*';Transport='HTTPS'}
        """;

    /// <summary>Creates the HTTPS listener on every address, or changes the one there, with these values.</summary>
    internal static string ListenerScript(WinRmListener listener)
    {
        ArgumentNullException.ThrowIfNull(listener);
        return string.Join("\r\n",
            "$ErrorActionPreference = 'Stop'",
            "$selector = @{Address='*';Transport='HTTPS'}",
            $"$values = @{{Hostname={SystemTasks.Quote(listener.HostName)};CertificateThumbprint={SystemTasks.Quote(listener.Thumbprint)};Port={SystemTasks.Quote(listener.Port.ToString(CultureInfo.InvariantCulture))}}}",
            "$found = @(Get-WSManInstance -ResourceURI winrm/config/Listener -Enumerate | Where-Object { $_.Transport -eq 'HTTPS' -and $_.Address -eq '*' })",
            "if ($found.Count -gt 0) { Set-WSManInstance -ResourceURI winrm/config/Listener -SelectorSet $selector -ValueSet $values | Out-Null }",
            "else { New-WSManInstance -ResourceURI winrm/config/Listener -SelectorSet $selector -ValueSet $values | Out-Null }",
            "'done'") + "\r\n";
    }

    // Runs PowerShell text as the agent runs any script (a file, -EncodedCommand; docs/windows-behaviour.md "PowerShell and
    // execution policy") and keeps its output, which the task reads. Nothing secret is in these scripts.
    private static async Task<(string Output, string? Failure)> PowerShellAsync(string text, string name, BootTaskContext context, CancellationToken cancellationToken)
    {
        var files = context.Machine.Files;
        var path = $@"{context.ScriptDirectory}\{name}.ps1";
        var item = new UserData.ScriptItem(UserData.ScriptLanguage.PowerShell, text, UserData.RunAs.LocalSystem, TaskFrequency.Once, false, [],
            UserData.ExitCodeConvention.Ec2Launch, null, name);
        try
        {
            files.WriteAllBytes(path, [.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(text)]);
            var script = ScriptTasks.ScriptRequest(item, files.Expand(path), context);
            var request = new ProcessRequest(script.FileName, script.Arguments, context.CommandTimeout);
            var outcome = await context.Machine.Processes.RunAsync(request, cancellationToken).ConfigureAwait(false);
            return outcome.Succeeded
                ? (outcome.StandardOutput, null)
                : (outcome.StandardOutput, (outcome.TimedOut ? "PowerShell timed out" : $"PowerShell exited {outcome.ExitCode.ToString(CultureInfo.InvariantCulture)}")
                    + ": " + SetMonitorAlwaysOnTask.Brief(outcome.StandardError + " " + outcome.StandardOutput));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or PlatformNotSupportedException or Win32Exception)
        {
            return (string.Empty, e.Message);
        }
        finally
        {
            try
            {
                _ = files.DeleteFile(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or PlatformNotSupportedException)
            {
                // A leftover script holds only the listener's host name and thumbprint.
            }
        }
    }
}

/// <summary>WinRM's HTTPS listener on every address, as the task reads and writes it.</summary>
/// <param name="Thumbprint">The certificate's thumbprint.</param>
/// <param name="Port">The port.</param>
/// <param name="HostName">The host name it answers for (the certificate's CN).</param>
internal sealed record WinRmListener(string Thumbprint, int Port, string HostName)
{
    /// <summary>True when <paramref name="output"/> is an answer of the query script (a listener line or <c>none</c>).</summary>
    public static bool IsAnswer(string output)
    {
        ArgumentNullException.ThrowIfNull(output);
        return output.Split('\n', StringSplitOptions.TrimEntries).Any(l => l == "none" || l.StartsWith("listener|", StringComparison.Ordinal));
    }

    /// <summary>What <see cref="EnableWinRmHttpsTask.ListenerQueryScript"/> printed: a listener, or null for none (or nothing readable).</summary>
    public static WinRmListener? Parse(string output)
    {
        ArgumentNullException.ThrowIfNull(output);
        foreach (var line in output.Split('\n', StringSplitOptions.TrimEntries))
        {
            var parts = line.Split('|');
            if (parts is ["listener", var thumbprint, var port, var host] && int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
            {
                return new WinRmListener(thumbprint.Trim(), number, host.Trim());
            }
        }

        return null;
    }
}
