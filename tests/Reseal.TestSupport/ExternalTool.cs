using System.Diagnostics;
using System.Text;
using Xunit;

namespace Reseal.TestSupport;

/// <summary>Result of running an external program.</summary>
public sealed record ProcessResult(int ExitCode, string StandardOutput, string StandardError);

/// <summary>
/// Tools we did not write (hivex, reglookup, openssl, xmllint, wine...) that tests compare against. A test that needs one
/// that is not installed skips and says which package provides it; CI installs them all.
/// </summary>
public static class ExternalTool
{
    /// <summary>Full path of a program on PATH, or null.</summary>
    public static string? Find(string name)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        foreach (var dir in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>Full path of a program; skips the test when it is missing.</summary>
    public static string Require(string name, string debianPackage)
    {
        var found = Find(name);
        Assert.SkipWhen(found is null, $"{name} not installed (Debian package {debianPackage}; .ci/run installs it)");
        return found!;
    }

    /// <summary>The dotnet host running the tests (DOTNET_HOST_PATH, which the SDK sets), else the one on PATH: for running reseal.dll.</summary>
    public static string Dotnet() => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? Require("dotnet", "dotnet-sdk");

    /// <summary>Runs a program with arguments, optional standard input, and a timeout; never hangs the test run.</summary>
    public static ProcessResult Run(string fileName, IEnumerable<string> arguments, string? standardInput = null,
        TimeSpan? timeout = null, IDictionary<string, string>? environment = null, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        if (workingDirectory is not null)
        {
            info.WorkingDirectory = workingDirectory;
        }

        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["LC_ALL"] = "C.UTF-8";
        if (environment is not null)
        {
            foreach (var (key, value) in environment)
            {
                info.Environment[key] = value;
            }
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {fileName}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (standardInput is not null)
        {
            process.StandardInput.Write(standardInput);
        }

        process.StandardInput.Close();
        var limit = timeout ?? TimeSpan.FromMinutes(2);
        if (!process.WaitForExit(limit))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', arguments)} did not finish within {limit}");
        }

        process.WaitForExit();
        return new ProcessResult(process.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
    }
}
