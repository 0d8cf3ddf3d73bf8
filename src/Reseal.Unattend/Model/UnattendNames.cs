using System.Xml.Linq;

namespace Reseal.Unattend.Model;

/// <summary>Namespaces and names used by Windows answer files.</summary>
public static class UnattendNames
{
    /// <summary>The answer-file namespace, <c>urn:schemas-microsoft-com:unattend</c>.</summary>
    public static readonly XNamespace Unattend = "urn:schemas-microsoft-com:unattend";

    /// <summary>The WMI configuration namespace that carries <c>wcm:action</c> and <c>wcm:keyValue</c>.</summary>
    public static readonly XNamespace Wcm = "http://schemas.microsoft.com/WMIConfig/2002/State";

    /// <summary>The catalog namespace of <c>cpi:offlineImage</c>.</summary>
    public static readonly XNamespace Cpi = "urn:schemas-microsoft-com:cpi";

    /// <summary>The XML Schema instance namespace that WSIM declares on every component.</summary>
    public static readonly XNamespace Xsi = "http://www.w3.org/2001/XMLSchema-instance";

    public static readonly XName Root = Unattend + "unattend";
    public static readonly XName Settings = Unattend + "settings";
    public static readonly XName Component = Unattend + "component";
    public static readonly XName Servicing = Unattend + "servicing";
    public static readonly XName OfflineImage = Cpi + "offlineImage";
    public static readonly XName WcmAction = Wcm + "action";
    public static readonly XName WcmKeyValue = Wcm + "keyValue";

    /// <summary>The public key token of every Microsoft component.</summary>
    public const string MicrosoftPublicKeyToken = "31bf3856ad364e35";
}
