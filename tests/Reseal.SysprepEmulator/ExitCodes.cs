namespace Reseal.SysprepEmulator;

/// <summary>
/// The emulator's exit codes: 0 on success, otherwise the HRESULT of the failure (real Sysprep's exit code on failure
/// is not documented; a nonzero HRESULT is what callers can rely on). Under <c>wine</c>, a Linux parent sees only the low
/// byte (0xF2 for 0x80073CF2); a Windows parent (reseal.exe) sees the whole value.
/// </summary>
public static class ExitCodes
{
    public const int Success = 0;

    /// <summary>E_INVALIDARG: a switch or combination Sysprep refuses.</summary>
    public const int InvalidArguments = unchecked((int)0x80070057);

    /// <summary>E_ACCESSDENIED: not an administrator.</summary>
    public const int AccessDenied = unchecked((int)0x80070005);

    /// <summary>HRESULT_FROM_WIN32(ERROR_ALREADY_EXISTS): another Sysprep is running.</summary>
    public const int AlreadyRunning = unchecked((int)0x800700B7);

    /// <summary>HRESULT_FROM_WIN32(ERROR_BAD_ENVIRONMENT): not started from %WINDIR%\System32\Sysprep.</summary>
    public const int WrongFolder = unchecked((int)0x8007000A);

    /// <summary>HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND): the /unattend file does not exist.</summary>
    public const int FileNotFound = unchecked((int)0x80070002);

    /// <summary>HRESULT_FROM_WIN32(ERROR_INVALID_DATA): the answer file cannot be used.</summary>
    public const int InvalidAnswerFile = unchecked((int)0x8007000D);

    /// <summary>HRESULT_FROM_WIN32(ERROR_GEN_FAILURE) (dwRet = 31): an earlier Sysprep stopped part-way.</summary>
    public const int InvalidState = unchecked((int)0x8007001F);

    /// <summary>0x80073CF2: a per-user AppX package.</summary>
    public const int StorePackage = unchecked((int)0x80073CF2);

    /// <summary>0xC004D307: SL_E_REARM_LIMIT_REACHED.</summary>
    public const int RearmLimit = unchecked((int)0xC004D307);

    /// <summary>0x80310039: BitLocker is on.</summary>
    public const int BitLocker = unchecked((int)0x80310039);

    /// <summary>E_FAIL: a Setup pass failed at boot (fatal RunSynchronous result, bad answer file).</summary>
    public const int SetupFailed = unchecked((int)0x80004005);

    public static string Hex(int code) => "0x" + code.ToString("x8", System.Globalization.CultureInfo.InvariantCulture);
}
