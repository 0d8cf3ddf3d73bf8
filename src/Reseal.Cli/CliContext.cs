using Spectre.Console;

namespace Reseal.Cli;

/// <summary>
/// Where the CLI reads and writes: the real process streams, or strings in tests. Data goes to <see cref="Out"/>,
/// messages to <see cref="Error"/>. Colour is used only on a terminal and never when NO_COLOR is set.
/// </summary>
internal sealed class CliContext
{
    public CliContext(TextWriter output, TextWriter error, TextReader input, bool outputRedirected, bool inputRedirected,
        Func<string, string?> environment)
        : this(output, error, () => input, outputRedirected, inputRedirected, environment)
    {
    }

    /// <summary>With standard input opened on first use (<paramref name="openInput"/>): most commands never read it.</summary>
    private CliContext(TextWriter output, TextWriter error, Func<TextReader> openInput, bool outputRedirected, bool inputRedirected,
        Func<string, string?> environment)
    {
        Out = output;
        Error = error;
        _openIn = openInput;
        InputRedirected = inputRedirected;
        Environment = environment;
        var noColor = !string.IsNullOrEmpty(environment("NO_COLOR"));
        UseColor = !outputRedirected && !noColor;
        _outputRedirected = outputRedirected;
    }

    private readonly bool _outputRedirected;

    /// <summary>True when standard output is not a terminal (a pipe or a file).</summary>
    public bool OutputRedirected => _outputRedirected;

    // Created on first use, by a method of its own so that commands printing plain lines never load Spectre.Console.
    private IAnsiConsole? _console;

    /// <summary>Spectre console over <see cref="Out"/>, for tables and colour.</summary>
    public IAnsiConsole Console => _console ??= CreateConsole();

