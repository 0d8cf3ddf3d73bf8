using System.CommandLine;
using System.Reflection;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;

namespace Reseal.Cli.Commands;

/// <summary>
/// What this build is, for bug reports. <c>reseal version</c> names the commit, runtime, RID and whether the build is
/// Native AOT; <c>reseal --version</c> stays one plain line (pipelines call it thousands of times, CliApp answers it
/// before building any command).
/// </summary>
/// <param name="Version">The product version (Directory.Build.props).</param>
/// <param name="Commit">The git commit the build was made from, or "unknown" (built outside a git checkout).</param>
/// <param name="Runtime">The .NET runtime running it.</param>
/// <param name="RuntimeIdentifier">The runtime identifier of the running platform (linux-x64, win-x64, ...).</param>
/// <param name="NativeAot">True for the Native AOT build (compiled ahead of time, no JIT).</param>
internal sealed record BuildInfo(string Version, string Commit, string Runtime, string RuntimeIdentifier, bool NativeAot)
{
    public static BuildInfo Current { get; } = Read();

    private static BuildInfo Read()
    {
        // The SDK appends "+<SourceRevisionId>" to the informational version: the git commit, found by the SDK's source
        // control support in a checkout, or passed by scripts/publish.sh (which builds from a copy without .git).
        var informational = typeof(BuildInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? string.Empty;
        var plus = informational.IndexOf('+', StringComparison.Ordinal);
        var commit = plus >= 0 && plus + 1 < informational.Length ? informational[(plus + 1)..] : "unknown";
        return new BuildInfo(CliApp.Version, commit, RuntimeInformation.FrameworkDescription, RuntimeInformation.RuntimeIdentifier,
            IsNativeAot);
    }

    private const string NativeAotSwitch = "Reseal.Cli.NativeAot";

    // Set by Reseal.Cli.csproj in the Native AOT builds only (every shipped build). Not "dynamic code unsupported": the
    // Wine tests' folder build and publish.sh --single-file run on CoreCLR without dynamic code and are not Native AOT.
    [FeatureSwitchDefinition(NativeAotSwitch)]
    private static bool IsNativeAot => AppContext.TryGetSwitch(NativeAotSwitch, out var on) && on;

    public string ToText() =>
        $"reseal {Version}{Environment.NewLine}" +
        $"commit:     {Commit}{Environment.NewLine}" +
        $"runtime:    {Runtime}{Environment.NewLine}" +
        $"rid:        {RuntimeIdentifier}{Environment.NewLine}" +
        $"native AOT: {(NativeAot ? "yes" : "no")}{Environment.NewLine}";

    public JsonObject ToJson() => new()
    {
        ["version"] = Version,
        ["commit"] = Commit,
        ["runtime"] = Runtime,
        ["rid"] = RuntimeIdentifier,
        ["nativeAot"] = NativeAot,
    };
}

internal static class VersionCommand
{
    public static Command Create(CliContext context)
    {
        var format = FormatOption.Create(OutputFormat.Text, OutputFormat.Json);
        var command = new Command("version", "Print the version, the git commit the build was made from ('unknown' for a build outside a git checkout), the .NET runtime, the runtime identifier and whether the build is Native AOT. 'reseal --version' prints the version alone, on one line.")
        {
            format,
        };
        command.SetAction(parse =>
        {
            var info = BuildInfo.Current;
            context.Out.Write(parse.GetValue(format) == OutputFormat.Json ? Json.Write(info.ToJson()) + Environment.NewLine : info.ToText());
            return ExitCodes.Success;
        });
        return command;
    }
}
