namespace Reseal.Cloud.Metadata;

/// <summary>Bounded reads of metadata files from a mounted drive or folder.</summary>
internal static class LocalFiles
{
    /// <summary>The file's bytes, or null when it does not exist; an error when it is larger than the limit.</summary>
    public static async Task<byte[]?> ReadOptionalAsync(string provider, string path, int maxBytes, CancellationToken cancellationToken)
    {
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                return null;
            }

            if (info.Length > maxBytes)
            {
                throw new CloudException($"{provider}: {path} is {info.Length} bytes, more than the {maxBytes}-byte limit");
            }

            var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096, useAsync: true);
            await using (stream.ConfigureAwait(false))
            {
                // Sized from the file, not the limit: a small file under a large limit costs what it holds. One byte more
                // than the limit is read so a file that grew since it was measured is still caught.
                var buffer = new byte[checked((int)Math.Min(info.Length, maxBytes) + 1)];
                var total = 0;
                while (true)
                {
                    if (total == buffer.Length)
                    {
                        if (buffer.Length > maxBytes)
                        {
                            break;
                        }

                        Array.Resize(ref buffer, (int)Math.Min(buffer.Length * 2L, maxBytes + 1L));
                    }

                    var read = await stream.ReadAsync(buffer.AsMemory(total), cancellationToken).ConfigureAwait(false);
                    if (read == 0)
                    {
                        break;
                    }

                    total += read;
                }

                if (total > maxBytes)
                {
                    throw new CloudException($"{provider}: {path} is more than the {maxBytes}-byte limit");
                }

                return buffer.AsSpan(0, total).ToArray();
            }
        }
        catch (IOException e)
        {
            throw new CloudException($"{provider}: cannot read {path}: {e.Message}", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new CloudException($"{provider}: cannot read {path}: {e.Message}", e);
        }
    }
}
