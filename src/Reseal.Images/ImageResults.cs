namespace Reseal.Images;

/// <summary>How <c>image create</c> ended.</summary>
public enum CreateOutcome
{
    /// <summary>The image is available (EC2) or active (OpenStack, Huawei).</summary>
    Available,

    /// <summary>The cloud accepted the request and <c>--no-wait</c> was given.</summary>
    Started,

    /// <summary>The image failed; <see cref="CreateImageResult.Reason"/> says why.</summary>
    Failed,

    /// <summary><c>--timeout</c> ended the wait; the image was left as it was.</summary>
    TimedOut,
}

/// <summary>The result of <c>image create</c>.</summary>
/// <param name="ImageId">The new image, or null when a Huawei job failed before naming one.</param>
/// <param name="State">The image's last state, in the cloud's words.</param>
/// <param name="SnapshotIds">EC2: the image's snapshots.</param>
/// <param name="Seconds">From the start of the command to the end.</param>
/// <param name="Outcome">How it ended.</param>
/// <param name="Reason">Why it failed or what the timeout left behind.</param>
/// <param name="JobId">Huawei: the IMS job.</param>
public sealed record CreateImageResult(
    string? ImageId,
    string State,
    IReadOnlyList<string> SnapshotIds,
    double Seconds,
    CreateOutcome Outcome,
    string? Reason,
    string? JobId = null);

/// <summary>Seconds from launch to each milestone of a clone's first boot; null when not reached.</summary>
/// <param name="Running">The cloud reports the instance running.</param>
/// <param name="SysprepComplete">The console shows <c>Windows sysprep configuration complete.</c></param>
/// <param name="PasswordAvailable">The cloud's password API returns the encrypted password.</param>
/// <param name="WindowsReady">The console shows <c>Message: Windows is Ready to use</c>.</param>
public sealed record VerifyTimeline(double? Running, double? SysprepComplete, double? PasswordAvailable, double? WindowsReady);

/// <summary>How <c>image verify</c> ended.</summary>
public enum VerifyOutcome
{
    /// <summary>Ready, and the password decrypted with the key.</summary>
    Ready,

    /// <summary>The clone did not become ready (it failed, stopped, or the time ran out).</summary>
    NotReady,

    /// <summary>The password is there but the key does not decrypt it.</summary>
    KeyMismatch,

    /// <summary>Ctrl-C ended the wait.</summary>
    Cancelled,
}

/// <summary>The result of <c>image verify</c>.</summary>
/// <param name="InstanceId">The clone, or null when the launch itself failed.</param>
/// <param name="ImageId">The image verified.</param>
/// <param name="Outcome">How it ended.</param>
/// <param name="Ready">The console said <c>Windows is Ready to use</c>.</param>
/// <param name="PasswordDecrypted">The password API's value decrypted with the key.</param>
/// <param name="Password">The decrypted password (only shown with <c>--show-password</c>).</param>
/// <param name="Terminated">The clone was terminated (false with <c>--keep</c> or when termination failed).</param>
/// <param name="Timeline">Seconds from launch to each milestone.</param>
/// <param name="ConsoleTail">The last lines of the console.</param>
/// <param name="Reason">When not ready: what went wrong; null when ready.</param>
/// <param name="Explanation">What the console shows and what it means.</param>
/// <param name="TerminateError">Why terminating the clone failed, when it did.</param>
public sealed record VerifyImageResult(
    string? InstanceId,
    string ImageId,
    VerifyOutcome Outcome,
    bool Ready,
    bool PasswordDecrypted,
    Reseal.Cloud.Passwords.ClearTextPassword? Password,
    bool Terminated,
    VerifyTimeline Timeline,
    IReadOnlyList<string> ConsoleTail,
    string? Reason,
    string? Explanation,
    string? TerminateError = null);
