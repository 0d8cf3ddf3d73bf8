using System.CommandLine;
using Reseal.Unattend.Lint;
using Reseal.Unattend.Profiles;
using Spectre.Console;

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
        var locale = new Option<string?>("--locale") { Description = "Input, system, UI and user locale, e.g. en-US (profile default: en-US).", HelpName = "tag" };
        var timeZone = new Option<string?>("--time-zone") { Description = "Windows time zone name, e.g. UTC or \"Pacific Standard Time\" (profile default: UTC).", HelpName = "name" };
        var owner = new Option<string?>("--owner") { Description = "RegisteredOwner.", HelpName = "text" };
        var organization = new Option<string?>("--organization") { Description = "RegisteredOrganization.", HelpName = "text" };
        var adminPassword = new Option<string>("--admin-password")
        {
            Description = "Administrator password at first boot: random (scrambled in specialize; the agent sets and publishes one), static (read from standard input, written obfuscated) or keep.",
            DefaultValueFactory = _ => "random",
            HelpName = "random|static|keep",
        };
        adminPassword.AcceptOnlyFromAmong("random", "static", "keep");
        var copyProfile = new Option<bool?>("--copy-profile") { Description = "Copy the Administrator's profile to the default profile (true/false; profile default).", HelpName = "true|false" };
        var skipRearm = new Option<bool>("--skip-rearm") { Description = "Keep the licensing state (Security-SPP SkipRearm=1) instead of using a rearm." };
        var noRdp = new Option<bool>("--no-rdp-reenable") { Description = "Do not re-enable Remote Desktop in specialize." };
        var command = new Command("new", "Write the Sysprep answer file a launch agent uses (generalize, specialize with RunSynchronous in Order, oobeSystem). The result lints clean.")
        {
            profile, output, force, arch, locale, timeZone, owner, organization, adminPassword, copyProfile, skipRearm, noRdp,
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

            var zone = CheckTimeZone(parse.GetValue(timeZone));
            var tag = CheckLocale(parse.GetValue(locale));
            string? secret = null;
            if (mode == AdminPasswordMode.Static)
            {
                secret = ReadStaticPassword(context);
            }

            var options = new ProfileOptions
            {
                Architecture = parse.GetValue(arch)!,
                Locale = tag,
                TimeZone = zone,
                RegisteredOwner = parse.GetValue(owner),
                RegisteredOrganization = parse.GetValue(organization),
                AdminPassword = mode,
                StaticPassword = secret,
                CopyProfile = parse.GetValue(copyProfile),
                SkipRearm = parse.GetValue(skipRearm),
                RdpReenable = !parse.GetValue(noRdp),
            };
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

    /// <summary>--time-zone: a Windows time zone name (the registry's Time Zones keys), in the registry's spelling.</summary>
    private static string? CheckTimeZone(string? value)
    {
        if (value is null)
        {
            return null;
        }

        if (WindowsTimeZones.Canonical(value) is { } canonical)
        {
            return canonical;
        }

        var near = WindowsTimeZones.Suggestions(value);
        throw new UsageException($"--time-zone '{value}' is not a Windows time zone name" +
            (near.Count > 0 ? $"; did you mean {string.Join(", ", near.Select(n => $"'{n}'"))}?" : string.Empty) +
            " Names are those 'tzutil /l' lists (UTC, Pacific Standard Time, W. Europe Standard Time...), optionally ending in _dstoff.");
    }

    /// <summary>--locale: a language tag as the International-Core pages describe it (language-region).</summary>
    private static string? CheckLocale(string? value)
    {
        if (value is null)
        {
            return null;
        }

        var trimmed = value.Trim();
        var parts = trimmed.Split('-');
        var valid = parts.Length is >= 2 and <= 4 && parts[0].Length is 2 or 3 && parts[0].All(char.IsAsciiLetter)
            && parts.Skip(1).All(p => p.Length is >= 2 and <= 8 && p.All(char.IsAsciiLetterOrDigit));
        return valid
            ? trimmed
            : throw new UsageException($"--locale '{value}' is not a language tag in the form language-region, such as en-US, de-DE or sr-Latn-RS");
    }

    /// <summary>
    /// The static Administrator password: asked twice on a terminal (a typo would lock the image), read once from
    /// redirected input, and refused unless it meets Windows' complexity rules (which Setup enforces when it sets it).
    /// </summary>
    private static string ReadStaticPassword(CliContext context)
    {
        var secret = context.ReadSecret("Administrator password: ");
        if (secret.Length == 0)
        {
            throw new BadInputException("the static Administrator password is empty");
        }

        if (!context.InputRedirected && context.ReadSecret("Again: ") != secret)
        {
            throw new BadInputException("the two passwords differ; nothing was written");
        }

        var password = Reseal.Cloud.Passwords.ClearTextPassword.FromString(secret);
        var complexity = Reseal.Cloud.Passwords.PasswordComplexity.Check(password, "Administrator");
        if (!complexity.Passes)
        {
            throw new BadInputException($"the static Administrator password does not meet Windows complexity rules: {complexity.Problem}");
        }

        return secret;
    }
}
