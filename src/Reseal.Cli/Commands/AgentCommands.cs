using System.CommandLine;
using System.Text.Json.Nodes;
using Reseal.Agent.Boot;
using Reseal.Agent.Boot.Config;

namespace Reseal.Cli.Commands;

/// <summary>
/// <c>reseal agent</c>: run (Windows), plan, status, reset, validate, config.
/// </summary>
internal static class AgentCommands
{
    public static Command Create(CliContext context)
    {
        var command = new Command("agent", "The first-boot agent: run it, preview a run, read or reset its state, check a configuration and user data, bring another agent's settings over.");
        command.Subcommands.Add(AgentRunCommands.Run(context));
        command.Subcommands.Add(AgentRunCommands.Plan(context));
        command.Subcommands.Add(AgentRunCommands.Status(context));
        command.Subcommands.Add(AgentRunCommands.Reset(context));
        command.Subcommands.Add(AgentRunCommands.Service(context));
        command.Subcommands.Add(AgentRunCommands.SetupComplete(context));
        command.Subcommands.Add(AgentRunCommands.Install(context));
        command.Subcommands.Add(AgentRunCommands.Uninstall(context));
        command.Subcommands.Add(Validate(context));
        command.Subcommands.Add(Config(context));
        command.Subcommands.Add(AgentMigrateCommand.Create(context));
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
                    ["skips"] = new JsonArray([.. report.Skips.Select(n => (JsonNode?)n)]),
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

                foreach (var skip in report.Skips)
                {
                    context.Out.WriteLine(skip);
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
        var file = new Option<string?>("--config", "-c") { Description = "Show this agent-config.yml instead of the built-in default.", HelpName = "file" };
        var format = FormatOption.Create(OutputFormat.Yaml, OutputFormat.Json);
        var command = new Command("config", "Print the agent configuration: the built-in default (what the agent does when no agent-config.yml is installed) or --config FILE, as YAML or JSON. Password values are never printed in JSON.")
        {
            file, format,
        };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(file);
            if (path is not null && !File.Exists(path))
            {
                throw new BadInputException($"{path}: file not found");
            }

            if (parse.GetValue(format) != OutputFormat.Json)
            {
                var text = path is null ? DefaultAgentConfig.Yaml : File.ReadAllText(path);
                context.Out.Write(text);
                if (!text.EndsWith('\n'))
                {
                    context.Out.WriteLine();
                }

                return ExitCodes.Success;
            }

            var read = path is null ? new AgentConfigResult(DefaultAgentConfig.Config, []) : AgentConfigReader.ReadFile(path);
            if (read.Config is not { } config || !read.IsValid)
            {
                foreach (var diagnostic in read.Diagnostics)
                {
                    context.Error.WriteLine(diagnostic.ToString());
                }

                return ExitCodes.Findings;
            }

            context.Out.WriteLine(Json.Write(ConfigJson(config)));
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>The configuration as JSON in the file's own shape; <c>password.data</c> is replaced by a note.</summary>
    internal static JsonObject ConfigJson(AgentConfig config) => new()
    {
        ["version"] = config.Version,
        ["config"] = new JsonArray([.. config.Stages.Select(stage => (JsonNode)new JsonObject
        {
            ["stage"] = stage.Stage.ToYamlName(),
            ["tasks"] = new JsonArray([.. stage.Tasks.Select(task =>
            {
                var entry = new JsonObject { ["task"] = task.Name };
                if (task.Inputs is { } inputs)
                {
                    entry["inputs"] = InputJson(inputs, task.Name == "setAdminAccount" ? "password" : null);
                }

                if (task.Frequency is { } frequency)
                {
                    entry["frequency"] = frequency.ToYamlName();
                }

                if (task.Independent)
                {
                    entry["independent"] = true;
                }

                return (JsonNode)entry;
            })]),
        })]),
    };

    private static JsonNode? InputJson(InputValue value, string? secretParent) => value switch
    {
        InputText text => JsonValue.Create(text.Value),
        InputInteger number => JsonValue.Create(number.Value),
        InputBoolean flag => JsonValue.Create(flag.Value),
        InputList list => new JsonArray([.. list.Items.Select(i => InputJson(i, null))]),
        InputMap map => new JsonObject(map.Fields.Select(f => KeyValuePair.Create(f.Key,
            secretParent == f.Key && f.Value is InputMap secret
                ? new JsonObject(secret.Fields.Select(g => KeyValuePair.Create(g.Key, g.Key == "data" ? JsonValue.Create("(set, not shown)") : InputJson(g.Value, null))))
                : InputJson(f.Value, null)))),
        _ => null,
    };
}
