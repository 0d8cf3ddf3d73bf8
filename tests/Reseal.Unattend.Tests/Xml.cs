using Reseal.Unattend.Lint;
using Reseal.Unattend.Model;

namespace Reseal.Unattend.Tests;

/// <summary>Builds small answer files for tests.</summary>
internal static class Xml
{
    public const string Wcm = "http://schemas.microsoft.com/WMIConfig/2002/State";

    public static string Doc(params string[] settings) =>
        $"""<?xml version="1.0" encoding="utf-8"?><unattend xmlns="urn:schemas-microsoft-com:unattend" xmlns:wcm="{Wcm}">{string.Concat(settings)}</unattend>""";

    public static string Pass(string pass, params string[] components) => $"""<settings pass="{pass}">{string.Concat(components)}</settings>""";

    public static string Comp(string name, string body, string arch = "amd64") =>
        $"""<component name="{name}" processorArchitecture="{arch}" publicKeyToken="31bf3856ad364e35" language="neutral" versionScope="nonSxS">{body}</component>""";

    public static string Shell(string body, string arch = "amd64") => Comp("Microsoft-Windows-Shell-Setup", body, arch);

    public static string Deployment(string body) => Comp("Microsoft-Windows-Deployment", body);

    public static string Command(int? order, string path, string extra = "", bool action = true) =>
        $"""<RunSynchronousCommand{(action ? " wcm:action=\"add\"" : string.Empty)}>{(order is null ? string.Empty : $"<Order>{order}</Order>")}<Path>{path}</Path>{extra}</RunSynchronousCommand>""";

    public static string RunSync(params string[] commands) => Deployment($"<RunSynchronous>{string.Concat(commands)}</RunSynchronous>");

    public static LintReport Lint(string xml, LintOptions? options = null, string? path = "test.xml")
    {
        try
        {
            return new AnswerFileLinter().Lint(AnswerFileReader.ReadText(xml, path), options);
        }
        catch (AnswerFileFormatException e)
        {
            return AnswerFileLinter.Unreadable(e);
        }
    }
}
