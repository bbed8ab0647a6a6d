"""One hostile case: the files it starts from, the command, and what must hold afterwards."""
from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable


@dataclass
class Case:
    id: str
    kind: str  # the input kind, for the report table
    argv: list[str]  # edgecompile arguments; run in the case's own folder
    files: dict = field(default_factory=dict)  # name -> bytes | None (a folder: name ends with /) | (kind, arg)
    expect: tuple[int, ...] = (1, 2)  # allowed exit codes; (0, 1, 2) where damage may still be valid
    setup: Callable[[Path], None] | None = None  # extra preparation (copy an artifact, then damage it)
    env: dict = field(default_factory=dict)
    match: str = ""  # text the error paragraph must contain (the defect's own wording)
    keeps: str = ""  # a folder where a partly failed command rightly leaves what succeeded

    def materialize(self, root: Path) -> Path:
        d = root / self.id
        d.mkdir(parents=True)
        for name, content in self.files.items():
            p = d / name.rstrip("/")
            p.parent.mkdir(parents=True, exist_ok=True)
            if content is None:
                p.mkdir(exist_ok=True)
            elif isinstance(content, tuple) and content[0] == "symlink":
                p.symlink_to(content[1])
            elif isinstance(content, tuple) and content[0] == "sparse":
                with open(p, "wb") as f:
                    f.truncate(content[1])
            else:
                p.write_bytes(content)
        if self.setup:
            self.setup(d)
        return d


def copy_artifact(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst, symlinks=True)
    for p in dst.rglob("*"):
        if p.is_file():
            os.chmod(p, 0o644)
    return dst
