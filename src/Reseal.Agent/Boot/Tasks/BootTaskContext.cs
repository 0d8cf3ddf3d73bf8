using Reseal.Cloud.Metadata;
using Reseal.Windows.Ports;

namespace Reseal.Agent.Boot.Tasks;

/// <summary>Posts an encrypted password back to the cloud (OpenStack's <c>/openstack/2013-04-04/password</c>).</summary>
public interface IPasswordPostBack
{
    /// <summary>Where it posts, for messages.</summary>
    string Endpoint { get; }

    /// <summary>True when the service already holds a password for this instance (Nova keeps the first one posted).</summary>
    Task<bool> HoldsPasswordAsync(CancellationToken cancellationToken);

    /// <summary>Posts the base64 ciphertext; returns whether the service stored it or already held one.</summary>
    Task<PasswordPostResult> PostAsync(string encryptedPasswordBase64, CancellationToken cancellationToken);
}

/// <summary>Everything the boot tasks work with: the machine, what the cloud said, time, and where files go.</summary>
public sealed record BootTaskContext
{
    /// <summary>The machine the tasks change.</summary>
    public required IWindowsMachine Machine { get; init; }

    /// <summary>The instance's metadata, or null when no source answered.</summary>
    public InstanceMetadata? Metadata { get; init; }

    /// <summary>Where a random password is posted back, when the cloud takes one (OpenStack), else null.</summary>
    public IPasswordPostBack? PasswordPostBack { get; init; }

    /// <summary>The clock.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>The folder (Windows path) scripts are written to before they run; each is deleted after its run.</summary>
    public string ScriptDirectory { get; init; } = @"%ProgramData%\Reseal\scripts";

    /// <summary>The folder (Windows path) for script output logs.</summary>
    public string LogDirectory { get; init; } = @"%ProgramData%\Reseal\log";

    /// <summary>How long a script or program may run before its process tree is killed.</summary>
    public TimeSpan ScriptTimeout { get; init; } = TimeSpan.FromHours(1);

    /// <summary>How long a system command (activation, disks, services) may run.</summary>
    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The agent-config.yml this run follows (host path), or null when it runs the built-in default. A specified (static)
    /// administrator password is removed from it once used.
    /// </summary>
    public string? ConfigFile { get; init; }

    /// <summary>Fetches <c>*-script-url</c> scripts (the metadata provider of this run, when it can), or null.</summary>
    public IScriptDownloader? ScriptDownloader { get; init; }

    /// <summary>The command line that runs Reseal itself (for the <c>sysprep</c> user-data task).</summary>
    public string ResealExecutable { get; init; } = Reseal.Windows.Layout.SealPaths.ResealExe;

    /// <summary>
    /// Asks whether the metadata source still answers, after <c>setNetwork</c> changed the interfaces: null when it does,
    /// else why not (the changes are then rolled back). Null when there is nothing to ask (a config drive or NoCloud seed
    /// is a local disk, which no network change can take away).
    /// </summary>
    public Func<CancellationToken, Task<string?>>? VerifyMetadata { get; init; }

    /// <summary>
    /// The region: the availability zone without its trailing letter (<c>us-east-1a</c> → <c>us-east-1</c>), else the
    /// zone as given, else null.
    /// </summary>
    public string? Region => Metadata?.Zone is { Length: > 1 } zone
        ? (char.IsAsciiLetterLower(zone[^1]) && char.IsAsciiDigit(zone[^2]) ? zone[..^1] : zone)
        : null;
}
