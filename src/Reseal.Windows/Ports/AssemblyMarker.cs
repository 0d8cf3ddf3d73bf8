namespace Reseal.Windows.Ports;

/// <summary>Marks the ports namespace until the port interfaces land beside it.</summary>
internal static class AssemblyMarker
{
}
