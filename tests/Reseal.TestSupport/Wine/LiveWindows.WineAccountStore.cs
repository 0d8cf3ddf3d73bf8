// Not part of Reseal.TestSupport (its project removes this file): compiled into Reseal.Windows only in the Wine test build
// (scripts/publish.sh --folder or --wine-test sets ResealWineTestBuild; src/Reseal.Windows/Reseal.Windows.csproj links this file and
// FileAccountStore.cs). The shipped build has no body for the partial method and so no trace of the test store.
using Reseal.TestSupport.Wine;
using Reseal.Windows.Ports;

namespace Reseal.Windows.Live;

/// <summary>The account port of the Wine test build.</summary>
public sealed partial class LiveWindows
{
    /// <summary>
    /// Under Wine, when <see cref="FileAccountStore.EnvironmentVariable"/> names a file, keeps accounts there: Wine has no
    /// account database (its NetUserSetInfo is a stub that hangs). The Wine lifecycle tests set the variable for the
    /// service too, so every reseal.exe of a test prefix sees the same accounts.
    /// </summary>
    static partial void ReplaceAccountsForWineTests(ref ILocalAccounts accounts)
    {
        if (WineDetection.IsWine && Environment.GetEnvironmentVariable(FileAccountStore.EnvironmentVariable) is { Length: > 0 } store)
        {
            accounts = new FileAccountStore(store);
        }
    }
}
