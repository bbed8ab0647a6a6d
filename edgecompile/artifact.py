"""Artifact folders: files plus manifest.json, written to a staging folder and renamed into place."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from edgecompile.core.tensor import TensorSpec
from edgecompile.errors import ArtifactError

MANIFEST = "manifest.json"
SCHEMA_VERSION = 2  # 2: "options" (what the backend compiled with); quantization.flavor is the declared Flavor


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@dataclass(frozen=True)
class Artifact:
    path: Path
    manifest: dict[str, Any]

    @classmethod
    def open(cls, path: str | os.PathLike) -> "Artifact":
        p = Path(path)
        mf = p / MANIFEST
        if not mf.is_file():
            raise ArtifactError(f"{p} is not an edgecompile artifact (no {MANIFEST}).")
        try:
            manifest = json.loads(mf.read_text())
        except json.JSONDecodeError as e:
            raise ArtifactError(f"{mf} is not valid JSON: {e}") from e
        if manifest.get("schema_version") != SCHEMA_VERSION:
            raise ArtifactError(f"{mf} has schema version {manifest.get('schema_version')}, expected {SCHEMA_VERSION}.")
        return cls(p, manifest)

    @property
    def backend(self) -> str:
        return self.manifest["backend"]

    @property
    def target(self) -> str:
        return self.manifest["target"]

    @property
    def precision(self) -> str:
        return self.manifest["precision"]

    @property
    def inputs(self) -> list[TensorSpec]:
        return [TensorSpec.from_json(d) for d in self.manifest["inputs"]]

    @property
    def outputs(self) -> list[TensorSpec]:
        return [TensorSpec.from_json(d) for d in self.manifest["outputs"]]

    def file(self, name: str) -> Path:
        return self.path / name

    def size_bytes(self) -> int:
        """What deploying it costs: flash for generated C (its sources are text), else the files."""
        flash = self.manifest.get("backend_details", {}).get("flash_bytes")
        return int(flash) if flash else sum((self.path / f).stat().st_size for f in self.manifest["files"])

    def verify_files(self) -> None:
        for name, digest in self.manifest["files"].items():
            f = self.path / name
            if not f.is_file() or sha256_file(f) != digest:
                raise ArtifactError(f"Artifact {self.path}: file {name} is missing or changed since the build.")

    def load(self):
        """A Runner for this artifact on this machine."""
        from edgecompile.backends import get_backend

        return get_backend(self.backend).load(self)


def write_manifest(folder: Path, manifest: dict[str, Any]) -> None:
    # sort_keys + fixed indent: same inputs, same bytes
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")


def hash_files(folder: Path, files: list[str]) -> dict[str, str]:
    missing = [f for f in files if not (folder / f).is_file()]
    if missing:
        raise ArtifactError(f"The backend said it wrote {missing} but they are not there.")
    return {f: sha256_file(folder / f) for f in sorted(files)}


def is_artifact_dir(path: Path) -> bool:
    return (path / MANIFEST).is_file()


@contextmanager
def staged(final: Path, force: bool) -> Iterator[Path]:
    """Yield an empty staging folder next to `final`; on success it replaces `final` atomically.

    An existing `final` is only replaced with force=True; a failure or interrupt removes the
    staging folder and leaves `final` as it was.
    """
    if final.exists() and not force:
        what = "an edgecompile artifact" if is_artifact_dir(final) else "a folder edgecompile did not write"
        raise ArtifactError(f"{final} already exists ({what}). Use --force to replace it.")
    final.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{final.name}.", suffix=".partial", dir=final.parent))
    stage.chmod(0o755)  # mkdtemp makes it private; an artifact is meant to be shared
    try:
        yield stage
        if final.exists():
            trash = final.with_name(f".{final.name}.old")
            shutil.rmtree(trash, ignore_errors=True)
            final.rename(trash)
            stage.rename(final)
            shutil.rmtree(trash, ignore_errors=True)
        else:
            stage.rename(final)
    finally:
        if stage.exists():
            shutil.rmtree(stage, ignore_errors=True)
