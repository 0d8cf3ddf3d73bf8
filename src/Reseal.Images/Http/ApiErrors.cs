using System.Net;
using System.Text.Json;

namespace Reseal.Images.Http;

/// <summary>
/// Turns an OpenStack or Huawei error answer into an <see cref="ImageCloudException"/>. Their bodies name the error
/// in several shapes: Nova <c>{"itemNotFound": {"message", "code"}}</c>, Keystone <c>{"error": {"message", "code",
/// "title"}}</c>, Glance plain text or HTML, Huawei <c>{"error": {"code", "message"}}</c> or <c>{"error_code",
/// "error_msg"}</c>.
/// </summary>
internal static class ApiErrors
{
    public static ImageCloudException From(ApiResponse response, string what, string? advice = null)
    {
        var message = MessageOf(response.Body);
        var status = (int)response.Status;
        var kind = response.Status switch
        {
            HttpStatusCode.NotFound => ImageFailureKind.NotFound,
            HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => ImageFailureKind.Credentials,
            HttpStatusCode.Conflict => ImageFailureKind.WrongState,
            HttpStatusCode.BadRequest or HttpStatusCode.RequestEntityTooLarge or HttpStatusCode.UnprocessableEntity => ImageFailureKind.InvalidRequest,
            HttpStatusCode.TooManyRequests => ImageFailureKind.Unreachable,
            _ when status >= 500 => ImageFailureKind.Unreachable,
            _ => ImageFailureKind.CloudFailed,
        };
        var text = $"{what}: HTTP {status}{(message is null ? "" : $": {message}")}";
        if (kind == ImageFailureKind.Unreachable && status == 429)
        {
            text += " (rate limited even after retries; try again later)";
        }

        return new ImageCloudException(kind, advice is null ? text : $"{text} ({advice})");
    }

    /// <summary>The error text of a body, whatever its shape; null when it has none.</summary>
    public static string? MessageOf(string body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return null;
        }

        try
        {
            using var json = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 16 });
            return Find(json.RootElement, 0);
        }
        catch (JsonException)
        {
            return ApiResponse.Snippet(body);
        }
    }

    private static string? Find(JsonElement element, int depth)
    {
        if (element.ValueKind != JsonValueKind.Object || depth > 3)
        {
            return null;
        }

        foreach (var name in (string[])["message", "error_msg", "errorMessage", "faultstring", "title"])
        {
            if (element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text)
            {
                var code = element.TryGetProperty("error_code", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString()
                    : element.TryGetProperty("code", out var c2) && c2.ValueKind == JsonValueKind.String ? c2.GetString() : null;
                return code is null ? text : $"{code}: {text}";
            }
        }

        foreach (var property in element.EnumerateObject())
        {
            if (Find(property.Value, depth + 1) is { } found)
            {
                return found;
            }
        }

        return null;
    }
}
