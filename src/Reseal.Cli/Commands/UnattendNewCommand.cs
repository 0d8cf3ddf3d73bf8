using System.CommandLine;
using Reseal.Unattend.Lint;
using Reseal.Unattend.Profiles;

namespace Reseal.Cli.Commands;

/// <summary><c>reseal unattend new</c>: write an answer file from a profile.</summary>
internal static class UnattendNewCommand
{
    internal static Command New(CliContext context)
    {
        var profile = new Option<string>("--profile", "-p")
        {
            Description = "Whose answer file to write: ec2config, ec2launch, ec2launch-v2, cloudbase-init or generic (Reseal's own).",
            DefaultValueFactory = _ => "generic",
            HelpName = "name",
        };
        profile.AcceptOnlyFromAmong([.. AnswerFileProfiles.ByCliName.Keys]);
        var output = new Option<string?>("--output", "-o") { Description = "Write to this file (atomically) instead of standard output.", HelpName = "file" };
        var force = new Option<bool>("--force") { Description = "Overwrite --output if it exists." };
        var arch = new Option<string>("--arch") { Description = "processorArchitecture of every component.", DefaultValueFactory = _ => "amd64" };
        arch.AcceptOnlyFromAmong("amd64", "arm64", "x86");
        var shared = new AnswerFileOptionSet();
        var owner = new Option<string?>("--owner") { Description = "RegisteredOwner.", HelpName = "text" };
        var organization = new Option<string?>("--organization") { Description = "RegisteredOrganization.", HelpName = "text" };
        var adminPassword = new Option<string>("--admin-password")
        {
            Description = "Administrator password at first boot: random (scrambled in specialize; the agent sets and publishes one), static (read from standard input, written obfuscated) or keep.",
            DefaultValueFactory = _ => "random",
            HelpName = "random|static|keep",
        };
        adminPassword.AcceptOnlyFromAmong("random", "static", "keep");
        var noRdp = new Option<bool>("--no-rdp-reenable") { Description = "Do not re-enable Remote Desktop in specialize." };
        var command = new Command("new", "Write the Sysprep answer file a launch agent uses (generalize, specialize with RunSynchronous in Order, oobeSystem). The result lints clean.")
        {
            profile, output, force, arch, shared.Locale, shared.TimeZone, owner, organization, adminPassword, shared.CopyProfile, shared.SkipRearm, noRdp,
        };
        command.SetAction(parse =>
        {
            var mode = parse.GetValue(adminPassword) switch
            {
                "static" => AdminPasswordMode.Static,
                "keep" => AdminPasswordMode.Keep,
                _ => AdminPasswordMode.Random,
            };
            var target = parse.GetValue(output);
            if (target is not null && File.Exists(target) && !parse.GetValue(force))
            {
                throw new UsageException($"{target} exists; use --force to overwrite it");
            }

            var options = shared.Apply(parse, new ProfileOptions
            {
                Architecture = parse.GetValue(arch)!,
                RegisteredOwner = parse.GetValue(owner),
                RegisteredOrganization = parse.GetValue(organization),
                AdminPassword = mode,
                RdpReenable = !parse.GetValue(noRdp),
            });
            if (mode == AdminPasswordMode.Static)
            {
                options = options with { StaticPassword = AnswerFileOptionSet.ReadAdministratorPassword(context, "static") };
            }

            var name = AnswerFileProfiles.ByCliName[parse.GetValue(profile)!];
            var file = AnswerFileProfiles.Create(name, options);

            // What we write must lint clean; a finding here is a bug in a profile or an option value the user gave.
            var findings = new AnswerFileLinter().Lint(file).Findings;
            if (findings.Count > 0)
            {
                foreach (var finding in findings)
                {
                    context.Message(finding.ToString());
                }

                throw new UsageException("the options given produce an answer file with the findings above; nothing was written");
            }

            if (target is null)
            {
                context.Out.Write(file.ToXmlString());
            }
            else
            {
                file.Save(target);
                context.Message($"wrote {target} ({AnswerFileProfiles.CliName(name)} profile)");
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
