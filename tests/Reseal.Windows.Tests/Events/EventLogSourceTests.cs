using Reseal.TestSupport;
using Reseal.Windows.Events;
using Reseal.Windows.Offline;
using Reseal.Windows.Ports;

namespace Reseal.Windows.Tests.Events;

public class EventLogSourceTests
{
    [Fact]
    public void KeyPath_Reseal_UnderApplicationLog()
    {
        Assert.Equal(@"CurrentControlSet\Services\EventLog\Application\Reseal", EventLogSource.KeyPath("Reseal"));
    }

    [Theory]
    [InlineData("")]
    [InlineData(@"a\b")]
    [InlineData("a/b")]
    public void KeyPath_BadSource_Throws(string source)
    {
        Assert.ThrowsAny<ArgumentException>(() => EventLogSource.KeyPath(source));
    }

    [Fact]
    public void ChooseMessageFile_RuntimeFileNextToExe_UsesIt()
    {
        var file = EventLogSource.ChooseMessageFile(@"C:\Program Files\Reseal\", path => path == @"C:\Program Files\Reseal\System.Diagnostics.EventLog.Messages.dll");

        Assert.Equal(@"C:\Program Files\Reseal\System.Diagnostics.EventLog.Messages.dll", file);
    }

    [Fact]
    public void ChooseMessageFile_SelfContainedWithoutIt_FallsBackToFrameworkFile()
    {
        var file = EventLogSource.ChooseMessageFile(@"C:\Program Files\Reseal", _ => false);

        Assert.Equal(@"%SystemRoot%\Microsoft.NET\Framework64\v4.0.30319\EventLogMessages.dll", file);
    }

    [Fact]
    public void Register_OfflineImage_WritesExpandableMessageFileAndTypes()
    {
        using var temp = new TempDirectory();
        var registry = OfflineWindows.Open(WindowsTree.Full(temp)).Registry;

        EventLogSource.Register(registry, "Reseal", EventLogSource.FrameworkMessageFile);

        var key = EventLogSource.KeyPath("Reseal");
        var file = registry.GetValue(RegistryHive.System, key, "EventMessageFile");
        Assert.Equal(RegistryData.TypeExpandString, file?.Type);
        Assert.Equal(EventLogSource.FrameworkMessageFile, file?.AsText());
        Assert.Equal(7u, registry.GetDWord(RegistryHive.System, key, "TypesSupported"));
        Assert.Equal(EventLogSource.FrameworkMessageFile, EventLogSource.FindMessageFile(registry, "Reseal"));
    }

    [Fact]
    public void Unregister_RegisteredThenAgain_TrueThenFalse()
    {
        using var temp = new TempDirectory();
        var registry = OfflineWindows.Open(WindowsTree.Full(temp)).Registry;
        EventLogSource.Register(registry, "Reseal", @"C:\m.dll");

        Assert.True(EventLogSource.Unregister(registry, "Reseal"));
        Assert.False(EventLogSource.Unregister(registry, "Reseal"));
        Assert.Null(EventLogSource.FindMessageFile(registry, "Reseal"));
    }
}
