using System.Security.Cryptography;
using System.Text;
using Reseal.TestSupport;

namespace Reseal.Wine.Tests.Harness;

/// <summary>
/// The harness's stand-in for a serial line's modem signals. Wine maps COM1 to a Unix tty (here a pseudo-terminal the
/// harness reads, <see cref="PtyCapture"/>), and a pseudo-terminal has no modem lines: <c>TIOCMGET</c>,
/// <c>TIOCMBIS</c>, <c>TIOCMBIC</c> and <c>TIOCMSET</c> fail on it, so Wine's <c>GetCommModemStatus</c> and
/// <c>EscapeCommFunction</c> fail and System.IO.Ports refuses the port ("Request not supported"). Every real COM port
/// (a UART, a hypervisor's virtual one) has them. This library, preloaded into the machine's Wine processes
/// (<c>LD_PRELOAD</c>), answers those four requests on a pseudo-terminal as a null-modem cable would (DSR, CTS and CD
/// on; DTR/RTS changes accepted) when the real call fails, and changes nothing else: line settings (termios), reads,
/// writes and timeouts are Wine's and the kernel's own. Built once per test run with the system C compiler.
/// </summary>
public static class NullModemShim
{
    private const string Source = """
        /* Test-only: answers the modem-line ioctls on a pseudo-terminal, which has no modem lines (see NullModemShim.cs). */
        #define _GNU_SOURCE
        #include <dlfcn.h>
        #include <errno.h>
        #include <stdarg.h>
        #include <sys/ioctl.h>
        #include <sys/stat.h>
        #include <sys/sysmacros.h>

        static int is_pty(int fd) {
            struct stat st;
            /* Unix98 pseudo-terminal slaves: majors 136-143 (Documentation/admin-guide/devices.txt). */
            return fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) >= 136 && major(st.st_rdev) <= 143;
        }

        int ioctl(int fd, unsigned long request, ...) {
            static int (*real)(int, unsigned long, ...);
            va_list ap;
            va_start(ap, request);
            void *arg = va_arg(ap, void *);
            va_end(ap);
            if (!real) real = (int (*)(int, unsigned long, ...))dlsym(RTLD_NEXT, "ioctl");
            int saved = errno;
            int result = real(fd, request, arg);
            if (result == -1 && is_pty(fd)) {
                switch (request) {
                case TIOCMGET: *(int *)arg = TIOCM_DSR | TIOCM_CTS | TIOCM_CAR; errno = saved; return 0;
                case TIOCMSET: case TIOCMBIS: case TIOCMBIC: errno = saved; return 0;
                }
            }
            return result;
        }
        """;

    /// <summary>Builds the library into <paramref name="folder"/>; skips the test when no C compiler is installed.</summary>
    public static string Build(string folder)
    {
        var compiler = ExternalTool.Find("cc") ?? ExternalTool.Find("gcc") ?? ExternalTool.Find("clang");
        Assert.SkipWhen(compiler is null, "no C compiler (Debian package gcc; .ci/run installs it): the Wine harness builds its null-modem shim for COM1 with it");
        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(Source)))[..12].ToLowerInvariant();
        var library = Path.Combine(folder, $"nullmodem-{hash}.so");
        if (File.Exists(library))
        {
            return library;
        }

        Directory.CreateDirectory(folder);
        var source = Path.Combine(folder, "nullmodem.c");
        File.WriteAllText(source, Source);
        var result = HostProcess.Run(compiler!, ["-shared", "-fPIC", "-O2", "-o", library, source, "-ldl"], TimeSpan.FromMinutes(2));
        WinePrefixTemplate.Must(result, "building the null-modem shim");
        return library;
    }
}
