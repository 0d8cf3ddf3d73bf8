namespace Reseal.Windows.Ports;

/// <summary>A program to run: its path, arguments (each passed as one argument), a time limit, and where.</summary>
public sealed record ProcessRequest
{
    /// <summary>Creates a request.</summary>
    public ProcessRequest(string fileName, IReadOnlyList<string>? arguments = null, TimeSpan? timeout = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(fileName);
        FileName = fileName;
        Arguments = arguments ?? [];
        Timeout = timeout ?? TimeSpan.FromMinutes(10);
        if (Timeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "timeout must be positive");
        }
    }

    /// <summary>The program.</summary>
    public string FileName { get; }

    /// <summary>Arguments, each quoted as needed.</summary>
    public IReadOnlyList<string> Arguments { get; }

    /// <summary>How long to wait before the process tree is killed.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>Working directory; null means the runner's.</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>Extra environment variables.</summary>
    public IReadOnlyDictionary<string, string>? Environment { get; init; }

    /// <summary>Text written to standard input, which is then closed.</summary>
    public string? StandardInput { get; init; }
}

/// <summary>How a process ended.</summary>
public sealed record ProcessOutcome(int ExitCode, string StandardOutput, string StandardError, bool TimedOut, TimeSpan Elapsed)
{
    /// <summary>True when the process ran to its end with exit code 0.</summary>
    public bool Succeeded => !TimedOut && ExitCode == 0;
}

/// <summary>Runs programs on the machine.</summary>
public interface IProcessRunner
{
    /// <summary>Runs a program to its end (or its time limit) and captures its output.</summary>
    Task<ProcessOutcome> RunAsync(ProcessRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// Starts a program and does not wait for it (EC2Launch's <c>detach: true</c>): its output is not captured and its
    /// time limit does not apply. Returns its process id.
    /// </summary>
    int StartDetached(ProcessRequest request);

    /// <summary>
    /// The ids of the running processes started from a program with this file name (<c>sysprep.exe</c>), matched
    /// case-insensitively, in ascending order. Needs a running Windows.
    /// </summary>
    IReadOnlyList<int> FindRunning(string programFileName);

    /// <summary>
    /// Whether this process runs with an administrator's full token (elevated, or as SYSTEM); null when it cannot tell
    /// (an offline tree has no process of its own).
    /// </summary>
    bool? IsElevated { get; }
}
