namespace Reseal.Registry;

/// <summary>Checks that a written hive reads back exactly as the document that produced it.</summary>
internal static class HiveVerifier
{
    public static void Verify(HiveDocument document, Hive written)
    {
        var pending = new Stack<(EditableKey Expected, RegistryKey Actual, byte[] Security)>();
        var rootSecurity = document.Root.SecurityDescriptor ?? DefaultSecurity.Descriptor();
        pending.Push((document.Root, written.Root, rootSecurity));
        while (pending.Count > 0)
        {
            var (expected, actual, security) = pending.Pop();
            var path = expected.Path;
            Require(actual.Name == expected.Name, path, "name");
            Require((actual.ClassName ?? string.Empty) == (expected.ClassName ?? string.Empty), path, "class name");
            var descriptor = expected.SecurityDescriptor ?? security;
            Require(actual.GetSecurityDescriptor().AsSpan().SequenceEqual(descriptor), path, "security descriptor");
            var values = actual.GetValues();
            Require(values.Count == expected.Values.Count, path, "value count");
            for (var i = 0; i < values.Count; i++)
            {
                var want = expected.Values[i];
                Require(values[i].Name == want.Name && values[i].RawType == want.Type
                    && values[i].GetData().AsSpan().SequenceEqual(want.Data), path, $"value \"{want.Name}\"");
            }

            var children = actual.GetSubkeys();
            Require(children.Count == expected.Subkeys.Count, path, "subkey count");
            for (var i = 0; i < children.Count; i++)
            {
                pending.Push((expected.Subkeys[i], children[i], descriptor));
            }
        }
    }

    private static void Require(bool condition, string path, string what)
    {
        if (!condition)
        {
            throw new InvalidOperationException($"the written hive does not read back as written: {what} differs at {path}");
        }
    }
}
