namespace Reseal.Unattend.Model;

/// <summary>A 1-based line and column in a source file; (0, 0) when unknown.</summary>
public readonly record struct SourcePosition(int Line, int Column)
{
    public static SourcePosition Unknown => default;

    public bool IsKnown => Line > 0;

    public override string ToString() => IsKnown ? $"{Line}:{Column}" : "?";
}
