using System.Text.Json;
using Reseal.Images.Http;

namespace Reseal.Images.OpenStack;

/// <summary>
/// A Nova server object (<c>GET /servers/{id}</c>: <c>status</c>, <c>OS-EXT-STS:task_state</c>, <c>fault</c>) as a
/// machine status. Huawei Cloud's ECS answers with the same object, so both clouds read it here.
/// </summary>
internal static class NovaServerStatus
{
    public static MachineStatus From(JsonElement root, string machineId)
    {
        var server = Json.Object(root, "server");
        var status = Json.String(server, "status") ?? "UNKNOWN";
        var task = Json.String(server, "OS-EXT-STS:task_state");
        var phase = status switch
        {
            "ACTIVE" when task is "powering-off" => MachinePhase.Stopping,
            "ACTIVE" => MachinePhase.Running,
            "BUILD" or "REBUILD" or "REBOOT" or "HARD_REBOOT" => MachinePhase.Pending,
            "SHUTOFF" when task is "powering-on" => MachinePhase.Pending,
            "SHUTOFF" => MachinePhase.Stopped,
            "DELETED" or "SOFT_DELETED" => MachinePhase.Terminated,
            "ERROR" => MachinePhase.Error,
            _ => MachinePhase.Other,
        };
        var shown = task is null ? status : $"{status} ({task})";
        return new MachineStatus(machineId, shown, phase, Json.String(Json.Object(server, "fault"), "message"));
    }
}
