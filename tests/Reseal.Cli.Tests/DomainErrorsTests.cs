using System.Reflection;
using System.Runtime.CompilerServices;
using Reseal.Images;

namespace Reseal.Cli.Tests;

/// <summary>The one table of expected failures (<see cref="DomainErrors"/>): every library's domain exceptions are in it.</summary>
public sealed class DomainErrorsTests
{
    private static readonly string[] Libraries =
        ["Reseal.Registry", "Reseal.Unattend", "Reseal.Cloud", "Reseal.Windows", "Reseal.Images", "Reseal.Sysprep", "Reseal.Agent"];

    [Fact]
    public void ExitCodeFor_EveryPublicExceptionOfTheLibraries_HasARowOrIsListedAsABug()
    {
        var exceptions = Libraries
            .Select(Assembly.Load)
            .SelectMany(a => a.GetExportedTypes())
            .Where(t => typeof(Exception).IsAssignableFrom(t) && !t.IsAbstract)
            .ToList();

        Assert.NotEmpty(exceptions);
        var missing = exceptions
            .Where(t => !DomainErrors.Bugs.Contains(t) && DomainErrors.ExitCodeFor((Exception)RuntimeHelpers.GetUninitializedObject(t)) is null)
            .Select(t => t.FullName)
            .ToList();
        Assert.True(missing.Count == 0, "not in the exit-code table nor listed as bugs: " + string.Join(", ", missing));
        Assert.All(DomainErrors.Bugs, t => Assert.Null(DomainErrors.ExitCodeFor((Exception)RuntimeHelpers.GetUninitializedObject(t))));
    }

    [Fact]
    public void ExitCodeFor_RuntimeBugs_Null()
    {
        Assert.Null(DomainErrors.ExitCodeFor(new InvalidOperationException("x")));
        Assert.Null(DomainErrors.ExitCodeFor(new ArgumentNullException("x")));
        Assert.Null(DomainErrors.ExitCodeFor(new NotSupportedException("x")));
    }

    [Theory]
    [InlineData(ImageFailureKind.NotFound, ExitCodes.BadInput)]
    [InlineData(ImageFailureKind.InvalidRequest, ExitCodes.BadInput)]
    [InlineData(ImageFailureKind.Unreachable, ExitCodes.WrongEnvironment)]
    [InlineData(ImageFailureKind.Credentials, ExitCodes.WrongEnvironment)]
    [InlineData(ImageFailureKind.WrongState, ExitCodes.Findings)]
    [InlineData(ImageFailureKind.CloudFailed, ExitCodes.Findings)]
    public void ExitCodeFor_ImageCloudFailure_ByKind(ImageFailureKind kind, int expected) =>
        Assert.Equal(expected, DomainErrors.ExitCodeFor(new ImageCloudException(kind, "x")));

    [Fact]
    public void ExitCodeFor_CommandExceptions_TheirOwnRow()
    {
        Assert.Equal(ExitCodes.Usage, DomainErrors.ExitCodeFor(new UsageException("x")));
        Assert.Equal(ExitCodes.BadInput, DomainErrors.ExitCodeFor(new BadInputException("x")));
        Assert.Equal(ExitCodes.WrongEnvironment, DomainErrors.ExitCodeFor(new EnvironmentException("x")));
        Assert.Equal(ExitCodes.Findings, DomainErrors.ExitCodeFor(new ImageFailedException("x")));
    }
}
