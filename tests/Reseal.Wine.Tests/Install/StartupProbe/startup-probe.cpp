// A small Windows program linked with scripts/win-aot/startup.cpp exactly as reseal.exe is, without the .NET runtime, so
// StartupCodeTests can see what the start-up code does: the /GS cookie, C++ constructors of globals, dynamic
// initialization of thread_local variables on the first thread and on a new one, __security_check_cookie leaving rax
// alone, and the exit code reaching the parent. Prints one line of key=value pairs.

extern "C" {
__declspec(dllimport) int __cdecl __stdio_common_vsprintf(unsigned long long options, char* buffer, unsigned long long count,
    const char* format, void* locale, __builtin_va_list arguments);
__declspec(dllimport) void* __stdcall GetStdHandle(unsigned long handle);
__declspec(dllimport) int __stdcall WriteFile(void* file, const void* data, unsigned long size, unsigned long* written, void* overlapped);
__declspec(dllimport) void* __stdcall CreateThread(void* attributes, unsigned long long stack, unsigned long(__stdcall* start)(void*),
    void* parameter, unsigned long flags, unsigned long* id);
__declspec(dllimport) unsigned long __stdcall WaitForSingleObject(void* handle, unsigned long milliseconds);
extern unsigned long long __security_cookie;
void __cdecl __security_check_cookie(unsigned long long cookie);
}

static void print(const char* format, ...)
{
    char line[512];
    __builtin_va_list arguments;
    __builtin_va_start(arguments, format);
    int length = __stdio_common_vsprintf(0, line, sizeof line, format, nullptr, arguments);
    __builtin_va_end(arguments);
    unsigned long written = 0;
    if (length > 0)
        WriteFile(GetStdHandle(static_cast<unsigned long>(-11)), line, static_cast<unsigned long>(length), &written, nullptr);
}

// A global with a constructor: runs from the .CRT$XCU table before wmain.
static int constructed = 0;
struct Global {
    Global() { constructed++; }
};
static Global global;

// A thread_local with a dynamic initializer: each thread gets its own, initialized once on that thread.
static int threadsInitialized = 0;
struct PerThread {
    int order;
    PerThread() : order(++threadsInitialized) { }
};
thread_local PerThread perThread;

static int workerOrder = 0;
static unsigned long __stdcall worker(void*)
{
    workerOrder = perThread.order;
    return 0;
}

// Calls __security_check_cookie with the right cookie and a value in rax, and returns what rax holds afterwards.
static unsigned long long raxAfterCookieCheck()
{
    unsigned long long rax;
    __asm__ volatile("movq $0x5EA15EA1, %%rax\n\t"
                     "movq %1, %%rcx\n\t"
                     "subq $40, %%rsp\n\t"
                     "callq __security_check_cookie\n\t"
                     "addq $40, %%rsp\n\t"
                     : "=a"(rax)
                     : "m"(__security_cookie)
                     : "rcx", "rdx", "r8", "r9", "r10", "r11", "memory", "cc");
    return rax;
}

extern "C" int wmain(int argc, wchar_t** argv)
{
    (void)argv;
    int mainOrder = perThread.order;
    void* thread = CreateThread(nullptr, 0, worker, nullptr, 0, nullptr);
    WaitForSingleObject(thread, 0xFFFFFFFF);
    print("cookie=%llx constructed=%d main=%d worker=%d threads=%d rax=%llx argc=%d\n", __security_cookie, constructed, mainOrder,
        workerOrder, threadsInitialized, raxAfterCookieCheck(), argc);
    return 40 + argc;
}
