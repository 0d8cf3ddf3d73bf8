using System.Diagnostics;
using System.Text.Json;
using Reseal.TestSupport;
using Reseal.Windows.Service;

namespace Reseal.Windows.Tests.Service;

public class ServiceCommandLineTests
{
    [Fact]
    public void Build_ProgramFilesWithSpaces_QuotesExecutable()
    {
        var line = ServiceCommandLine.Build(@"C:\Program Files\Reseal\reseal.exe", ["agent", "service"]);

        Assert.Equal("\"C:\\Program Files\\Reseal\\reseal.exe\" agent service", line);
        Assert.False(ServiceCommandLine.IsUnquotedPathWithSpaces(line));
    }

    [Fact]
    public void Build_PathWithoutSpaces_StillQuoted()
    {
        Assert.Equal("\"C:\\Reseal\\reseal.exe\"", ServiceCommandLine.Build(@"C:\Reseal\reseal.exe", []));
    }

    [Fact]
    public void Build_UncPath_Quoted()
    {
        Assert.Equal("\"\\\\server\\share\\reseal.exe\" run", ServiceCommandLine.Build(@"\\server\share\reseal.exe", ["run"]));
    }

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("", "\"\"")]
    [InlineData("two words", "\"two words\"")]
    [InlineData("tab\there", "\"tab\there\"")]
    [InlineData("say \"hi\"", "\"say \\\"hi\\\"\"")]
    [InlineData(@"C:\Program Files\", "\"C:\\Program Files\\\\\"")]
    [InlineData(@"C:\dir\file", @"C:\dir\file")]
    [InlineData(@"a\\""b", "\"a\\\\\\\\\\\"b\"")]
    public void QuoteArgument_Argument_QuotedPerCommandLineToArgvW(string argument, string expected)
    {
        Assert.Equal(expected, ServiceCommandLine.QuoteArgument(argument));
    }

    [Theory]
    [InlineData(@"C:\Program Files\Vendor\agent.exe", true)]
    [InlineData(@"C:\Program Files\Vendor\agent.exe -k run", true)]
    [InlineData("\"C:\\Program Files\\Vendor\\agent.exe\" -k", false)]
    [InlineData(@"C:\Windows\system32\svchost.exe -k netsvcs", false)]
    [InlineData(@"C:\Tools\agent.exe --name ""a b""", false)]
    [InlineData(@"  C:\My Tools\agent", true)]
    [InlineData("", false)]
    public void IsUnquotedPathWithSpaces_ImagePath_FlagsTheEscalationPattern(string imagePath, bool expected)
    {
        Assert.Equal(expected, ServiceCommandLine.IsUnquotedPathWithSpaces(imagePath));
    }

    [Theory]
    [InlineData("reseal.exe")]
    [InlineData(@"Program Files\Reseal\reseal.exe")]
    [InlineData("/opt/reseal/reseal")]
    [InlineData(@"C:reseal.exe")]
    [InlineData("\"C:\\Program Files\\Reseal\\reseal.exe\"")]
    [InlineData(@"C:\Reseal\")]
    [InlineData("C:\\Reseal\nreseal.exe")]
    [InlineData(" ")]
    public void Build_BadExecutablePath_Throws(string path)
    {
        Assert.ThrowsAny<ArgumentException>(() => ServiceCommandLine.Build(path, []));
    }

    /// <summary>
    /// .NET on Unix splits <see cref="ProcessStartInfo.Arguments"/> with the Windows (CommandLineToArgvW) rules, an
    /// implementation independent of ours: quoted arguments must come back unchanged in a real process's argv.
    /// </summary>
    [Fact]
    public void QuoteArgument_ThroughRealProcess_RoundTrips()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "the round trip uses .NET's Unix argument splitter");
        var python = ExternalTool.Require("python3", "python3");
        string[] arguments = ["agent", "", "two words", "trailing\\", "C:\\Program Files\\", "quote\"inside", "\\\\\"mixed\\\\", "end\\\\"];
        var script = "import sys, json; print(json.dumps(sys.argv[1:]))";
        var info = new ProcessStartInfo(python)
        {
            Arguments = string.Join(' ', new[] { "-c", script }.Concat(arguments).Select(ServiceCommandLine.QuoteArgument)),
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();

        Assert.Equal(arguments, JsonSerializer.Deserialize<string[]>(output));
    }
}
