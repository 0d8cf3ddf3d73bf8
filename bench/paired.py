#!/usr/bin/env python3
"""Whole-process runs interleaved (A B C A B C ...), so a busy machine weighs on every command alike. Per command: median
CPU time (user + system, the kernel's accounting of the finished child, from wait4), median wall time, exit codes
seen; then the pair-by-pair ratio of the first command to the second. Two warm-up rounds are not counted. Standard
input, output and error are /dev/null. Peak memory is left to /usr/bin/time -f %M: a child spawned from here (vfork)
reports this Python process's own peak as its starting maxrss.
usage: bench/paired.py RUNS 'command 1' 'command 2' ..."""
import os, sys, time, shlex, statistics
if len(sys.argv) < 3:
    sys.exit(__doc__)
runs = int(sys.argv[1]); cmds = [shlex.split(c) for c in sys.argv[2:]]
res = [[] for _ in cmds]
devnull = os.open(os.devnull, os.O_RDWR)
for r in range(runs + 2):
    for i, c in enumerate(cmds):
        t0 = time.perf_counter()
        # posix_spawn (vfork in glibc): a fork of this Python process would charge its page-table copy to the child.
        pid = os.posix_spawnp(c[0], c, os.environ, file_actions=[(os.POSIX_SPAWN_DUP2, devnull, 0),
            (os.POSIX_SPAWN_DUP2, devnull, 1), (os.POSIX_SPAWN_DUP2, devnull, 2)])
        _, status, ru = os.wait4(pid, 0)
        wall = time.perf_counter() - t0
        if r >= 2:
            res[i].append((ru.ru_utime + ru.ru_stime, wall, os.waitstatus_to_exitcode(status)))
for i, c in enumerate(sys.argv[2:]):
    cpu = statistics.median(x[0] for x in res[i]) * 1000
    wall = statistics.median(x[1] for x in res[i]) * 1000
    codes = sorted(set(x[2] for x in res[i]))
    print(f"{cpu:7.1f} ms CPU  {wall:7.1f} ms wall  exit {codes}  {c}")
# pair-by-pair ratio of first to second
if len(cmds) >= 2:
    ratios = sorted((a[0] / b[0]) if b[0] > 0 else float('nan') for a, b in zip(res[0], res[1]))
    wr = sorted(a[1] / b[1] for a, b in zip(res[0], res[1]))
    print(f"ratio cmd1/cmd2 pair by pair, median: CPU {statistics.median(ratios):.2f}x  wall {statistics.median(wr):.2f}x")
