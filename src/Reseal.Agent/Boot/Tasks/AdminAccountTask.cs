using System.ComponentModel;
using Reseal.Agent.Boot.Config;
using Reseal.Agent.Boot.ConsoleOutput;
using Reseal.Agent.Boot.Runner;
using Reseal.Cloud;
using Reseal.Cloud.Keys;
using Reseal.Cloud.Metadata;
using Reseal.Cloud.Passwords;
using Reseal.Windows.Ports;

namespace Reseal.Agent.Boot.Tasks;

/// <summary>
/// <c>setAdminAccount</c>: the built-in administrator (RID 500, whatever its name) gets the configured name and password.
/// A random password is set first and only then encrypted to the launch key (RSA PKCS#1 v1.5, what
/// <c>aws ec2 get-password-data</c>, Packer and Nova clients decrypt) and printed as the console's
/// <c>Password: &lt;Password&gt;…&lt;/Password&gt;</c> block, and on OpenStack posted back: a password is never published
/// unless the account has it. Nothing here ever prints or logs the clear text.
/// </summary>
public sealed class AdminAccountTask() : BootTask(
    "setAdminAccount",
    FrequencyRule.Once,
    [AgentStage.PreReady],
    InputSchema.MapOf(
        new InputField("name", InputSchema.TextUpTo(20)),
        new InputField("password", InputSchema.MapOf(
            new InputField("type", InputSchema.OneOf("static", "random", "doNothing"), Required: true),
            new InputField("data", InputSchema.Text)))),
    "name the administrator account and set its password (random: encrypted to the launch key, printed on the console)")
{
    /// <summary>The built-in administrator's relative id.</summary>
    public const uint AdministratorRid = WellKnownRids.Administrator;

    /// <summary>Characters a Windows user name cannot contain.</summary>
    private const string ForbiddenNameCharacters = "\"/\\[]:;|=,+*?<>@";

    /// <summary>A second run would set and print a second password.</summary>
    public override bool MustNotRepeat => true;

    /// <summary>Its exceptions may carry the password.</summary>
    public override bool HandlesSecrets => true;

    /// <inheritdoc/>
    public override void Check(InputMap entry, TaskInputProblems problems)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(problems);
        if (entry.Map("password") is not { } password)
        {
            return;
        }

        var type = password.Text("type");
        if (type == "static" && password.Text("data") is null)
        {
            problems.Error(BootCodes.MissingInput, password, "'inputs.password' with type static needs 'data'");
        }
        else if (type == "static")
        {
            problems.Warning(BootCodes.ClearTextPassword, password.Fields["data"],
                "a static password is stored in clear text and is the same on every clone; prefer type random");
        }
        else if (password.Fields.TryGetValue("data", out var ignored))
        {
            problems.Warning(BootCodes.BadValue, ignored, $"'data' is ignored with password type {type}");
        }
    }

    /// <inheritdoc/>
    public override Task<TaskExecutionResult> RunAsync(BootTaskRun run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        return RunAsync(run.Inputs, run.Context, run.Console, cancellationToken);
    }

    /// <summary>Runs the task with its config inputs.</summary>
    public static async Task<TaskExecutionResult> RunAsync(InputMap inputs, BootTaskContext context, ITaskConsole console, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(console);
        var accounts = context.Machine.Accounts;
        LocalAccount? admin;
        try
        {
            // By SID (the account domain's plus RID 500), never by the name "Administrator".
            admin = accounts.FindByRid(AdministratorRid);
        }
        catch (Exception e) when (e is Win32Exception or PlatformNotSupportedException or InvalidOperationException)
        {
            return TaskExecutionResult.Failed($"could not find the built-in administrator (RID 500): {e.Message}");
        }

        if (admin is null)
        {
            return TaskExecutionResult.Failed("the machine has no built-in administrator account (RID 500)");
        }

        var name = admin.Name;
        if (inputs.Text("name") is { } wanted && !wanted.Equals(admin.Name, StringComparison.Ordinal))
        {
            if (NameProblem(wanted) is { } problem)
            {
                console.WriteLine(ConsoleLines.InvalidAdministratorUserName(wanted));
                return TaskExecutionResult.Failed($"invalid administrator name: {problem}");
            }

            try
            {
                accounts.Rename(admin.Name, wanted);
            }
            catch (Exception e) when (e is Win32Exception or PlatformNotSupportedException or InvalidOperationException)
            {
                return TaskExecutionResult.Failed($"could not rename {admin.Name} to {wanted}: {e.Message}");
            }

            name = wanted;
        }

        var password = inputs.Map("password");
        var type = password?.Text("type") ?? "random";
        switch (type)
        {
            case "doNothing":
                console.WriteLine(ConsoleLines.UserName(name));
                return new TaskExecutionResult(ExitAction.Completed, null, "password left as it is (doNothing)");
            case "static" when StaticProblem(name, password?.Text("data")) is { } problem:
                // As EC2Launch does with an invalid Specify password: say so and fall back to a random one, rather than
                // leave the account with the password specialize scrambled, which nobody knows.
                console.WriteLine(ConsoleLines.InvalidAdministratorPassword);
                var random = await SetRandomAsync(name, context, console, cancellationToken).ConfigureAwait(false);
                return random with { Message = $"the static password was not used ({problem}); " + (random.Message ?? "a random one was set and published") + ForgetStatic(random, context, password?.Text("data")) };
            case "static":
                var result = SetStatic(name, password!.Text("data")!, context, console, out var policyRefusal);
                if (policyRefusal is null)
                {
                    return result with { Message = result.Message + ForgetStatic(result, context, password.Text("data")) };
                }

                // The machine's password policy (minimum length, complexity, history) refused it: as with a password that
                // fails the complexity check above, a random one is set and published instead.
                console.WriteLine(ConsoleLines.InvalidAdministratorPassword);
                var fallback = await SetRandomAsync(name, context, console, cancellationToken).ConfigureAwait(false);
                return fallback with { Message = $"the static password was refused by the password policy ({policyRefusal}); " + (fallback.Message ?? "a random one was set and published") + ForgetStatic(fallback, context, password.Text("data")) };
            default:
                return await SetRandomAsync(name, context, console, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Removes a static password from the agent-config.yml the run follows once the task has used it (set, or refused and
    /// replaced by a random one), as EC2Launch v1 removes its <c>adminPassword</c>: the clear text must not stay on disk.
    /// The task becomes <c>type: doNothing</c> (a later run must not reset the password the user gave). Only a password
    /// that came from that file is removed (one from user data is not the file's), and only when the task completed (a
    /// failed one runs again at the next boot and needs it). Returns a note for the task's message; a failure to rewrite
    /// is said there, not failed: the password is set.
    /// </summary>
    internal static string ForgetStatic(TaskExecutionResult outcome, BootTaskContext context, string? used)
    {
        // Only once a password is set: a failed task runs again at the next boot and must still find the one the user gave.
        if (outcome.Action != ExitAction.Completed || outcome.NotApplicable || context.ConfigFile is not { } path || string.IsNullOrEmpty(used))
        {
            return "";
        }

        try
        {
            var read = AgentConfigReader.ReadFile(path);
            if (read.Config is not { } config || !read.IsValid)
            {
                return $"; the static password was NOT removed from {path}: it no longer validates";
            }

            var fromFile = config.Stages.SelectMany(s => s.Tasks).Where(t => t.Name == "setAdminAccount")
                .Any(t => t.Entries.Any(e => e.Map("password") is { } p && p.Text("type") == "static" && p.Text("data") == used));
            if (!fromFile)
            {
                return "";
            }

            var forgotten = AgentConfigWriter.WithInputs(config, "setAdminAccount", inputs => inputs is InputMap map
                ? AgentConfigWriter.Map([.. map.Fields.Where(f => f.Key != "password").Select(f => (f.Key, f.Value)),
                    ("password", AgentConfigWriter.Map(("type", AgentConfigWriter.Text("doNothing"))))])
                : inputs);
            AtomicFile.WriteText(path, AgentConfigWriter.Write(forgotten));
            return $"; the static password was removed from {path} (password type is now doNothing)";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"; the static password could NOT be removed from {path}: {e.Message}";
        }
    }

    /// <summary>Why <paramref name="name"/> cannot be a Windows user name, or null: 1–20 characters, none of <c>"/\[]:;|=,+*?&lt;&gt;@</c>, not only dots and spaces.</summary>
    public static string? NameProblem(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length is 0 or > 20)
        {
            return $"'{ConsoleLines.OneLine(name)}' has {name.Length} characters; a user name has 1 to 20";
        }

        if (name.FirstOrDefault(c => ForbiddenNameCharacters.Contains(c, StringComparison.Ordinal) || char.IsControl(c)) is var bad and not '\0')
        {
            return char.IsControl(bad) ? "it contains a control character" : $"it contains '{bad}'";
        }

        return name.All(c => c is '.' or ' ') ? "it is only dots and spaces" : null;
    }

    private static string? StaticProblem(string name, string? data) =>
        string.IsNullOrEmpty(data) ? "password type static needs 'data'"
            : data.Length > ClearTextPassword.MaximumLength ? $"it is longer than {ClearTextPassword.MaximumLength} characters"
            : PasswordComplexity.Check(ClearTextPassword.FromString(data), name) is { Passes: false, Problem: var problem }
                ? $"it does not meet Windows complexity rules: {problem}" : null;

    private static TaskExecutionResult SetStatic(string name, string data, BootTaskContext context, ITaskConsole console, out string? policyRefusal)
    {
        policyRefusal = null;
        var password = ClearTextPassword.FromString(data);
        try
        {
            context.Machine.Accounts.SetPassword(name, password.Reveal());
        }
        catch (NetApiException e) when (e.IsPasswordPolicyFailure)
        {
            policyRefusal = e.Message;
            return TaskExecutionResult.Failed(e.Message);
        }
        catch (Exception e) when (e is Win32Exception or PlatformNotSupportedException or KeyNotFoundException or InvalidOperationException or IOException
            or UnauthorizedAccessException)
        {
            return TaskExecutionResult.Failed($"could not set the password of {name}: {e.Message}");
        }

        if (EnableIfDisabled(context.Machine, name) is { } failure)
        {
            return failure;
        }

        console.WriteLine(ConsoleLines.UserName(name));
        return new TaskExecutionResult(ExitAction.Completed, null, "static password set (not published)");
    }

    private static async Task<TaskExecutionResult> SetRandomAsync(string name, BootTaskContext context, ITaskConsole console, CancellationToken cancellationToken)
    {
        RsaPublicKey key;
        try
        {
            key = RsaPublicKey.SelectLaunchKey(context.Metadata?.PublicKeys ?? []);
        }
        catch (CloudException e)
        {
            // EC2Launch v1 logs this and still declares the machine ready; the account keeps the password specialize gave it.
            console.WriteLine(ConsoleLines.UnableToSendPassword(context.Metadata is null ? "no instance metadata" : e.Message));
            return new TaskExecutionResult(ExitAction.Completed, null, "no usable launch key: the password was not changed");
        }

        if (context.PasswordPostBack is { } holder)
        {
            try
            {
                if (await holder.HoldsPasswordAsync(cancellationToken).ConfigureAwait(false))
                {
                    // Nova keeps the first password posted: a new one would be one nobody can retrieve.
                    return TaskExecutionResult.Done($"{holder.Endpoint} already holds a password for this instance: the password was not changed " +
                        "(clear it with 'nova clear-password' and reset the agent to publish a new one)");
                }
            }
            catch (CloudException)
            {
                // Cannot tell: go on; the post below reports what the service holds.
            }
        }

        var password = PasswordGenerator.Generate(PasswordPolicy.Default, name);
        if (SetPassword(context.Machine, name, password) is { } failure)
        {
            return failure;
        }

        string ciphertext;
        try
        {
            ciphertext = PasswordCipher.EncryptToBase64(key, password, PasswordPadding.Pkcs1);
        }
        catch (CloudException e)
        {
            // The account has a password nobody can learn: safe (locked), and said plainly.
            return TaskExecutionResult.Failed($"the password was set but could not be encrypted to the launch key: {e.Message}");
        }

        console.WritePasswordBlock(name, ciphertext);
        if (context.PasswordPostBack is { } postBack)
        {
            try
            {
                var posted = await postBack.PostAsync(ciphertext, cancellationToken).ConfigureAwait(false);
                if (posted == PasswordPostResult.AlreadySet)
                {
                    return TaskExecutionResult.Done(
                        $"password set and printed; {postBack.Endpoint} already holds an older password (clear it with 'nova clear-password' to publish this one)");
                }
            }
            catch (CloudException e)
            {
                // Not a failure to retry: the password is set and printed, and running the task again would set another.
                return TaskExecutionResult.Done($"password set and printed on the console, but posting it to {postBack.Endpoint} failed: {e.Message}");
            }

            return new TaskExecutionResult(ExitAction.Completed, null, $"password set, printed and posted to {postBack.Endpoint}");
        }

        return TaskExecutionResult.Succeeded;
    }

    private static TaskExecutionResult? SetPassword(IWindowsMachine machine, string name, ClearTextPassword password)
    {
        try
        {
            machine.Accounts.SetPassword(name, password.Reveal());
        }
        catch (Exception e) when (e is Win32Exception or PlatformNotSupportedException or KeyNotFoundException or InvalidOperationException or IOException
            or UnauthorizedAccessException)
        {
            // The exception text never holds the password (the ports name the account only).
            return TaskExecutionResult.Failed($"could not set the password of {name}: {e.Message}");
        }

        return EnableIfDisabled(machine, name);
    }

    private static TaskExecutionResult? EnableIfDisabled(IWindowsMachine machine, string name)
    {
        try
        {
            if (machine.Accounts.FindAccount(name) is { Disabled: true })
            {
                machine.Accounts.SetEnabled(name, true);
            }

            return null;
        }
        catch (Exception e) when (e is Win32Exception or PlatformNotSupportedException or KeyNotFoundException or InvalidOperationException or IOException
            or UnauthorizedAccessException)
        {
            return TaskExecutionResult.Failed($"the password of {name} was set, but the account could not be enabled: {e.Message}");
        }
    }
}
