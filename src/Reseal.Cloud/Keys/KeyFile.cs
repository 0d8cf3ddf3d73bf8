namespace Reseal.Cloud.Keys;

/// <summary>
/// Reads a key file for <see cref="RsaPrivateKey.Load"/> and <see cref="RsaPublicKey.Load"/>: at most
/// <see cref="MaximumLength"/> bytes are read whatever the file claims (a FIFO or a device reports no length), the
/// text encoding follows its byte order mark (UTF-8 otherwise), and every error names the file.
/// </summary>
internal static class KeyFile
{
    /// <summary>Largest key file read; a 16384-bit private key in PEM is under 13 KB.</summary>
    public const int MaximumLength = 1024 * 1024;

    public static T Load<T>(string path, Func<string, T> parse)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(parse);
        var text = ReadText(path);
        try
        {
            return parse(text);
        }
        catch (CloudException e)
        {
            throw new CloudException($"{path}: {e.Message}", e);
        }
    }

    private static string ReadText(string path)
    {
        try
        {
            using var stream = Reseal.IO.RegularFile.OpenRead(path);
            var buffer = new byte[MaximumLength + 1];
            var total = 0;
            int read;
            while (total < buffer.Length && (read = stream.Read(buffer, total, buffer.Length - total)) > 0)
            {
                total += read;
            }

            if (total > MaximumLength)
            {
                throw new CloudException($"{path}: more than {MaximumLength} bytes is too large for a key file");
            }

            using var reader = new StreamReader(new MemoryStream(buffer, 0, total), System.Text.Encoding.UTF8,
                detectEncodingFromByteOrderMarks: true);
            return reader.ReadToEnd();
        }
        catch (IOException e)
        {
            throw new CloudException($"{path}: cannot read the key file: {e.Message}", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new CloudException($"{path}: cannot read the key file: {e.Message}", e);
        }
    }
}
