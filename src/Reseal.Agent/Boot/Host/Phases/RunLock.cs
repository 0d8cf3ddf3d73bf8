namespace Reseal.Agent.Boot.Host.Phases;

/// <summary>One agent run at a time: the lock file in the state folder, held open without sharing and deleted on close.</summary>
internal static class RunLock
{
    /// <summary>
    /// Takes the lock, waiting up to <paramref name="wait"/> for another run to release it; throws <see cref="IOException"/>
    /// naming the file when it does not.
    /// </summary>
    public static async Task<FileStream> AcquireAsync(AgentPaths paths, TimeSpan wait, TimeProvider time, CancellationToken cancellationToken)
    {
        var deadline = time.GetUtcNow() + wait;
        while (true)
        {
            try
            {
                return new FileStream(paths.LockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
            }
            catch (IOException) when (time.GetUtcNow() < deadline)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), time, cancellationToken).ConfigureAwait(false);
            }
            catch (IOException e)
            {
                throw new IOException($"another agent run holds {paths.LockFile} (waited {wait.TotalMinutes:0} minutes)", e);
            }
        }
    }
}
