namespace Reseal.Images;

/// <summary>
/// The waits between polls: <see cref="ImageSettings.FirstPoll"/>, then each one <see cref="ImageSettings.PollGrowth"/>
/// times the last, never more than <see cref="ImageSettings.MaxPoll"/> and never past the deadline.
/// </summary>
internal sealed class PollSchedule
{
    private readonly ImageSettings _settings;
    private TimeSpan _next;

    public PollSchedule(ImageSettings settings)
    {
        _settings = settings;
        _next = settings.FirstPoll;
    }

    /// <summary>The next wait, capped so it ends by <paramref name="remaining"/>.</summary>
    public TimeSpan Next(TimeSpan remaining)
    {
        var wait = _next;
        _next = TimeSpan.FromTicks(Math.Min(_settings.MaxPoll.Ticks, (long)(_next.Ticks * _settings.PollGrowth)));
        if (_next <= TimeSpan.Zero)
        {
            _next = _settings.MaxPoll;
        }

        return remaining < wait ? (remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero) : wait;
    }

    /// <summary>Waits the next interval (or less, to end at the deadline).</summary>
    public Task WaitAsync(TimeSpan remaining, CancellationToken cancellationToken) =>
        Task.Delay(Next(remaining), _settings.Time, cancellationToken);
}
