using System.Diagnostics.CodeAnalysis;
using Terminal.Gui.Configuration;

namespace Reseal.Cli.Settings;

/// <summary>
/// Terminal.Gui's configuration (themes, schemes, key bindings and the settings of its views), applied once before the
/// first Terminal.Gui call. Terminal.Gui does this in a module initializer; Native AOT runs every module initializer at
/// process start, so in that build the initializer is a no-op (TerminalGui.Substitutions.xml) and it is done here
/// instead, for the one command that shows a terminal UI. CoreCLR runs the initializer itself on first use of the assembly.
/// </summary>
internal static class TerminalGuiSetup
{
    private const string DeferredSwitch = "Reseal.Cli.TerminalGuiConfigurationDeferred";

    /// <summary>True in the build whose Terminal.Gui module initializer was made a no-op (set with it in Reseal.Cli.csproj).</summary>
    [FeatureSwitchDefinition(DeferredSwitch)]
    private static bool Deferred => AppContext.TryGetSwitch(DeferredSwitch, out var deferred) && deferred;

    private static bool _applied;

    /// <summary>Applies the configuration the module initializer would have applied, once; elsewhere does nothing.</summary>
    public static void EnsureConfigured()
    {
        if (!Deferred || _applied)
        {
            return;
        }

        _applied = true;
        try
        {
            TuiConfigurationBuilder.Shared.ApplyToStaticFacades();
        }
#pragma warning disable CA1031 // As in the module initializer: a bad ~/.tui file must not stop the UI; Terminal.Gui prints the error at shutdown.
        catch (Exception e)
#pragma warning restore CA1031
        {
            TuiJsonErrors.Add($"Terminal.Gui configuration could not be applied ({e.Message}); running with its defaults.");
        }
    }
}
