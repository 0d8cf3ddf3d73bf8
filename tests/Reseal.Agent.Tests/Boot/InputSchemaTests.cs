using Reseal.Agent.Boot;
using Reseal.Agent.Boot.Config;
using Reseal.Agent.Boot.Yaml;

namespace Reseal.Agent.Tests.Boot;

public sealed class InputSchemaTests
{
    private static (InputValue? Value, List<BootDiagnostic> Diagnostics) ReadValue(string yaml, InputSchema schema)
    {
        var diagnostics = new List<BootDiagnostic>();
        var root = (YamlMappingValue)BoundedYamlReader.Read(yaml, YamlLimits.Config, diagnostics, "t.yml")!;
        var value = new TaskEntryReader(diagnostics, "t.yml").ReadValue(root.Get("v")!, schema, "v");
        return (value, diagnostics);
    }

    [Theory]
    [InlineData("v: 42", 42L)]
    [InlineData("v: -7", -7L)]
    [InlineData("v: !!int 5", 5L)]
    public void ReadValue_IntegerSchemaPlainNumber_Integer(string yaml, long expected)
    {
        var (value, diagnostics) = ReadValue(yaml, InputSchema.Number);

        Assert.Empty(diagnostics);
        Assert.Equal(expected, Assert.IsType<InputInteger>(value).Value);
    }

    [Theory]
    [InlineData("v: '42'")]
    [InlineData("v: forty")]
    [InlineData("v: 4.5")]
    [InlineData("v: [1]")]
    public void ReadValue_IntegerSchemaNotAnInteger_WrongTypeAtValue(string yaml)
    {
        var (value, diagnostics) = ReadValue(yaml, InputSchema.Number);

        Assert.Null(value);
        var diagnostic = Assert.Single(diagnostics);
        Assert.Equal((BootCodes.WrongInputType, 1, 4), (diagnostic.Code, diagnostic.Line, diagnostic.Column));
        Assert.Contains("an integer", diagnostic.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("v: True", true)]
    [InlineData("v: false", false)]
    public void ReadValue_BooleanSchemaPlainBoolean_Boolean(string yaml, bool expected)
    {
        var (value, diagnostics) = ReadValue(yaml, InputSchema.Flag);

        Assert.Empty(diagnostics);
        Assert.Equal(expected, Assert.IsType<InputBoolean>(value).Value);
    }

    [Fact]
    public void ReadValue_MapSchemaGivenScalar_WrongType()
    {
        var (value, diagnostics) = ReadValue("v: text", InputSchema.MapOf(new InputField("a", InputSchema.Text)));

        Assert.Null(value);
        Assert.Contains("a mapping", Assert.Single(diagnostics).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadValue_ListOfEnumsOneBad_OnlyBadItemReported()
    {
        var (value, diagnostics) = ReadValue("v: [hostName, colour, memory]", InputSchema.ListOf(InputSchema.OneOf([.. TaskCatalog.WallpaperAttributes])));

        Assert.Equal(2, Assert.IsType<InputList>(value).Items.Count);
        var diagnostic = Assert.Single(diagnostics);
        Assert.Equal((BootCodes.BadEnumValue, 1, 15), (diagnostic.Code, diagnostic.Line, diagnostic.Column));
        Assert.Contains("'v[1]'", diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Catalog_AllFifteenDocumentedTasks_Present()
    {
        Assert.Equal(
            ["activateWindows", "enableJumboFrames", "enableOpenSsh", "executeProgram", "executeScript", "extendRootPartition", "initializeVolume",
             "optimizeEna", "setAdminAccount", "setDnsSuffix", "setHostName", "setWallpaper", "startSsm", "sysprep", "writeFile"],
            TaskCatalog.All.Take(15).Select(t => t.Name).Order(StringComparer.Ordinal));
        Assert.Null(TaskCatalog.Find("SetHostName"));
    }
}
