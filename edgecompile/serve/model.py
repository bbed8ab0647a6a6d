"""One served artifact: its name and version, its tensors, and whether it stacks or loops."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from edgecompile.artifact import Artifact
from edgecompile.core.tensor import TensorSpec
from edgecompile.errors import UsageError

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")  # safe in a URL path and a Prometheus label


@dataclass(frozen=True)
class ServedModel:
    name: str
    version: str
    artifact: Artifact
    batch: int  # N, the artifact's shared leading dimension (stack), or 1 (loop)

    @property
    def stacks(self) -> bool:
        return self.batch > 1

    @property
    def inputs(self) -> list[TensorSpec]:
        return self.artifact.inputs

    @property
    def outputs(self) -> list[TensorSpec]:
        return self.artifact.outputs

    @classmethod
    def open(cls, spec: str) -> "ServedModel":
        """`[NAME[:VERSION]=]PATH`; the name defaults to the folder's name, the version to 1."""
        label, sep, path = spec.rpartition("=")
        if not sep:
            label, path = "", spec
        name, _, version = label.partition(":")
        artifact = Artifact.open(path)
        artifact.verify_files()
        name, version = name or Path(path).resolve().name, version or "1"
        for what, value in (("name", name), ("version", version)):
            if not NAME.match(value):
                raise UsageError(f"Model {what} '{value}' (from '{spec}') may hold only letters, digits, '_', '.', '-'.")
        return cls(name, version, artifact, stack_batch(artifact.inputs + artifact.outputs))


def stack_batch(tensors: list[TensorSpec]) -> int:
    """N when every tensor's leading dimension is the same N >= 2, else 1 (loop)."""
    leading = {t.shape[0] if t.shape else None for t in tensors}
    if len(leading) == 1 and None not in leading and leading.pop() >= 2:
        return tensors[0].shape[0]
    return 1
