namespace Reseal.Cli;

/// <summary>A piece of a line of output (<see cref="CliContext.WriteLine(ReadOnlySpan{Styled})"/>): its text, and the Spectre style it is shown in on a terminal (null: plain).</summary>
/// <param name="Text">The text as printed (not markup: brackets are printed as they are).</param>
/// <param name="Style">A Spectre style such as <c>red</c> or <c>bold</c>; null for plain text.</param>
public readonly record struct Styled(string Text, string? Style = null)
{
    /// <summary>Plain text.</summary>
    public static implicit operator Styled(string text) => new(text);
}
