namespace Reseal.TestSupport;

/// <summary>
/// A clock tests set and move by hand (never moved, it is a fixed clock). Thread-safe, because runners read it from
/// parallel tasks. Timers still run on real time.
/// </summary>
public sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private readonly Lock _gate = new();
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow()
    {
        lock (_gate)
        {
            return _now;
        }
    }

    public void Advance(TimeSpan by)
    {
        lock (_gate)
        {
            _now += by;
        }
    }
}
