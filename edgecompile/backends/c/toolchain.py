"""Running a C compiler for one target: a missing compiler, an option it rejects (an unknown -mcpu) or
generated code it refuses is a ToolchainError with the compiler's first error line, not its whole output."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from edgecompile.errors import ToolchainError
from edgecompile.tools import run as run_tool


def first_error(stderr: str) -> str:
    """The compiler's first error line (gcc lists every valid CPU after an unknown -mcpu: not that)."""
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    for ln in lines:
        if "error" in ln.lower():
            return ln[:300]
    return lines[0][:300] if lines else "(no message)"


def require(tool: str, why: str) -> str:
    path = shutil.which(tool)
    if path is None:
        raise ToolchainError(f"'{tool}' is not on PATH: {why}. Install it (Debian: gcc-arm-none-eabi "
                             f"libnewlib-arm-none-eabi for arm-none-eabi-gcc) or choose another target.")
    return path


def run(cmd: list[str], what: str) -> subprocess.CompletedProcess:
    """Run a compile step; a failure names the step, the compiler and its first error line."""
    proc = run_tool(cmd, what)  # a timeout or a crash of the compiler is a ToolError
    if proc.returncode != 0:
        raise ToolchainError(f"{what} failed ({Path(cmd[0]).name} {' '.join(a for a in cmd[1:] if a.startswith('-m'))}"
                             f"): {first_error(proc.stderr)}")
    return proc
