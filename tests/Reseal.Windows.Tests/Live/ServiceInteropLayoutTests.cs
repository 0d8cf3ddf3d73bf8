using System.Runtime.InteropServices;
using Reseal.Windows.Live;

namespace Reseal.Windows.Tests.Live;

// The structures are declared for Windows only; their layout is the same managed metadata on every OS, so it is checked here.
#pragma warning disable CA1416

/// <summary>The marshalled layouts against winsvc.h's documented x64 layouts (natural alignment, 8-byte pointers).</summary>
public class ServiceInteropLayoutTests
{
    private static void Require64Bit() => Assert.SkipUnless(Environment.Is64BitProcess, "the documented layouts checked here are the 64-bit ones");

    [Fact]
    public void ServiceStatus_SevenDwords_28Bytes()
    {
        Assert.Equal(28, Marshal.SizeOf<NativeMethods.ServiceStatus>());
        string[] fields = ["ServiceType", "CurrentState", "ControlsAccepted", "Win32ExitCode", "ServiceSpecificExitCode", "CheckPoint", "WaitHint"];
        for (var i = 0; i < fields.Length; i++)
        {
            Assert.Equal(i * 4, (int)Marshal.OffsetOf<NativeMethods.ServiceStatus>(fields[i]));
        }
    }

    [Fact]
    public void ServiceFailureActions_X64_40BytesWithPaddedPointers()
    {
        Require64Bit();

        Assert.Equal(40, Marshal.SizeOf<NativeMethods.ServiceFailureActions>());
        Assert.Equal(0, (int)Marshal.OffsetOf<NativeMethods.ServiceFailureActions>("ResetPeriodSeconds"));
        Assert.Equal(8, (int)Marshal.OffsetOf<NativeMethods.ServiceFailureActions>("RebootMessage"));
        Assert.Equal(16, (int)Marshal.OffsetOf<NativeMethods.ServiceFailureActions>("Command"));
        Assert.Equal(24, (int)Marshal.OffsetOf<NativeMethods.ServiceFailureActions>("ActionCount"));
        Assert.Equal(32, (int)Marshal.OffsetOf<NativeMethods.ServiceFailureActions>("Actions"));
    }

    [Fact]
    public void ScAction_TypeAndDelay_8Bytes()
    {
        Assert.Equal(8, Marshal.SizeOf<NativeMethods.ScAction>());
        Assert.Equal(4, (int)Marshal.OffsetOf<NativeMethods.ScAction>("Delay"));
    }

    [Fact]
    public void SmallStructures_X64_DocumentedSizes()
    {
        Require64Bit();

        Assert.Equal(16, Marshal.SizeOf<NativeMethods.ServiceTableEntry>());
        Assert.Equal(8, Marshal.SizeOf<NativeMethods.ServiceDescription>());
        Assert.Equal(4, Marshal.SizeOf<NativeMethods.ServiceBoolInfo>());
        Assert.Equal(4, Marshal.SizeOf<NativeMethods.ServicePreshutdownInfo>());
    }

    [Fact]
    public void ServiceStatus_MarshalledBytes_MatchFieldOrder()
    {
        var status = new NativeMethods.ServiceStatus
        {
            ServiceType = 0x10, CurrentState = 3, ControlsAccepted = 0, Win32ExitCode = 1066, ServiceSpecificExitCode = 42, CheckPoint = 2, WaitHint = 5000,
        };
        var buffer = Marshal.AllocHGlobal(28);
        try
        {
            Marshal.StructureToPtr(status, buffer, false);
            var words = Enumerable.Range(0, 7).Select(i => (uint)Marshal.ReadInt32(buffer, i * 4)).ToArray();

            Assert.Equal([0x10u, 3u, 0u, 1066u, 42u, 2u, 5000u], words);
        }
        finally
        {
            Marshal.FreeHGlobal(buffer);
        }
    }
}
