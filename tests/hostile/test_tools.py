"""Issue 16 item 9: external programs run through one helper with a timeout and typed errors."""
from __future__ import annotations

import sys

import pytest

from edgecompile.errors import ToolError
from edgecompile.tools import run


def test_timeout_kills_the_program_and_its_children():
    with pytest.raises(ToolError, match="did not finish within 1 s"):
        run([sys.executable, "-c", "import subprocess, time; subprocess.Popen(['sleep', '60']); time.sleep(60)"],
            "A stuck tool", timeout=1)


def test_missing_program_and_crash_are_typed():
    with pytest.raises(ToolError, match="was not found"):
        run(["/nonexistent/cc"], "Compiling")
    with pytest.raises(ToolError, match="SIGSEGV"):
        run([sys.executable, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGSEGV)"], "A crashing tool")
    assert run([sys.executable, "-c", "print('ok')"], "Python").stdout.strip() == "ok"
