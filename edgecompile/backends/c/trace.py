"""Executed-block counts of one inference from QEMU's `-d exec,nochain` log, streamed through a FIFO.

A whole inference logs millions of lines ("Trace 0: <host> [<cs_base>/<pc>/<flags>/<cflags>] <symbol>",
one per translated block run; `nochain` makes QEMU log every block instead of jumping between them),
so the log is never stored: QEMU writes into a named pipe and this reads it as it comes, keeping only a
Counter of (segment, block start, block instruction limit, next block start). Counting starts at the
firmware's `ec_trace_begin` and stops at `ec_trace_end`; each call of the profile mark (`<prefix>_profile_mark`,
made before every layer) starts a new segment, which is how the estimate is split by layer.
"""
from __future__ import annotations

import os
import subprocess
import tempfile
import threading
from collections import Counter
from pathlib import Path
from typing import Iterable

from edgecompile.errors import EdgeCompileError

CF_COUNT_MASK = 0x1FF  # QEMU's cflags: a block capped at this many instructions (0: no cap)


def count_blocks(lines: Iterable[str], begin: int, end: int, marks: frozenset = frozenset()) -> Counter:
    """(segment, start, limit, next start) -> executions, for the blocks between `begin` and `end`.
    Blocks starting at `begin`, `end` or in `marks` are not counted; entering a mark starts a segment."""
    counts: Counter = Counter()
    b, e = f"{begin:08x}", f"{end:08x}"
    mk = {f"{m:08x}" for m in marks}
    inside, prev, seg = False, None, 0
    for line in lines:
        i = line.find("[")
        if i < 0 or not line.startswith("Trace"):
            continue
        pc = line[i + 10:i + 18]
        if not inside:
            inside = pc == b
            continue
        if prev is not None:
            counts[(seg, prev, nxt_limit, pc)] += 1
        if pc == e:
            break
        if pc in mk:
            seg += 1
            prev = None
            continue
        prev, nxt_limit = pc, int(line[i + 28:i + 36], 16) & CF_COUNT_MASK
    for _ in lines:  # let QEMU finish writing
        pass
    return Counter({(s, int(a, 16), lim, int(n, 16)): c for (s, a, lim, n), c in counts.items()})


def traced_run(qemu: str, machine: str, elf: Path, begin: int, end: int, marks: frozenset = frozenset(),
               timeout: float = 900) -> tuple[Counter, str]:
    """Run the firmware under QEMU with the block trace on; the counts and the firmware's stdout."""
    with tempfile.TemporaryDirectory(prefix="ec-trace-") as tmp:
        fifo, out_path = Path(tmp) / "exec.log", Path(tmp) / "stdout"
        os.mkfifo(fifo)
        # no -icount: under it QEMU logs blocks that it enters and leaves at once (instruction budget spent)
        cmd = [qemu, "-M", machine, "-nographic", "-monitor", "none", "-serial", "none",
               "-semihosting-config", "enable=on,target=native", "-d", "exec,nochain", "-D", str(fifo),
               "-kernel", str(elf)]
        with open(out_path, "w") as out:
            proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
        # if QEMU dies before opening the pipe, open its write end so the read below sees EOF instead of blocking
        threading.Thread(target=_unblock, args=(proc, fifo), daemon=True).start()
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        try:
            with open(fifo, errors="replace") as f:
                counts = count_blocks(f, begin, end, marks)
            rc = proc.wait()
        finally:
            timer.cancel()
        text = out_path.read_text(errors="replace")
    if rc != 0 or "EC done=1" not in text:
        raise EdgeCompileError(f"The traced firmware did not finish under {machine} (exit {rc}): {text[-800:]}")
    if not counts:
        raise EdgeCompileError("QEMU's block trace held no block between ec_trace_begin and ec_trace_end.")
    return counts, text


def _unblock(proc: subprocess.Popen, fifo: Path) -> None:
    proc.wait()
    try:
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
    except OSError:  # the reader is gone already: nothing to unblock
        pass
