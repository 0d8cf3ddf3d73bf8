// Reseal's start-up code for the win-x64 Native AOT build linked on Linux (scripts/win-aot/README.md).
//
// A Native AOT executable for Windows is the compiled program plus the runtime's static libraries, which were built
// with Microsoft's C++ compiler and expect its C runtime's static start-up part (vcruntime/libcmt): the entry point,
// the security cookie, thread-local storage, the C++ allocation operators. The Universal CRT (ucrt.lib) and the system
// import libraries come from the Windows SDK package on NuGet; this small part does not exist there, so it is written
// here, from Microsoft's documentation of what each piece must do (docs/windows-behaviour.md, "Native AOT on Windows").
// The memory and string routines and the structured-exception handler are ntdll.dll's own exports (ntdll-crt.def).
//
// Compiled with clang for x86_64-pc-windows-msvc; no header is used, so the declarations below are the documented
// signatures written out.

typedef unsigned long long size_t;
typedef unsigned long long uintptr_t;

extern "C" {
typedef void(__cdecl* InitFunction)(void);
typedef int(__cdecl* InitFunctionWithResult)(void);
typedef void(__stdcall* TlsCallback)(void* module, unsigned long reason, void* reserved);

// The Universal CRT (ucrtbase.dll through the api-ms-win-crt-* sets of ucrt.lib).
__declspec(dllimport) void* __cdecl malloc(size_t size);
__declspec(dllimport) void __cdecl free(void* block);
__declspec(dllimport) int __cdecl _crt_atexit(InitFunction function);
__declspec(dllimport) int __cdecl _configure_wide_argv(int mode);
__declspec(dllimport) int __cdecl _initialize_wide_environment(void);
__declspec(dllimport) wchar_t** __cdecl _get_initial_wide_environment(void);
__declspec(dllimport) void __cdecl _initterm(InitFunction* first, InitFunction* last);
__declspec(dllimport) int __cdecl _initterm_e(InitFunctionWithResult* first, InitFunctionWithResult* last);
__declspec(dllimport) int* __cdecl __p___argc(void);
__declspec(dllimport) wchar_t*** __cdecl __p___wargv(void);
__declspec(dllimport) void __cdecl _set_app_type(int type);
__declspec(dllimport) __declspec(noreturn) void __cdecl exit(int status);

// kernel32.dll.
__declspec(dllimport) int __stdcall QueryPerformanceCounter(long long* count);
__declspec(dllimport) unsigned long __stdcall GetCurrentProcessId(void);
__declspec(dllimport) unsigned long __stdcall GetCurrentThreadId(void);
__declspec(dllimport) void __stdcall GetSystemTimeAsFileTime(unsigned long long* time);

// The runtime's own main (bootstrapper.obj).
int wmain(int argc, wchar_t** argv);

// Tells the linker that floating point is used (the compiler references it from any object that uses floats).
int _fltused = 0x9875;

// Initializer tables. The linker sorts sections of one name by the text after '$' and merges them, so everything a
// compiler puts in .CRT$XCU (C++ constructors of globals), .CRT$XIC (C initializers), .CRT$XDC (dynamic initializers
// of thread_local variables) or .CRT$XLC..XLY (TLS callbacks) lies between the A and Z markers defined here.
#pragma section(".CRT$XIA", long, read)
#pragma section(".CRT$XIZ", long, read)
#pragma section(".CRT$XCA", long, read)
#pragma section(".CRT$XCZ", long, read)
#pragma section(".CRT$XDA", long, read)
#pragma section(".CRT$XDZ", long, read)
#pragma section(".CRT$XLA", long, read)
#pragma section(".CRT$XLC", long, read)
#pragma section(".CRT$XLZ", long, read)
#pragma section(".rdata$T", long, read)
__declspec(allocate(".CRT$XIA")) InitFunctionWithResult __xi_a[] = { 0 };
__declspec(allocate(".CRT$XIZ")) InitFunctionWithResult __xi_z[] = { 0 };
__declspec(allocate(".CRT$XCA")) InitFunction __xc_a[] = { 0 };
__declspec(allocate(".CRT$XCZ")) InitFunction __xc_z[] = { 0 };
__declspec(allocate(".CRT$XDA")) InitFunction __xd_a = 0;
__declspec(allocate(".CRT$XDZ")) InitFunction __xd_z = 0;
__declspec(allocate(".CRT$XLA")) TlsCallback __xl_a = 0;
__declspec(allocate(".CRT$XLZ")) TlsCallback __xl_z = 0;

// Implicit thread-local storage (__declspec(thread), C++ thread_local): the PE format's TLS directory, which the
// linker finds by the name _tls_used and points the image's TLS data directory entry at. The loader copies the
// template between _tls_start and _tls_end (every object's .tls$ section lies between them) into each new thread's
// block, stores the module's slot in _tls_index, and calls the callbacks listed from __xl_a + 1 to the null at __xl_z.
#pragma section(".tls", long, read, write)
#pragma section(".tls$ZZZ", long, read, write)
__declspec(allocate(".tls")) char _tls_start = 0;
__declspec(allocate(".tls$ZZZ")) char _tls_end = 0;
unsigned long _tls_index = 0;
struct ImageTlsDirectory64 {
    uintptr_t StartAddressOfRawData;
    uintptr_t EndAddressOfRawData;
    uintptr_t AddressOfIndex;
    uintptr_t AddressOfCallBacks;
    unsigned long SizeOfZeroFill;
    unsigned long Characteristics;
};
extern const __declspec(allocate(".rdata$T")) ImageTlsDirectory64 _tls_used = {
    (uintptr_t)&_tls_start, (uintptr_t)&_tls_end, (uintptr_t)&_tls_index, (uintptr_t)(&__xl_a + 1), 0, 0 };

// Thread-local variables with dynamic initializers: the compiler guards each access with __tls_guard and calls
// __dyn_tls_on_demand_init on a thread where it is still false. The same initializers run from a TLS callback for every
// thread created later (DLL_THREAD_ATTACH); the first thread runs them from the entry point, after the C++ globals.
__declspec(thread) bool __tls_guard = false;
void __stdcall __dyn_tls_init(void*, unsigned long reason, void*)
{
    const unsigned long threadAttach = 2; // DLL_THREAD_ATTACH
    if (reason != threadAttach || __tls_guard)
        return;
    __tls_guard = true;
    for (InitFunction* function = &__xd_a + 1; function != &__xd_z; ++function)
        if (*function != 0)
            (*function)();
}
void __cdecl __dyn_tls_on_demand_init(void) { __dyn_tls_init(0, 2, 0); }
__attribute__((used)) __declspec(allocate(".CRT$XLC")) TlsCallback __xl_c = __dyn_tls_init;

// Ends the process at once through the processor's fast-fail interrupt (int 0x29, code in ecx): the kernel
// raises a non-continuable exception that no handler in the process sees; Windows Error Reporting records the code.
// What __fastfail does in Microsoft's compiler.
__attribute__((noreturn)) static void fastFail(unsigned int code)
{
    __asm__ volatile("int $0x29" : : "c"(code));
    __builtin_unreachable();
}

// Buffer security checks (/GS). Functions with a stack buffer save __security_cookie xor their frame pointer and call
// __security_check_cookie before returning; a mismatch means the stack was overwritten, and the process ends at once
// (fast fail: no handler runs on a corrupted stack). The cookie is made unpredictable before any such
// function runs (Microsoft's page on __security_init_cookie: a program with its own entry point must do it), here
// from the time, the performance counter, the process and thread ids and a stack address. Its upper 16 bits stay zero
// and it never equals the compiled-in default, as with Visual C++'s runtime.
const uintptr_t defaultCookie = 0x00002B992DDFA232ull;
uintptr_t __security_cookie = defaultCookie;
uintptr_t __security_cookie_complement = ~defaultCookie;
static void initializeSecurityCookie(void)
{
    unsigned long long time = 0;
    long long counter = 0;
    GetSystemTimeAsFileTime(&time);
    QueryPerformanceCounter(&counter);
    uintptr_t cookie = time;
    cookie ^= (uintptr_t)counter << 32;
    cookie ^= (uintptr_t)counter;
    cookie ^= (uintptr_t)GetCurrentProcessId() << 16;
    cookie ^= GetCurrentThreadId();
    cookie ^= (uintptr_t)&cookie;
    cookie &= 0x0000FFFFFFFFFFFFull;
    if (cookie == defaultCookie || cookie == 0)
        cookie = defaultCookie + 1;
    __security_cookie = cookie;
    __security_cookie_complement = ~cookie;
}
// __security_check_cookie(cookie in rcx): the compiler's callers expect every register but rcx and the flags to survive
// the call (the function's return value may be in rax across it), which C cannot promise, so it is written in assembly.
__asm__(".text\n"
        ".globl __security_check_cookie\n"
        ".def __security_check_cookie; .scl 2; .type 32; .endef\n"
        ".p2align 4\n"
        "__security_check_cookie:\n"
        "    cmpq __security_cookie(%rip), %rcx\n"
        "    jne 1f\n"
        "    retq\n"
        "1:\n"
        "    movl $2, %ecx\n" // FAST_FAIL_STACK_COOKIE_CHECK_FAILURE
        "    int $0x29\n");
// The exception handler of /GS functions that also have exception handling: Visual C++'s checks the frame's cookie
// while an exception passes through and then lets the search go on. Here it only lets the search go on: a frame that
// returns normally is still checked, one that an exception unwinds is not. 1 is ExceptionContinueSearch.
int __cdecl __GSHandlerCheck(void*, void*, void*, void*) { return 1; }
void __cdecl __report_rangecheckfailure(void) { fastFail(8); } // FAST_FAIL_RANGE_CHECK_FAILURE

// A pure virtual function was called: a bug in the runtime; end the process.
int __cdecl _purecall(void) { fastFail(7); } // FAST_FAIL_FATAL_APP_EXIT

// Control Flow Guard is not enabled in this build (no /guard:cf): an indirect call through the dispatch pointer goes
// straight to its target, which the compiler passes in rax. The pointer is read-only data, as in Visual C++'s runtime.
__attribute__((naked)) static void dispatchIndirectCall(void) { __asm__("jmp *%rax"); }
extern void* const __guard_dispatch_icall_fptr = (void*)&dispatchIndirectCall;

// Functions to run at exit(): the UCRT's process-wide table.
int __cdecl atexit(InitFunction function) { return _crt_atexit(function); }

// The entry point (the linker's /ENTRY): what mainCRTStartup does for a console program using the UCRT DLL.
void __cdecl wmainCRTStartup(void)
{
    initializeSecurityCookie();
    _set_app_type(1); // _crt_console_app
    if (_configure_wide_argv(1) != 0 || _initialize_wide_environment() != 0) // 1: _crt_argv_unexpanded_arguments
        exit(255);
    if (_initterm_e(__xi_a, __xi_z) != 0)
        exit(255);
    _initterm(__xc_a, __xc_z);
    __dyn_tls_on_demand_init();
    exit(wmain(*__p___argc(), *__p___wargv()));
}
}

// The runtime allocates with the non-throwing forms of new and frees with delete.
namespace std {
struct nothrow_t {
    explicit nothrow_t() = default;
};
extern const nothrow_t nothrow;
const nothrow_t nothrow{};
}
void* operator new(size_t size, const std::nothrow_t&) noexcept { return malloc(size != 0 ? size : 1); }
void* operator new[](size_t size, const std::nothrow_t&) noexcept { return malloc(size != 0 ? size : 1); }
void operator delete(void* block) noexcept { free(block); }
void operator delete[](void* block) noexcept { free(block); }
void operator delete(void* block, size_t) noexcept { free(block); }
void operator delete[](void* block, size_t) noexcept { free(block); }
