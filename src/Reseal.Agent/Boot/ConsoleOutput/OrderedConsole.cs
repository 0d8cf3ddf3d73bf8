namespace Reseal.Agent.Boot.ConsoleOutput;

/// <summary>A console line before it is written: its text, and whether it gets the timestamp prefix (the base64 and
/// <c>&lt;/Password&gt;</c> lines of a password block do not).</summary>
public readonly record struct ConsoleEntry(string Text, bool Stamped = true);

/// <summary>
/// Keeps console output deterministic when tasks run in parallel. The rule: tasks of a parallel group own numbered
/// slots in file order; a slot's lines are released only once every earlier slot has finished, so the console shows
/// each task's lines together, in configuration order, whatever order the tasks finished in. Lines are stamped when
/// they are released (the console stays monotonic); true timings are in the JSON summary.
/// </summary>
/// <remarks>Thread-safe: tasks add lines from their own threads. Released lines go to the writer while the buffer's lock
/// is held, so two threads finishing at once cannot interleave their releases.</remarks>
public sealed class OrderedConsole
{
    private readonly Lock _gate = new();
    private readonly List<ConsoleEntry>[] _pending;
    private readonly bool[] _finished;
    private readonly Action<ConsoleEntry> _write;
    private int _next;

    /// <summary>A buffer for <paramref name="slots"/> tasks that releases lines to <paramref name="write"/>.</summary>
    public OrderedConsole(int slots, Action<ConsoleEntry> write)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(slots);
        ArgumentNullException.ThrowIfNull(write);
        _write = write;
        _pending = [.. Enumerable.Range(0, slots).Select(_ => new List<ConsoleEntry>())];
        _finished = new bool[slots];
    }

    /// <summary>Queues a line (text without prefix, to be stamped) for slot <paramref name="slot"/>.</summary>
    public void Add(int slot, string text) => Add(slot, new ConsoleEntry(text));

    /// <summary>
    /// Queues an entry for slot <paramref name="slot"/>. Control characters in its text (CR, LF and the rest) become
    /// spaces: task output is one console line per entry and cannot forge a <c>Password:</c> or ready line.
    /// </summary>
    public void Add(int slot, ConsoleEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry.Text);
        entry = entry with { Text = ConsoleLines.OneLine(entry.Text) };
        lock (_gate)
        {
            if (_finished[slot])
            {
                throw new InvalidOperationException($"slot {slot} has already finished");
            }

            _pending[slot].Add(entry);
        }
    }

    /// <summary>
    /// Marks slot <paramref name="slot"/> finished and writes the lines that may now be written, in order (none while an
    /// earlier slot is still running). Returns how many lines were written.
    /// </summary>
    public int Finish(int slot)
    {
        lock (_gate)
        {
            _finished[slot] = true;
            var released = 0;
            while (_next < _finished.Length && _finished[_next])
            {
                foreach (var line in _pending[_next])
                {
                    _write(line);
                    released++;
                }

                _pending[_next].Clear();
                _next++;
            }

            return released;
        }
    }

    /// <summary>True when every slot has finished and been released.</summary>
    public bool IsDrained
    {
        get
        {
            lock (_gate)
            {
                return _next == _finished.Length;
            }
        }
    }
}
