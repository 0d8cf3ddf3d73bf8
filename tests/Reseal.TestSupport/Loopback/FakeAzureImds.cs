namespace Reseal.TestSupport.Loopback;

/// <summary>
/// Azure IMDS as documented (learn.microsoft.com virtual-machines/instance-metadata-service): the <c>Metadata: true</c>
/// header required (400 with a JSON error otherwise), the instance document at api-version 2021-02-01, text endpoints
/// with <c>format=text</c>, user data base64 at api-version 2021-01-01 (empty when none was given), 404 otherwise.
/// </summary>
public static class FakeAzureImds
{
    public const string Instance = """
        {"compute": {"vmId": "02aab8a4-74ef-476e-8182-f6d2ba4166a6", "name": "examplevmname", "location": "westus",
                     "zone": "1", "vmSize": "Standard_D2s_v3",
                     "osProfile": {"adminUsername": "admin", "computerName": "examplevmname"},
                     "publicKeys": [{"keyData": "ssh-rsa AAAAB3NzaC1yc2E azure", "path": "/home/user/.ssh/authorized_keys"}]},
         "network": {"interface": [{"ipv4": {"ipAddress": [{"privateIpAddress": "10.144.133.132", "publicIpAddress": ""}]}}]}}
        """;

    /// <summary>The handler for a loopback server; <paramref name="userDataBase64"/> null serves empty user data.</summary>
    public static Func<LoopbackRequest, LoopbackReply> Handler(string? userDataBase64, string instance = Instance) => request =>
    {
        if (request.Header("Metadata") != "true")
        {
            return LoopbackReply.Text(400, "{\"error\": \"Bad request. Required metadata header not specified\"}");
        }

        return request.Path switch
        {
            "/metadata/instance?api-version=2021-02-01" => LoopbackReply.Ok(instance, ("Content-Type", "application/json")),
            "/metadata/instance/compute/vmId?api-version=2021-02-01&format=text" => LoopbackReply.Ok("02aab8a4-74ef-476e-8182-f6d2ba4166a6"),
            "/metadata/instance/compute/userData?api-version=2021-01-01&format=text" => LoopbackReply.Ok(userDataBase64 ?? ""),
            _ => LoopbackReply.Text(404, "{\"error\": \"Not found\"}"),
        };
    };
}
