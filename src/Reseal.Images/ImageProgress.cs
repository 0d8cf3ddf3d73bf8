namespace Reseal.Images;

/// <summary>
/// One step or change worth telling the user while an operation runs. The CLI shows them as a live status line on a
/// terminal and as plain lines in a pipeline (a line only when <see cref="Changed"/> is true).
/// </summary>
/// <param name="Resource">The instance or image the message is about.</param>
/// <param name="Message">What is happening (state, progress).</param>
/// <param name="Elapsed">Time since the operation started.</param>
/// <param name="Changed">True when something changed since the last report (a new state, a new milestone); false
/// for a repeat that only refreshes the elapsed time.</param>
public sealed record ImageProgress(string Resource, string Message, TimeSpan Elapsed, bool Changed);
