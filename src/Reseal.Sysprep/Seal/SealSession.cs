using System.Collections.Immutable;
using Reseal.Unattend.Model;
using Reseal.Unattend.Passwords;
using Reseal.Windows.Layout;
using Reseal.Windows.Ports;

namespace Reseal.Sysprep.Seal;

/// <summary>
/// One apply, in the plan's order: each change is journaled (and the journal saved) before it is made, and what it
/// left is recorded once it is made. The BeforeSysprep hook runs between <see cref="ApplyBeforeHook"/> and
/// <see cref="ApplyFirstBootHook"/> (by <see cref="SealRunner"/>; an offline apply has none to run).
/// </summary>
internal sealed class SealSession(IWindowsMachine machine, string journalPath, TimeProvider time)
{
    private readonly IWindowsFiles _files = machine.Files;
    private readonly IRegistry _registry = machine.Registry;
    private readonly JournalWriter _journal = new(machine.Files, journalPath, time);

    public SealJournal Journal => _journal.Journal;

    /// <summary>The step being applied (for messages).</summary>
    public string Step { get; private set; } = SealStepIds.ResetAgentState;

    public string JournalPath => journalPath;

    /// <summary>Agent state, answer file, cached answer files and UnattendFile, RDP: the steps before the BeforeSysprep hook.</summary>
    public void ApplyBeforeHook(SealPlan plan)
    {
        // Directories the apply creates, outermost first, so a rollback can remove them.
        var created = new List<string>();
        IEnumerable<string> needed = plan.WithoutSysprep ? [] : [_files.Expand(SealPaths.SysprepDirectory), Parent(plan.SetupComplete.Path)];
        if (plan.AdminPasswordConfig is { } config)
        {
            needed = needed.Append(Parent(config.Path));
        }

        foreach (var directory in needed)
        {
            var path = "";
            foreach (var part in directory.Split('\\'))
            {
                path = path.Length == 0 ? part : path + "\\" + part;
                if (path.Length > 2 && !_files.DirectoryExists(path) && !created.Contains(path, StringComparer.OrdinalIgnoreCase))
                {
                    created.Add(path);
                }
            }
        }

        _journal.CreateDirectories(created);

        // Agent state (the files AgentStateStore.Reset deletes that exist); with --clean the logs.
        Step = SealStepIds.ResetAgentState;
        foreach (var path in plan.StateFiles.Concat(plan.LogFiles))
        {
            if (!_files.FileExists(path))
            {
                continue;
            }

            var index = Record(new FileJournalChange(Step, path, [.. _files.ReadAllBytes(path)]));
            _files.DeleteFile(path);
            Left(index, path);
        }

        // The kept agent's own state: its files deleted or rewritten, its registry values deleted or set.
        foreach (var change in plan.AgentStateChanges)
        {
            switch (change)
            {
                case DeleteAgentFile delete when _files.FileExists(delete.Path):
                    var deleted = Record(new FileJournalChange(Step, delete.Path, [.. _files.ReadAllBytes(delete.Path)]));
                    _files.DeleteFile(delete.Path);
                    Left(deleted, delete.Path);
                    break;
                case RewriteAgentFile rewrite:
                    var rewritten = Record(new FileJournalChange(Step, rewrite.Path, _files.FileExists(rewrite.Path) ? [.. _files.ReadAllBytes(rewrite.Path)] : default));
                    _files.WriteAllBytes(rewrite.Path, rewrite.After.AsSpan());
                    Left(rewritten, rewrite.Path);
                    break;
                case AgentServiceStartChange start when machine.Services.Find(start.Service) is { StartMode: { } mode } service && mode != start.Mode:
                    Record(new ServiceStartJournalChange(Step, service.Name, mode));
                    machine.Services.SetStartMode(service.Name, start.Mode);
                    break;
                case AgentRegistryChange value:
                    var current = _registry.GetValue(value.Hive, value.Key, value.Name);
                    if (value.Data is null ? current is null : value.Data.Equals(current))
                    {
                        break;
                    }

                    Record(new RegistryJournalChange(Step, value.Hive, value.Key, value.Name, _registry.KeyExists(value.Hive, value.Key), current?.Type, current is null ? [] : current.Bytes));
                    if (value.Data is null)
                    {
                        _registry.DeleteValue(value.Hive, value.Key, value.Name);
                    }
                    else
                    {
                        _registry.SetValue(value.Hive, value.Key, value.Name, value.Data);
                    }

                    break;
            }
        }

        // The administrator password choice in Reseal's agent configuration. The previous file is journaled (it is in the
        // same administrators-only folder); the new one may hold a specified password, which the agent removes once set.
        if (plan.AdminPasswordConfig is { } password)
        {
            Step = SealStepIds.SetAdminPassword;
            var index = Record(new FileJournalChange(Step, password.Path, _files.FileExists(password.Path) ? [.. _files.ReadAllBytes(password.Path)] : default));
            _files.WriteAllBytes(password.Path, password.After.AsSpan());
            Left(index, password.Path);
        }

        if (plan.WithoutSysprep || plan.AnswerFile is null)
        {
            return; // --no-sysprep: no answer file, RDP as it is
        }

        // The answer file.
        Step = SealStepIds.WriteAnswerFile;
        var target = plan.AnswerFile.TargetPath;
        // The previous file is journaled without its secrets (a static password, obfuscated, is one): the journal stays in
        // the image. Rollback gives it back scrubbed; one that is not an answer file at all is not kept (rollback deletes ours).
        var answer = Record(new FileJournalChange(Step, target, _files.FileExists(target) && WithoutSecrets(_files.ReadAllBytes(target), target) is { } previous
            ? [.. previous] : default));
        _files.WriteAllBytes(target, plan.AnswerFile.Bytes.AsSpan());
        Left(answer, target);

        // Cached answer files moved aside (copy to the new name, then delete the old). The copy keeps no secret: every
        // password the classifier finds is replaced by Setup's own *SENSITIVE*DATA*DELETED*, so a rollback still
        // puts the file back (scrubbed) and the image holds no clear text. A file that is not a readable answer file
        // cannot be scrubbed: it is deleted, not kept (Setup could not use it either). The journal keeps only paths.
        Step = SealStepIds.MoveStaleAnswerFile;
        foreach (var move in plan.StaleAnswerFiles)
        {
            if (_files.FileExists(move.To))
            {
                throw new InvalidOperationException($"{move.To} already exists; move it away before sealing");
            }

            var kept = WithoutSecrets(_files.ReadAllBytes(move.From), move.From);
            var index = Record(new MoveJournalChange(Step, move.From, move.To));
            if (kept is not null)
            {
                _files.WriteAllBytes(move.To, kept);
            }

            _files.DeleteFile(move.From);
            Left(index, move.To);
        }

        // HKLM\SYSTEM\Setup!UnattendFile naming another answer file: cleared.
        if (plan.UnattendFileToClear is not null
            && _registry.GetValue(RegistryHive.System, AnswerFileLocations.RegistryKey, AnswerFileLocations.RegistryValueName) is { } unattend)
        {
            Record(new RegistryJournalChange(Step, RegistryHive.System, AnswerFileLocations.RegistryKey, AnswerFileLocations.RegistryValueName, true, unattend.Type, unattend.Bytes));
            _registry.DeleteValue(RegistryHive.System, AnswerFileLocations.RegistryKey, AnswerFileLocations.RegistryValueName);
        }

        // RDP denied.
        Step = SealStepIds.DenyRdp;
        var before = _registry.GetValue(RegistryHive.System, SealPaths.TerminalServerKey, SealPaths.RdpValueName);
        if (before?.AsDWord() != 1 || before.Type != RegistryData.TypeDWord)
        {
            Record(new RegistryJournalChange(Step, RegistryHive.System, SealPaths.TerminalServerKey, SealPaths.RdpValueName,
                _registry.KeyExists(RegistryHive.System, SealPaths.TerminalServerKey), before?.Type, before is null ? [] : before.Bytes));
            _registry.SetValue(RegistryHive.System, SealPaths.TerminalServerKey, SealPaths.RdpValueName, RegistryData.FromDWord(1));
        }
    }

