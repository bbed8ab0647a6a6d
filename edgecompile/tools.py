"""The one way edgecompile runs an external program (compilers, QEMU, onnx2tf, workers): always with
a timeout, never through a shell, and with a typed error that names the tool when it cannot start,
hangs or is killed by a signal."""
from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path
from typing import Sequence

from edgecompile.errors import ToolError

DEFAULT_TIMEOUT_S = 600.0  # a compiler or emulator that runs longer than this is stuck, not slow


def run(cmd: Sequence[str | os.PathLike], what: str, timeout: float | None = DEFAULT_TIMEOUT_S,
        **kwargs) -> subprocess.CompletedProcess:
    """Run `cmd` (a list, no shell; kwargs: cwd, env) capturing text output; the caller checks the return code.

    Raises ToolError when the program is missing, cannot start, outlives `timeout` seconds
    (it and its children are killed), or dies from a signal (a crash, not a clean failure).
    """
    cmd = [str(c) for c in cmd]
    try:
        # a new session: a timeout kills the whole process group (compilers spawn cc1, as, ld)
        proc = subprocess.Popen(cmd, start_new_session=True, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, errors="replace", **kwargs)
    except FileNotFoundError as e:
        raise ToolError(f"{what}: the program '{Path(cmd[0]).name}' was not found ({e.strerror}).") from e
    except OSError as e:
        raise ToolError(f"{what}: '{Path(cmd[0]).name}' could not be started: {e.strerror or e}.") from e
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        proc.communicate()
        raise ToolError(f"{what}: '{Path(cmd[0]).name}' did not finish within {timeout:g} s and was stopped.") from None
    except BaseException:  # Ctrl-C or SIGTERM of the driver: do not leave the tool running
        _kill_group(proc)
        proc.communicate()
        raise
    if proc.returncode < 0:
        name = _signal_name(-proc.returncode)
        tail = " | ".join(((err or "") + (out or "")).strip().splitlines()[-2:])
        raise ToolError(f"{what}: '{Path(cmd[0]).name}' was killed by {name}"
                        f"{' (' + tail + ')' if tail else ''}. Its input may be damaged or hostile.")
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        proc.kill()


def _signal_name(num: int) -> str:
    try:
        return signal.Signals(num).name
    except ValueError:
        return f"signal {num}"
