using System.CommandLine;
using System.Text.Json.Nodes;
using Reseal.Agent.Boot;
using Reseal.Agent.Boot.Config;

namespace Reseal.Cli.Commands;

/// <summary>
/// <c>reseal agent</c>: the parts of the first-boot agent that work on any OS today (checking a configuration and user
/// data, printing the default configuration). <c>agent run</c>, <c>status</c> and <c>reset</c> come with issue 6's
/// Windows tasks.
/// </summary>
internal static class AgentCommands
{
    public static Command Create(CliContext context)
    {
        var command = new Command("agent", "The first-boot agent. Built so far: validate a configuration and user data, print the default configuration.");
        command.Subcommands.Add(Validate(context));
        command.Subcommands.Add(Config(context));
        return command;
    }

    private static Command Validate(CliContext context)
    {
        var config = new Option<string?>("--config", "-c")
        {
            Description = "agent-config.yml in EC2Launch v2's schema (version, config: [{stage, tasks: [{task, inputs}]}]); the built-in default when omitted.",
            HelpName = "file",
        };
        var userData = new Option<string?>("--user-data", "-u")
        {
            Description = "User data as the instance would receive it: EC2 <powershell>/<script> tags, EC2Launch YAML, Cloudbase-Init headers, #cloud-config, MIME multipart, gzip.",
            HelpName = "file",
        };
        var format = FormatOption.Create(OutputFormat.Text, OutputFormat.Json);
        var command = new Command("validate", "Check an agent configuration and user data; every problem is reported with line and column. Exit 1 when there are errors.")
        {
            config, userData, format,
        };
        command.SetAction(parse =>
        {
            foreach (var path in new[] { parse.GetValue(config), parse.GetValue(userData) })
            {
                if (path is not null && !File.Exists(path))
                {
                    throw new BadInputException($"{path}: file not found");
                }
            }

            var report = AgentValidator.Validate(parse.GetValue(config), parse.GetValue(userData));
            if (parse.GetValue(format) == OutputFormat.Json)
            {
                context.Out.WriteLine(Json.Write(new JsonObject
                {
                    ["config"] = parse.GetValue(config) ?? "(default)",
                    ["userData"] = parse.GetValue(userData),
                    ["userDataFormat"] = report.UserData?.FormatName,
                    ["diagnostics"] = new JsonArray([.. report.Diagnostics.Select(d => (JsonNode)new JsonObject
                    {
                        ["code"] = d.Code,
                        ["severity"] = d.Severity.ToString().ToLowerInvariant(),
                        ["file"] = d.Source,
                        ["line"] = d.Line,
                        ["column"] = d.Column,
                        ["message"] = d.Message,
                    })]),
                }));
            }
            else
            {
                foreach (var diagnostic in report.Diagnostics)
                {
                    context.Out.WriteLine(diagnostic.ToString());
                }

                if (report.UserData is { } parsed)
                {
                    context.Message($"user data format: {parsed.FormatName}");
                }
            }

            context.Message(report.HasErrors ? $"{report.Diagnostics.Count(d => d.IsError)} error(s)" : "valid");
            return report.ExitCode;
        });
        return command;
    }

    private static Command Config(CliContext context)
    {
        var command = new Command("config", "Print the built-in default agent-config.yml (what the agent does when no configuration is installed).");
        command.SetAction(_ =>
        {
            context.Out.Write(DefaultAgentConfig.Yaml);
            if (!DefaultAgentConfig.Yaml.EndsWith('\n'))
            {
                context.Out.WriteLine();
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