    /// <summary>
    /// The first-boot hook in SetupComplete.cmd, computed from the file as it is now (the BeforeSysprep hook may have
    /// changed it), so nothing it wrote is lost.
    /// </summary>
    public void ApplyFirstBootHook(SealPlan plan)
    {
        Step = SealStepIds.FirstBootHook;
        if (plan.HookLines.IsEmpty)
        {
            return; // the kept agent starts by itself (EC2Launch v2's service, EC2Launch v1's scheduled task)
        }

        var path = plan.SetupComplete.Path;
        ImmutableArray<byte> current = _files.FileExists(path) ? [.. _files.ReadAllBytes(path)] : default;
        var after = SetupCompleteScript.WithHookLines(current.IsDefault ? [] : current.AsSpan(), plan.HookLines);
        if (!current.IsDefault && current.AsSpan().SequenceEqual(after.AsSpan()))
        {
            return;
        }

        var index = Record(new FileJournalChange(Step, path, current));
        _files.WriteAllBytes(path, after.AsSpan());
        Left(index, path);
    }

    /// <summary>Undoes every change, deletes the journal and the directories the apply created; returns what failed.</summary>
    public List<string> UndoAll()
    {
        // With problems, the journal on disk is what a later "reseal seal --rollback" needs: it is kept.
        return _journal.AfterUndo(SealUndo.Undo(machine, Journal), "reseal seal --rollback");
    }

    private static string Parent(string windowsPath) => windowsPath[..windowsPath.LastIndexOf('\\')];

    /// <summary>The answer file with every secret scrubbed (Setup's marker), or null when it is not a readable answer file.</summary>
    private static byte[]? WithoutSecrets(byte[] bytes, string path)
    {
        try
        {
            return AnswerFileScrubber.Scrub(bytes, path).Bytes;
        }
        catch (AnswerFileFormatException)
        {
            return null;
        }
    }

    private int Record(JournalChange change) => _journal.Record(change);

    private void Left(int index, string path) => _journal.Left(index, path);
}