    private IAnsiConsole CreateConsole()
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = UseColor ? AnsiSupport.Yes : AnsiSupport.No,
            ColorSystem = UseColor ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(Out),
        });
        if (_outputRedirected)
        {
            // Redirected output is for machines and files: never wrap lines at an imaginary 80 columns.
            console.Profile.Width = 4096;
        }

        return console;
    }


    public TextWriter Out { get; }

    /// <summary>The process's standard output as bytes, for output that must not pass through a text encoder.</summary>
    public Func<Stream>? RawOut { get; init; }

    public TextWriter Error { get; }

    // Console.In on Unix sets the terminal up (terminfo, signal handlers) when it is first touched: only a command that
    // reads standard input pays for it.
    private readonly Func<TextReader> _openIn;
    private TextReader? _in;

    public TextReader In => _in ??= _openIn();

    /// <summary>
    /// The process's standard input as bytes, for input whose encoding the reader must decide itself (answer files:
    /// BOM and XML declaration), exactly as it does for a file. Without it (in tests) <see cref="In"/> is read and
    /// encoded as UTF-8.
    /// </summary>
    public Func<Stream>? RawIn { get; init; }

    public bool InputRedirected { get; }

    /// <summary>
    /// Gives the machine <c>reseal seal</c> seals when no <c>--root</c> is given: null means the running Windows (and
    /// off Windows there is none). Tests give an in-memory machine.
    /// </summary>
    public Func<Reseal.Windows.Ports.IWindowsMachine>? LiveMachine { get; init; }

    /// <summary>Installs and removes services on the live machine (tests; null: the SCM on Windows).</summary>
    public Func<Reseal.Windows.Service.IServiceInstaller>? ServiceInstaller { get; init; }

    /// <summary>The clock sealing uses; null means the system's.</summary>
    public TimeProvider? Time { get; init; }

    /// <summary>Where the agent keeps its files on a given machine; null means <c>%ProgramData%\Reseal</c> (tests give a folder).</summary>
    public Func<Reseal.Windows.Ports.IWindowsMachine, Reseal.Agent.Boot.Host.AgentPaths>? AgentPaths { get; init; }

    /// <summary>The time limits of a live seal; null means the defaults.</summary>
    public Reseal.Sysprep.Seal.SealRunSettings? SealSettings { get; init; }

    public bool UseColor { get; }

    /// <summary>
    /// Writes one line of <paramref name="parts"/>, each plain or in a Spectre style (<c>red</c>, <c>bold</c>, ...). On a
    /// terminal it goes through <see cref="Console"/> (colour, and wrapping at the terminal's width). Redirected output
    /// without colour is the parts' text as it is, written straight to <see cref="Out"/>: what Spectre would print there
    /// (which wraps redirected output only past 4,096 columns, see <see cref="CreateConsole"/>; this path never wraps),
    /// without loading it — its markup parse, word
    /// splitting and emoji table were a third of a one-file <c>unattend lint</c> (docs/benchmarks.md). Neither path
    /// reads markup or <c>:name:</c> emoji codes in the text: a message is printed as it is.
    /// </summary>
    public void WriteLine(params ReadOnlySpan<Styled> parts)
    {
        if (!UseColor && _outputRedirected)
        {
            // One write per line (Console.Out flushes at every write). Line breaks inside a value are the platform's,
            // as Spectre writes them.
            var line = new System.Text.StringBuilder();
            foreach (var part in parts)
            {
                line.Append(part.Text.AsSpan().ContainsAny('\r', '\n') ? part.Text.ReplaceLineEndings() : part.Text);
            }

            Out.WriteLine(line.ToString());
            return;
        }

        // Text, not markup: nothing in a part is read as a style or an :emoji: code.
        var paragraph = new Paragraph();
        foreach (var part in parts)
        {
            paragraph.Append(part.Text, part.Style is null ? Style.Plain : Style.Parse(part.Style));
        }

        Console.Write(paragraph);
        Console.WriteLine();
    }

    /// <summary>Writes an empty line the way <see cref="WriteLine(ReadOnlySpan{Styled})"/> writes text.</summary>
    public void WriteLine()
    {
        if (!UseColor && _outputRedirected)
        {
            Out.WriteLine();
        }
        else
        {
            Console.WriteLine();
        }
    }

    /// <summary>Reads one key from the terminal without echo; tests give keys from a string.</summary>
    public Func<ConsoleKeyInfo>? ReadKey { get; init; }

    /// <summary>Reads an environment variable (the process's, or a test's dictionary).</summary>
    public Func<string, string?> Environment { get; }

    /// <summary>True when standard error is a terminal: progress is then a live status line instead of quiet lines.</summary>
    public bool ErrorIsTerminal { get; init; }

    /// <summary>Polling and time limits of <c>reseal image</c>; null means the defaults (tests shorten them).</summary>
    public Reseal.Images.ImageSettings? ImageSettings { get; init; }


    /// <summary>The process's own streams.</summary>
    public static CliContext FromProcess() => new(
        System.Console.Out, System.Console.Error, () => System.Console.In,
        System.Console.IsOutputRedirected, System.Console.IsInputRedirected, System.Environment.GetEnvironmentVariable)
    {
        RawOut = () =>
        {
            // Standard output is descriptor 1 (the stream below is a duplicate of it): widen its pipe, if it is one.
            OutputPipe.Widen(1);
            return System.Console.OpenStandardOutput();
        },
        RawIn = System.Console.OpenStandardInput,
        ErrorIsTerminal = !System.Console.IsErrorRedirected,
    };

    /// <summary>
    /// Writes bytes exactly as given (a .reg export whose names may be Latin-1 or UTF-8, as hivexregedit writes them).
    /// Without a raw stream (in tests) they are decoded as UTF-8.
    /// </summary>
    public void WriteRaw(Stream bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        if (RawOut is null)
        {
            using var reader = new StreamReader(bytes, System.Text.Encoding.UTF8);
            Out.Write(reader.ReadToEnd());
            return;
        }

        Out.Flush();
        using var stream = RawOut();
        bytes.CopyTo(stream);
        stream.Flush();
    }

    /// <summary>
    /// Lets <paramref name="write"/> write bytes exactly as given straight to standard output, as
    /// <see cref="WriteRaw(Stream)"/> does; without a raw stream (in tests) they are collected and decoded as UTF-8.
    /// </summary>
    public void WriteRaw(Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        if (RawOut is null)
        {
            using var collected = new MemoryStream();
            write(collected);
            collected.Position = 0;
            WriteRaw(collected);
            return;
        }

        Out.Flush();
        using var stream = RawOut();
        write(stream);
        stream.Flush();
    }

    /// <summary>Writes one message line to standard error, prefixed with the program name.</summary>
    public void Message(string text) => Error.WriteLine($"reseal: {text}");

    /// <summary>Reads all of standard input, refusing more than <paramref name="maxChars"/> characters.</summary>
    public string ReadInput(long maxChars, string what)
    {
        var buffer = new System.Text.StringBuilder();
        var chunk = new char[81920];
        int read;
        while ((read = In.Read(chunk, 0, chunk.Length)) > 0)
        {
            buffer.Append(chunk, 0, read);
            if (buffer.Length > maxChars)
            {
                throw new BadInputException($"<stdin>: more than {maxChars:N0} characters of {what}; refused");
            }
        }

        return buffer.ToString();
    }

    /// <summary>
    /// Reads all of standard input as bytes, refusing more than <paramref name="maxBytes"/>: never more than that plus
    /// one buffer is held, whatever is piped in.
    /// </summary>
    public byte[] ReadInputBytes(long maxBytes, string what)
    {
        if (RawIn is null)
        {
            var text = ReadInput(maxBytes, what);
            var encoded = System.Text.Encoding.UTF8.GetBytes(text);
            return encoded.Length > maxBytes
                ? throw new BadInputException($"<stdin>: more than {maxBytes:N0} bytes of {what}; refused")
                : encoded;
        }

        using var input = RawIn();
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = input.Read(chunk, 0, chunk.Length)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                throw new BadInputException($"<stdin>: more than {maxBytes:N0} bytes of {what}; refused");
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    /// <summary>
    /// Reads a secret: from standard input when it is redirected (first line), else from the terminal without echo.
    /// </summary>
    public string ReadSecret(string prompt)
    {
        if (InputRedirected)
        {
            var line = In.ReadLine() ?? throw new BadInputException("standard input is empty; expected the password on its first line");
            return line;
        }

        Error.Write(prompt);
        var buffer = new System.Text.StringBuilder();
        while (true)
        {
            var key = ReadKey?.Invoke() ?? System.Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
            {
                break;
            }

            if (key.Key == ConsoleKey.Backspace)
            {
                if (buffer.Length > 0)
                {
                    buffer.Length--;
                }

                continue;
            }

            buffer.Append(key.KeyChar);
        }

        Error.WriteLine();
        return buffer.ToString();
    }
}
