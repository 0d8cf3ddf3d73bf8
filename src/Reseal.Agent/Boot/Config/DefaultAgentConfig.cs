namespace Reseal.Agent.Boot.Config;

/// <summary>
/// The configuration the agent uses when <c>%ProgramData%\Reseal\config\agent-config.yml</c> is absent: EC2Launch v2's
/// default stages and tasks (extend the root partition; activate Windows, set the DNS suffix, a random administrator
/// password printed encrypted on the console and the wallpaper before "Windows is Ready to use"; start SSM after it),
/// with the preReady tasks marked independent so they run side by side (setAdminAccount still runs alone: a task that
/// prints a password never waits in a parallel group, see BootRunner).
/// </summary>
/// <remarks>
/// activateWindows (type amazon), setDnsSuffix (<c>ec2-utilities</c>) and startSsm are AWS services: off AWS those
/// tasks find nothing to do and report themselves skipped, so one default fits every cloud.
/// </remarks>
public static class DefaultAgentConfig
{
    /// <summary>The default agent-config.yml text (what <c>reseal agent config --format yaml</c> prints when no file exists).</summary>
    public const string Yaml = """
        version: 1.0
        config:
        - stage: boot
          tasks:
          - task: extendRootPartition
        - stage: preReady
          tasks:
          - task: activateWindows
            inputs:
              activation:
                type: amazon
            independent: true
          - task: setDnsSuffix
            inputs:
              suffixes:
              - $REGION.ec2-utilities.amazonaws.com
            independent: true
          - task: setAdminAccount
            inputs:
              password:
                type: random
            independent: true
          - task: setWallpaper
            inputs:
              attributes:
              - hostName
              - instanceId
              - privateIpAddress
              - publicIpAddress
              - instanceSize
              - availabilityZone
              - architecture
              - memory
              - network
            independent: true
        - stage: postReady
          tasks:
          - task: startSsm

        """;

    /// <summary>The parsed default (it validates clean; a test keeps it so).</summary>
    public static AgentConfig Config { get; } = AgentConfigReader.Read(Yaml, "default agent-config.yml").Config
        ?? throw new InvalidOperationException("the built-in default configuration does not parse");
}
