using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;

namespace Reseal.TestSupport.Loopback;

/// <summary>
/// EC2 IMDS as documented (protocols.md §2, AEMM's behaviour): token PUT with a 1..21600 TTL header (else 400), the
/// TTL echoed, tokens of 32 random bytes in base64; a missing (when IMDSv2 is required), unknown or expired token gets
/// 401; absent items 404 with a small HTML page; paths ending '/' list their children one per line.
/// </summary>
public sealed class FakeImds
{
    private readonly ConcurrentDictionary<string, bool> _tokens = new();

    public Dictionary<string, string> Items { get; } = new(StringComparer.Ordinal)
    {
        ["meta-data/instance-id"] = "i-1234567890abcdef0",
        ["meta-data/local-hostname"] = "ip-172-16-34-43.ec2.internal",
        ["meta-data/hostname"] = "ip-172-16-34-43.ec2.internal",
        ["meta-data/local-ipv4"] = "172.16.34.43",
        ["meta-data/instance-type"] = "m4.xlarge",
        ["meta-data/ami-id"] = "ami-0a887e401f7654935",
        ["meta-data/placement/availability-zone"] = "us-east-1a",
        ["meta-data/block-device-mapping/ami"] = "/dev/xvda",
        ["meta-data/block-device-mapping/root"] = "/dev/xvda",
        ["meta-data/public-keys/0/openssh-key"] = "ssh-rsa AAAAB3NzaC1yc2E test",
    };

    public bool RequireV2 { get; set; } = true;

    /// <summary>When set, the token PUT answers with this status (403/404/405 = no IMDSv2, 400 = bad request).</summary>
    public int? TokenPutStatus { get; set; }

    /// <summary>Every GET after this many successful ones finds its token expired (once).</summary>
    public int? ExpireTokensAfterGets { get; set; }

    /// <summary>Reject every token, fresh or not.</summary>
    public bool RejectAllTokens { get; set; }

    /// <summary>Per-path replies that replace the normal answer (slow, truncated, garbage…).</summary>
    public Dictionary<string, Func<LoopbackReply?>> Overrides { get; } = new(StringComparer.Ordinal);

    public string? UserData { get; set; }

    private int _gets;

    public LoopbackReply Handle(LoopbackRequest request)
    {
        if (Overrides.TryGetValue(request.Path, out var over) && over() is { } overridden)
        {
            return overridden;
        }

        if (request.Path.EndsWith("/api/token", StringComparison.Ordinal))
        {
            return HandleToken(request);
        }

        if (request.Method != "GET")
        {
            return LoopbackReply.Error(405, "405 - Method Not Allowed");
        }

        var token = request.Header("X-aws-ec2-metadata-token");
        if (token is null ? RequireV2 : (RejectAllTokens || !_tokens.ContainsKey(token)))
        {
            return LoopbackReply.Error(401, "401 - Unauthorized");
        }

        if (ExpireTokensAfterGets is { } limit && Interlocked.Increment(ref _gets) > limit)
        {
            ExpireTokensAfterGets = null;
            _tokens.Clear();
            return LoopbackReply.Error(401, "401 - Unauthorized");
        }

        if (!request.Path.StartsWith("/latest/", StringComparison.Ordinal))
        {
            return LoopbackReply.Error(404, "404 - Not Found");
        }

        var path = request.Path["/latest/".Length..];
        if (path == "user-data")
        {
            return UserData is null
                ? LoopbackReply.Error(404, "404 - Not Found")
                : LoopbackReply.Ok(UserData, ("Content-Type", "application/octet-stream"));
        }

        if (Items.TryGetValue(path, out var value))
        {
            return LoopbackReply.Ok(value, ("Content-Type", "text/plain"));
        }

        // A category answers with or without its trailing slash (meta-data/tags/instance is documented without one).
        if (!path.EndsWith('/') && path.Length > 0 && Items.Keys.Any(k => k.StartsWith(path + "/", StringComparison.Ordinal)))
        {
            path += "/";
        }

        if (path.EndsWith('/'))
        {
            var children = Items.Keys.Where(k => k.StartsWith(path, StringComparison.Ordinal))
                .Select(k => k[path.Length..])
                .Select(rest => rest.Contains('/', StringComparison.Ordinal) ? rest[..(rest.IndexOf('/', StringComparison.Ordinal) + 1)] : rest)
                .Distinct()
                .ToList();
            if (path == "meta-data/public-keys/")
            {
                children = [.. children.Select(c => c.TrimEnd('/') + "=my-key")];
            }

            if (children.Count > 0)
            {
                return LoopbackReply.Ok(string.Join('\n', children), ("Content-Type", "text/plain"));
            }
        }

        return LoopbackReply.Error(404, "404 - Not Found");
    }

    private LoopbackReply HandleToken(LoopbackRequest request)
    {
        if (TokenPutStatus is { } status)
        {
            return LoopbackReply.Error(status, $"{status}");
        }

        if (request.Method != "PUT")
        {
            return LoopbackReply.Ok("");
        }

        if (request.Path != "/latest/api/token" || request.Header("X-Forwarded-For") is not null)
        {
            return LoopbackReply.Error(403, "403 - Forbidden");
        }

        var ttl = request.Header("X-aws-ec2-metadata-token-ttl-seconds");
        if (!int.TryParse(ttl, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) || seconds is < 1 or > 21600)
        {
            return LoopbackReply.Error(400, "400 - Bad Request");
        }

        var token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        _tokens[token] = true;
        return LoopbackReply.Ok(token, ("X-aws-ec2-metadata-token-ttl-seconds", ttl!));
    }
}
