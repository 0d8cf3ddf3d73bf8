using Reseal.TestSupport;
using Reseal.Windows.Events;

namespace Reseal.Windows.Tests.Events;

public class EventIdsTests
{
    [Fact]
    public void For_ReadyStageTaskZeroInformation_Is5000()
    {
        Assert.Equal(5000, EventIds.For(EventIds.StageReady, 0, EventLogLevel.Information));
        Assert.Equal(EventIds.WindowsIsReady, EventIds.For(5, 0, EventLogLevel.Information));
    }

    [Theory]
    [InlineData(3, 12, EventLogLevel.Warning, 3121)]
    [InlineData(1, 0, EventLogLevel.Error, 1002)]
    [InlineData(0, 1, EventLogLevel.Information, 10)]
    [InlineData(9, 99, EventLogLevel.Error, 9992)]
    public void For_StageTaskLevel_DigitsInPlace(int stage, int task, EventLogLevel level, int expected)
    {
        Assert.Equal(expected, EventIds.For(stage, task, level));
    }

    [Fact]
    public void Parse_EveryIdInTheScheme_RoundTrips()
    {
        for (var stage = 0; stage <= 9; stage++)
        {
            for (var task = 0; task <= 99; task++)
            {
                foreach (var level in Enum.GetValues<EventLogLevel>())
                {
                    Assert.Equal((stage, task, level), EventIds.Parse(EventIds.For(stage, task, level)));
                }
            }
        }
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(5003)]
    [InlineData(10000)]
    public void Parse_OutsideScheme_Null(int id)
    {
        Assert.Null(EventIds.Parse(id));
    }

    [Theory]
    [InlineData(-1, 0)]
    [InlineData(10, 0)]
    [InlineData(0, -1)]
    [InlineData(0, 100)]
    public void For_OutOfRange_Throws(int stage, int task)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => EventIds.For(stage, task, EventLogLevel.Information));
    }

    [Fact]
    public void For_UndefinedLevel_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => EventIds.For(1, 1, (EventLogLevel)7));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(65536)]
    public void NullEventLogWrite_IdOutside16Bits_Throws(int id)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => NullEventLog.Instance.Write(EventLogLevel.Information, id, "x"));
    }

    [Fact]
    public void RecordingEventLog_Writes_KeptInOrder()
    {
        var log = new RecordingEventLog();

        log.Write(EventLogLevel.Information, EventIds.WindowsIsReady, "Windows is Ready to use");
        log.Write(EventLogLevel.Error, 3122, "task failed");

        Assert.Equal([new RecordedEvent(EventLogLevel.Information, 5000, "Windows is Ready to use"), new RecordedEvent(EventLogLevel.Error, 3122, "task failed")],
            log.Events);
    }

    [Fact]
    public void RecordingEventLog_Failing_ReportsOnceNeverThrows()
    {
        var reports = new List<string>();
        var log = new RecordingEventLog { Failing = true, OnFailure = reports.Add };

        log.Write(EventLogLevel.Warning, 11, "one");
        log.Write(EventLogLevel.Warning, 11, "two");

        Assert.Empty(log.Events);
        Assert.Single(reports);
    }
}
