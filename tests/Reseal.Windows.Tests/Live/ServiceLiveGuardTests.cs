using Reseal.Windows.Live;
using Reseal.Windows.Live.Service;

namespace Reseal.Windows.Tests.Live;

// These tests call Windows-only types on purpose: off Windows each entry point must refuse, never pretend.
#pragma warning disable CA1416

public class ServiceLiveGuardTests
{
    public static TheoryData<string> EntryPoints => new()
    {
        nameof(WindowsServiceHost.Run),
        nameof(WindowsServiceInstaller),
        nameof(LiveEventLog),
    };

    [Theory]
    [MemberData(nameof(EntryPoints))]
    public void Create_OffWindows_ThrowsPlatformNotSupported(string entryPoint)
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "on Windows these reach the real SCM and event log");

        var error = Assert.Throws<PlatformNotSupportedException>(() => Invoke(entryPoint));

        Assert.Contains("needs Windows", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_OffWindows_NeverCallsTheBody()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "on Windows Run connects to the SCM");
        var called = false;

        Assert.Throws<PlatformNotSupportedException>(() => WindowsServiceHost.Run("Reseal", _ =>
        {
            called = true;
            return Task.FromResult(0);
        }));

        Assert.False(called);
    }

    [Fact]
    public void Truncate_LongMessage_CutToReportEventLimitWithMarker()
    {
        var text = LiveEventLog.Truncate(new string('x', 40_000));

        Assert.Equal(LiveEventLog.MaxMessageLength, text.Length);
        Assert.EndsWith("(truncated)", text, StringComparison.Ordinal);
        Assert.Equal("short", LiveEventLog.Truncate("short"));
    }

    private static object Invoke(string entryPoint) => entryPoint switch
    {
        nameof(WindowsServiceHost.Run) => WindowsServiceHost.Run("Reseal", _ => Task.FromResult(0)),
        nameof(WindowsServiceInstaller) => new WindowsServiceInstaller(),
        nameof(LiveEventLog) => new LiveEventLog(),
        _ => throw new ArgumentOutOfRangeException(nameof(entryPoint)),
    };
}
