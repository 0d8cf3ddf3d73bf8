namespace Reseal.Registry;

/// <summary>A .reg text is malformed; carries the line and column.</summary>
public sealed class RegFileFormatException : FormatException
{
    public RegFileFormatException(string message) : base(message)
    {
    }

    public RegFileFormatException(string message, Exception innerException) : base(message, innerException)
    {
    }

    internal RegFileFormatException(int line, int column, string problem)
        : base($"line {line}, column {column}: {problem}")
    {
        Line = line;
        Column = column;
    }

    /// <summary>1-based line of the problem.</summary>
    public int Line { get; }

    /// <summary>1-based column of the problem.</summary>
    public int Column { get; }
}
