using System.Runtime.InteropServices;
using System.Text;

namespace Reseal.Wine.Tests.Harness;

/// <summary>
/// A machine's COM1: a Linux pseudo-terminal whose slave Wine opens as the serial port (a tty, so line settings are
/// real termios that <c>stty</c> can read back), and whose master a thread of the harness reads into a capture file.
/// The harness keeps a slave descriptor open, so the line is never hung up between the machine's openers.
/// <see cref="Block"/> plays a blocked, flow-controlled line: the reader stops and the kernel's buffer is filled, so a
/// write to the port takes no byte until <see cref="Unblock"/>.
/// </summary>
public sealed partial class PtyCapture : IDisposable
{
    private const int ORdWr = 2;
    private const int ONoCtty = 0x100;
    private const int ONonBlock = 0x800;
    private const short PollIn = 1;

    private readonly int _master;
    private readonly int _slave;
    private readonly FileStream _capture;
    private readonly Thread _reader;
    private volatile bool _stop;
    private volatile bool _paused;
    private long _discard;

    private PtyCapture(int master, int slave, string slavePath, string capturePath)
    {
        _master = master;
        _slave = slave;
        SlavePath = slavePath;
        _capture = new FileStream(capturePath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
        _reader = new Thread(Read) { IsBackground = true, Name = "COM1 capture" };
        _reader.Start();
    }

    /// <summary>The pseudo-terminal's slave (<c>/dev/pts/N</c>): what Wine's COM1 points to.</summary>
    public string SlavePath { get; }

    /// <summary>Opens a pseudo-terminal and starts reading it into <paramref name="capturePath"/> (appended).</summary>
    public static PtyCapture Open(string capturePath)
    {
        var master = PosixOpenPt(ORdWr | ONoCtty);
        if (master < 0 || GrantPt(master) != 0 || UnlockPt(master) != 0)
        {
            throw new IOException($"cannot open a pseudo-terminal (errno {Marshal.GetLastPInvokeError()})");
        }

        var name = new byte[128];
        if (PtsNameR(master, name, (nuint)name.Length) != 0)
        {
            CloseFd(master);
            throw new IOException($"ptsname_r failed (errno {Marshal.GetLastPInvokeError()})");
        }

        var path = Encoding.ASCII.GetString(name, 0, Array.IndexOf(name, (byte)0));
        var slave = OpenPath(path, ORdWr | ONoCtty | ONonBlock);
        if (slave < 0)
        {
            CloseFd(master);
            throw new IOException($"cannot open {path} (errno {Marshal.GetLastPInvokeError()})");
        }

        return new PtyCapture(master, slave, path, capturePath);
    }

    /// <summary>
    /// Stops reading and fills the kernel's buffer from the slave side, so that the machine's next write to COM1 takes
    /// no byte. Returns how many filler bytes are queued (dropped from the capture by <see cref="Unblock"/>).
    /// </summary>
    public long Block()
    {
        _paused = true;
        Thread.Sleep(300); // let a read in progress finish
        var filler = new byte[4096];
        long queued = 0;

        // With output processing on (OPOST, a fresh pseudo-terminal's default) the kernel stops taking the filler while
        // KBs still fit a raw write, and Wine sets the line raw when it opens COM1: the run's lines would still go
        // through. So the filler is written raw (OPOST off for the fill, the settings restored after; the queued bytes
        // stay), in smaller and smaller writes down to one byte: then a raw write takes nothing (checked on Linux 6).
        var settings = new byte[TermiosSize];
        var saved = TcGetAttr(_slave, settings) == 0;
        if (saved)
        {
            var raw = (byte[])settings.Clone();
            BitConverter.TryWriteBytes(raw.AsSpan(TermiosOutputFlags, 4), BitConverter.ToUInt32(raw, TermiosOutputFlags) & ~OutputPostProcess);
            _ = TcSetAttr(_slave, TcsaNow, raw);
        }

        for (var size = filler.Length; size >= 1; size /= 8)
        {
            while (true)
            {
                var written = WriteBytes(_slave, filler, size);
                if (written <= 0)
                {
                    break; // EAGAIN: no room for this size
                }

                queued += written;
            }
        }

        if (saved)
        {
            _ = TcSetAttr(_slave, TcsaNow, settings);
        }

        Interlocked.Add(ref _discard, queued);
        return queued;
    }

    /// <summary>Reads again; the filler bytes <see cref="Block"/> queued are dropped, not captured.</summary>
    public void Unblock() => _paused = false;

    private void Read()
    {
        var buffer = new byte[8192];
        var poll = new PollFd { Fd = _master, Events = PollIn };
        while (!_stop)
        {
            if (_paused)
            {
                Thread.Sleep(50);
                continue;
            }

            poll.Revents = 0;
            if (PollOne(ref poll, 1, 200) <= 0 || (poll.Revents & PollIn) == 0)
            {
                if (poll.Revents != 0)
                {
                    Thread.Sleep(50); // hang-up or error: nothing to read now
                }

                continue;
            }

            var read = (int)ReadBytes(_master, buffer, buffer.Length);
            if (read <= 0)
            {
                continue;
            }

            var skip = (int)Math.Min(read, Interlocked.Read(ref _discard));
            Interlocked.Add(ref _discard, -skip);
            _capture.Write(buffer, skip, read - skip);
            _capture.Flush();
        }
    }

    public void Dispose()
    {
        _stop = true;
        _reader.Join(TimeSpan.FromSeconds(5));
        _capture.Dispose();
        CloseFd(_slave);
        CloseFd(_master);
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [LibraryImport("libc", EntryPoint = "posix_openpt", SetLastError = true)]
    private static partial int PosixOpenPt(int flags);

    [LibraryImport("libc", EntryPoint = "grantpt", SetLastError = true)]
    private static partial int GrantPt(int fd);

    [LibraryImport("libc", EntryPoint = "unlockpt", SetLastError = true)]
    private static partial int UnlockPt(int fd);

    [LibraryImport("libc", EntryPoint = "ptsname_r", SetLastError = true)]
    private static partial int PtsNameR(int fd, [Out] byte[] buffer, nuint length);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenPath(string path, int flags);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int CloseFd(int fd);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    private static partial nint ReadBytes(int fd, [Out] byte[] buffer, nint count);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static partial nint WriteBytes(int fd, [In] byte[] buffer, nint count);

    // struct termios on Linux (asm-generic/termbits.h): c_iflag, c_oflag, c_cflag, c_lflag, c_line, c_cc[19]... 60 bytes
    // on x86-64 and arm64 with glibc; a larger buffer is harmless.
    private const int TermiosSize = 128;
    private const int TermiosOutputFlags = 4;
    private const uint OutputPostProcess = 1; // OPOST
    private const int TcsaNow = 0;

    [LibraryImport("libc", EntryPoint = "tcgetattr", SetLastError = true)]
    private static partial int TcGetAttr(int fd, [Out] byte[] termios);

    [LibraryImport("libc", EntryPoint = "tcsetattr", SetLastError = true)]
    private static partial int TcSetAttr(int fd, int action, [In] byte[] termios);

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    private static partial int PollOne(ref PollFd fds, nuint count, int timeout);
}
