namespace Reseal.Agent.Seal;

/// <summary>Marks the sealing namespace; the diagnosis, preflight and runner types live beside it.</summary>
internal static class AssemblyMarker
{
}
