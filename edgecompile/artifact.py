"""Artifact folders: files plus manifest.json, written to a staging folder and renamed into place."""
from __future__ import annotations

import hashlib
import json
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np

from edgecompile.core.tensor import TensorSpec
from edgecompile.errors import ArtifactError
from edgecompile.limits import over
from edgecompile.staging import staged  # noqa: F401 - the driver's entry point for writing artifacts

MANIFEST = "manifest.json"
SCHEMA_VERSION = 2  # 2: "options" (what the backend compiled with); quantization.flavor is the declared Flavor
MAX_MANIFEST_BYTES = 16 << 20  # real manifests are a few kB; a bigger one is damaged or hostile
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


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
            inside = sorted(str(c) for c in p.glob(f"*/{MANIFEST}"))[:4] if p.is_dir() else []
            hint = f"; it holds artifacts: {', '.join(str(Path(c).parent) for c in inside)}" if inside else ""
            raise ArtifactError(f"{p} is not an edgecompile artifact (no {MANIFEST}){hint}.")
        if mf.stat().st_size > MAX_MANIFEST_BYTES:
            raise ArtifactError(f"{mf} is {mf.stat().st_size} bytes, more than any manifest edgecompile writes.")
        try:
            manifest = json.loads(mf.read_bytes())
        except (ValueError, RecursionError) as e:  # RecursionError: absurdly deep nesting
            raise ArtifactError(f"{mf} is not valid JSON: {str(e)[:200]}") from None
        art = cls(p, validate_manifest(manifest, mf))
        art.verify_files()
        return art

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
        """Every listed file is a regular file inside the folder with the sha256 the build recorded."""
        root = self.path.resolve()
        for name, digest in self.manifest["files"].items():
            f = self.path / name
            if f.is_symlink() or not f.is_file() or not f.resolve().is_relative_to(root):
                raise ArtifactError(f"Artifact {self.path}: file {name} is missing or not a regular file inside it.")
            if sha256_file(f) != digest:
                raise ArtifactError(f"Artifact {self.path}: file {name} changed since the build (its sha256 "
                                    f"differs from the manifest's); rebuild it or get an intact copy.")

    def load(self):
        """A Runner for this artifact on this machine."""
        from edgecompile.backends import get_backend

        return get_backend(self.backend).load(self)


def _plain_name(name) -> bool:
    """A relative POSIX path inside the artifact: no '..', no absolute path, no odd characters."""
    if not isinstance(name, str) or not name or len(name) > 255 or name == MANIFEST:
        return False
    pp = PurePosixPath(name)
    return (not pp.is_absolute() and all(part not in ("", ".", "..") for part in name.split("/"))
            and re.fullmatch(r"[A-Za-z0-9._/+-]+", name) is not None)


def _bad_spec(d) -> bool:
    try:
        ok = (isinstance(d, dict) and isinstance(d["name"], str) and isinstance(d["dtype"], str)
              and isinstance(d["shape"], list) and all(type(v) is int and (0 < v < 1 << 31 or v == -1) for v in d["shape"]))  # -1: a dynamic batch
        return not ok or np.dtype(d["dtype"]).kind not in "biuf" or len(d["shape"]) > 8
    except (KeyError, TypeError):
        return True


def validate_manifest(m, where) -> dict:
    """The manifest's shape, checked before anything trusts it; ArtifactError naming the first problem."""
    def bad(why: str):
        raise ArtifactError(f"{where} is damaged: {why}.")

    if not isinstance(m, dict):
        bad(f"it holds a JSON {type(m).__name__}, not an object")
    if m.get("schema_version") != SCHEMA_VERSION:
        raise ArtifactError(f"{where} has schema version {m.get('schema_version')!r}, expected {SCHEMA_VERSION}.")
    for key in ("target", "backend", "precision"):
        if not isinstance(m.get(key), str):
            bad(f"'{key}' is missing or not a string")
    files = m.get("files")
    if not isinstance(files, dict) or not all(isinstance(v, str) and _SHA256.match(v) for v in files.values()):
        bad("'files' must map file names to sha256 digests")
    odd = [n for n in files if not _plain_name(n)]
    if odd:
        bad(f"file names must be plain relative paths inside the artifact; got {odd[0]!r}")
    for key in ("inputs", "outputs"):
        specs = m.get(key)
        if not isinstance(specs, list) or not specs or any(_bad_spec(d) for d in specs):
            bad(f"'{key}' must be a non-empty list of {{name, shape (positive integers, -1 for a dynamic batch), dtype}}")
        for d in specs:
            why = over(math.prod(abs(v) for v in d["shape"]) * np.dtype(d["dtype"]).itemsize,
                       f"{key[:-1]} '{d['name']}' {d['shape']}")
            if why:
                bad(why)
    for key in ("profile", "backend_details", "calibration", "parity", "quantization", "model_metadata"):
        if m.get(key) is not None and not isinstance(m[key], dict):
            bad(f"'{key}' must be an object")
    return m


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
