"""The README's command blocks as runnable transcripts, and the "shape" their output must keep.

A block marked `<!-- run -->` on the line before its fence is run. A ```python block runs as one
script (it must simply not fail). Any other block is a transcript: lines starting with `$ ` are commands (a trailing `\\` continues one), everything else is what they printed. The test
runs the commands in order in one bash session and checks that every printed line of the README
still has a line of the same shape in the real output: numbers, hashes, folders and the width
of table borders may differ; words, columns, row labels and units may not.
"""
from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path

MARK = "<!-- run -->"  # or <!-- run: base-install -->
SEP = "@@edgecompile-readme-command@@"
HERE = Path(__file__).resolve().parent


@dataclass
class Block:
    line: int  # 1-based line of the fence in README.md
    commands: list[str]
    output: list[str]
    base_install: bool = False  # run as `pip install -e .` without extras would (tests/base_install)


def blocks(text: str) -> list[Block]:
    lines, out, i = text.splitlines(), [], 0
    while i < len(lines):
        if lines[i].strip().startswith(MARK[:-4]) and i + 1 < len(lines) and lines[i + 1].startswith("```"):
            base = "base-install" in lines[i]
            start, body, i = i + 2, [], i + 2
            while i < len(lines) and not lines[i].startswith("```"):
                body.append(lines[i])
                i += 1
            if lines[start - 1].startswith("```python"):
                out.append(Block(start, ["python - <<'PYTHON'\n" + "\n".join(body) + "\nPYTHON"], []))
            else:
                out.append(_transcript(start, body))
            out[-1].base_install = base
        i += 1
    return out


def _transcript(line: int, body: list[str]) -> Block:
    commands, output, pending = [], [], None
    for raw in body:
        if pending is not None:
            pending += "\n" + raw
            if not raw.endswith("\\"):
                commands.append(pending)
                pending = None
        elif raw.startswith("$ "):
            if raw.endswith("\\"):
                pending = raw[2:]
            else:
                commands.append(raw[2:])
        else:
            output.append(raw)
    return Block(line, commands, output)


_NUMBER = re.compile(r"(?<![A-Za-z_])[-+]?\d[\d.,_]*(?:e[-+]?\d+)?")  # not digits inside names: fp32, p50
_HEX = re.compile(r"\b[0-9a-f]{8,}\b")
_PATH = re.compile(r"(?:/[\w.+-]+)+/([\w.+-]*)")
_RULE = re.compile(r"([─━═┄-])\1+")
_MARKS = re.compile(r"(\s+(fast|small))+\s*$")


def shape(line: str) -> str:
    """What must not change: the words and the layout's kind, not its numbers or widths."""
    s = _HEX.sub("H", line)
    s = _PATH.sub(r"\1", s)
    s = _NUMBER.sub("#", s)
    s = _RULE.sub(r"\1", s)
    s = _MARKS.sub("", s)  # which row bench marks fastest depends on the machine
    return re.sub(r"\s+", " ", s).strip()


def missing(expected: list[str], actual: str) -> list[str]:
    """README output lines with no line of the same shape in `actual` (blank and '...' lines skipped)."""
    have = {shape(line) for line in actual.splitlines()}
    return [line for line in expected if line.strip() not in ("", "...") and shape(line) not in have]


def prepare(folder: Path) -> None:
    """The reader's working folder: a copy of firmware_examples/ (its Makefile builds in place)."""
    if not (folder / "firmware_examples").exists():
        shutil.copytree(HERE.parent / "firmware_examples", folder / "firmware_examples")


def run(block: Block, folder: Path, models: Path, timeout: float = 1200) -> tuple[int, list[str]]:
    """(exit code, what each command printed) for one block, run by bash in `folder`."""
    env = {**os.environ, "EDGECOMPILE_MODELS": str(models), "COLUMNS": "100", "TERM": "dumb", "NO_COLOR": "1",
           "EDGECOMPILE_CACHE": str(folder / ".cache")}  # a new reader's empty cache: "computed", not "reused"
    if block.base_install:
        env["PYTHONPATH"] = os.pathsep.join([str(HERE / "base_install"), env.get("PYTHONPATH", "")])
    steps = "\n".join(f"echo {SEP}\n{c}" for c in block.commands)
    proc = subprocess.Popen(["bash", "-c", f"set -e\n{steps}\nwait"], cwd=folder, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=timeout)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
    # as the README writes them: the models folder by its variable, this folder as the working one
    out = out.replace(str(models), "$EDGECOMPILE_MODELS").replace(str(folder) + "/", "").replace(str(folder), ".")
    parts = out.split(SEP + "\n")
    return proc.returncode, [p.rstrip("\n") for p in parts[1:]] or [out]
