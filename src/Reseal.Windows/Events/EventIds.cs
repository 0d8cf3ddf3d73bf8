namespace Reseal.Windows.Events;

/// <summary>
/// Reseal's event IDs, shaped like EC2Launch v2's: one stage digit, two task digits, one level digit, so that an ID says
/// where and how bad at a glance and <c>5000</c> is "Windows is Ready to use" (stage 5, task 00, information).
/// <code>
/// id = stage × 1000 + task × 10 + level      stage 0–9, task 0–99, level 0 information / 1 warning / 2 error
/// </code>
/// Stages: 0 the agent and its service (start, stop, configuration), 1 boot, 2 network, 3 preReady, 5 "Windows is
/// ready", 6 postReady local data, 7 postReady user data, 8 seal; 4 and 9 are reserved. Tasks are numbered by the agent
/// within a stage (00 is the stage itself: started, finished). For example 3121 = preReady, task 12, warning. The
/// numbers follow EC2Launch v2's layout but not its task numbering, which is internal to that agent. Every ID fits the
/// 16-bit event ID Event Viewer shows, and the installer's message file maps every ID to the message text itself.
/// </summary>
public static class EventIds
{
    /// <summary>Stage 0: the agent and its Windows service.</summary>
    public const int StageService = 0;

    /// <summary>Stage 1: boot.</summary>
    public const int StageBoot = 1;

    /// <summary>Stage 2: network.</summary>
    public const int StageNetwork = 2;

    /// <summary>Stage 3: preReady.</summary>
    public const int StagePreReady = 3;

    /// <summary>Stage 5: the "Windows is Ready to use" milestone.</summary>
    public const int StageReady = 5;

    /// <summary>Stage 6: postReady tasks from local data (agent-config.yml).</summary>
    public const int StagePostReadyLocalData = 6;

    /// <summary>Stage 7: postReady user data.</summary>
    public const int StagePostReadyUserData = 7;

    /// <summary>Stage 8: sealing (reseal seal).</summary>
    public const int StageSeal = 8;

    /// <summary>5000: "Windows is Ready to use".</summary>
    public const int WindowsIsReady = 5000;

    /// <summary>The largest ID an event can have.</summary>
    public const int MaxEventId = 0xFFFF;

    /// <summary>The ID for a stage (0–9), a task within it (0–99) and a level.</summary>
    public static int For(int stage, int task, EventLogLevel level)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(stage);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(stage, 9);
        ArgumentOutOfRangeException.ThrowIfNegative(task);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(task, 99);
        if (!Enum.IsDefined(level))
        {
            throw new ArgumentOutOfRangeException(nameof(level), level, "not an event level");
        }

        return (stage * 1000) + (task * 10) + (int)level;
    }

    /// <summary>The stage, task and level an ID (0–9999) was built from; null for IDs outside the scheme (level digit above 2 or 5 digits).</summary>
    public static (int Stage, int Task, EventLogLevel Level)? Parse(int eventId)
    {
        if (eventId is < 0 or > 9999 || eventId % 10 > (int)EventLogLevel.Error)
        {
            return null;
        }

        return (eventId / 1000, eventId / 10 % 100, (EventLogLevel)(eventId % 10));
    }

    /// <summary>The checks every <see cref="IEventLogWriter.Write"/> makes: a defined level, an ID of 0–65535, a message.</summary>
    public static void ValidateWrite(EventLogLevel level, int eventId, string message)
    {
        if (!Enum.IsDefined(level))
        {
            throw new ArgumentOutOfRangeException(nameof(level), level, "not an event level");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(eventId);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(eventId, MaxEventId);
        ArgumentNullException.ThrowIfNull(message);
    }
}
