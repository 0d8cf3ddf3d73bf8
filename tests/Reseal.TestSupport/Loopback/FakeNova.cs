namespace Reseal.TestSupport.Loopback;

/// <summary>
/// Nova's metadata service as documented (protocols.md §3.1): version listing, meta_data.json, user_data and
/// network_data.json under openstack/latest (404 when absent), the EC2-compatible tree, and the password endpoint
/// (GET reads, POST stores once, 409 when already set, 400 beyond 1,020 bytes or for other methods).
/// </summary>
public sealed class FakeNova
{
    public string Versions { get; set; } =
        "2012-08-10\n2013-04-04\n2013-10-17\n2015-10-15\n2016-06-30\n2016-10-06\n2017-02-22\n2018-08-27\nlatest";

    public string MetaData { get; set; } = """
        {"uuid": "d8e02d56-2648-49a3-bf97-6be8f1204f38", "name": "win-test", "hostname": "win-test.novalocal",
         "availability_zone": "nova", "launch_index": 0,
         "public_keys": {"mykey": "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ mykey\n"},
         "keys": [{"name": "mykey", "type": "ssh", "data": "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ mykey\n"},
                  {"name": "other", "type": "x509", "data": "-----BEGIN CERTIFICATE-----"}],
         "meta": {"role": "webserver"}}
        """;

    public string? UserData { get; set; } = "#ps1\nWrite-Host hello";

    public string? NetworkData { get; set; } = """{"links": [], "networks": [], "services": []}""";

    public string? StoredPassword { get; private set; }

    public Dictionary<string, Func<LoopbackReply?>> Overrides { get; } = new(StringComparer.Ordinal);

    public void SetStoredPassword(string value) => StoredPassword = value;

    public LoopbackReply Handle(LoopbackRequest request)
    {
        if (Overrides.TryGetValue(request.Path, out var over) && over() is { } overridden)
        {
            return overridden;
        }

        if (request.Path == "/openstack/2013-04-04/password")
        {
            return HandlePassword(request);
        }

        return request.Path switch
        {
            "/openstack" or "/openstack/" => LoopbackReply.Ok(Versions),
            "/openstack/latest/meta_data.json" => LoopbackReply.Ok(MetaData, ("Content-Type", "application/json")),
            "/openstack/latest/user_data" when UserData is not null => LoopbackReply.Ok(UserData),
            "/openstack/latest/network_data.json" when NetworkData is not null => LoopbackReply.Ok(NetworkData),
            "/latest/meta-data/instance-id" => LoopbackReply.Ok("i-0000002a"),
            _ => LoopbackReply.Error(404, "404 Not Found"),
        };
    }

    private LoopbackReply HandlePassword(LoopbackRequest request)
    {
        switch (request.Method)
        {
            case "GET":
                return LoopbackReply.Ok(StoredPassword ?? "");
            case "POST":
                if (request.Body.Length > 4 * 255)
                {
                    return LoopbackReply.Text(400, "Request is too large.");
                }

                if (!string.IsNullOrEmpty(StoredPassword))
                {
                    return LoopbackReply.Text(409, "Password already set.");
                }

                StoredPassword = request.BodyText;
                return LoopbackReply.Ok("");
            default:
                return LoopbackReply.Text(400, "GET and POST only are supported.");
        }
    }
}
