"""The backend contract: ONNX's prepare/run split, plus a read-only support check.

A backend turns the normalized ONNX graph into files in a staging folder (`compile`) and
later runs those files (`load` -> Runner). It never writes the manifest itself: the build
driver does, from what `compile` returns.
"""
from __future__ import annotations

import abc
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Protocol

import numpy as np

if TYPE_CHECKING:  # heavy imports stay out of module import time
    import onnx

    from edgecompile.artifact import Artifact
    from edgecompile.targets import TargetProfile


@dataclass(frozen=True)
class Tolerance:
    """How close an artifact must be to the fp32 ONNX Runtime reference. None = not checked."""

    max_rel_err: float | None = None  # max |a-r| / max(|r|) over each output
    max_abs_err: float | None = None  # max |a-r|
    min_cosine: float | None = None  # cosine similarity of flattened outputs
    min_top1: float | None = None  # fraction of samples whose argmax agrees (class vectors)


@dataclass(frozen=True)
class BackendInfo:
    name: str  # registry key, e.g. "onnxruntime"
    summary: str  # one line for `edgecompile targets`
    precisions: tuple[str, ...]  # what compile() accepts, e.g. ("fp32", "fp16", "int8")
    extra: str | None  # pip extra that installs the SDK, None if in the core install
    tolerances: dict[str, Tolerance]  # default per precision
    default_profile: str | None = None  # profile used for `--target <backend>`


@dataclass(frozen=True)
class UnsupportedNode:
    op_type: str
    node_name: str
    reason: str


@dataclass
class SupportReport:
    backend: str
    unsupported: list[UnsupportedNode] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # supported, but worth knowing

    @property
    def ok(self) -> bool:
        return not self.unsupported

    def summary(self) -> str:
        if self.ok:
            return "supported"
        by_op: dict[str, list[str]] = {}
        for u in self.unsupported:
            by_op.setdefault(u.op_type, []).append(u.node_name)
        parts = [f"{op} ({', '.join(names[:4])}{', ...' if len(names) > 4 else ''})" for op, names in by_op.items()]
        return "unsupported: " + "; ".join(parts)


@dataclass(frozen=True)
class TensorSpec:
    """One artifact input or output, as its callers see it."""

    name: str
    shape: tuple[int, ...]
    dtype: str  # numpy dtype name: "float32", "int8", ...
    layout: str | None = None  # "NCHW", "NHWC" or None when not an image tensor
    scale: float | None = None  # set when the tensor is quantized: real = scale * (q - zero_point)
    zero_point: int | None = None

    def to_json(self) -> dict[str, Any]:
        d = {"name": self.name, "shape": list(self.shape), "dtype": self.dtype, "layout": self.layout}
        if self.scale is not None:
            d["scale"], d["zero_point"] = self.scale, self.zero_point
        return d

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> "TensorSpec":
        return cls(d["name"], tuple(d["shape"]), d["dtype"], d.get("layout"), d.get("scale"), d.get("zero_point"))


@dataclass
class CompileContext:
    """Everything a backend may use to compile. `model` is the normalized fp32 graph."""

    model: "onnx.ModelProto"
    profile: "TargetProfile"
    precision: str
    out_dir: Path  # staging folder; write artifact files here
    calib: list[dict[str, np.ndarray]] | None = None  # representative inputs (NCHW, float), or None
    ranges: Any = None  # edgecompile.quant range table, when calibration ran
    options: dict[str, Any] = field(default_factory=dict)  # profile options merged with CLI options
    source: Any = None  # the frontend's LoadedModel: a backend may keep the original file (a full-int8 .tflite)


@dataclass
class CompileResult:
    files: list[str]  # paths relative to out_dir that make up the artifact
    inputs: list[TensorSpec]
    outputs: list[TensorSpec]
    tool_versions: dict[str, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)  # backend-specific manifest fields


class Runner(Protocol):
    def run(self, feeds: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Run one inference; feeds and results follow the artifact's TensorSpecs."""


class Backend(abc.ABC):
    info: BackendInfo

    @abc.abstractmethod
    def available(self) -> tuple[bool, str]:
        """(True, version) or (False, why + how to fix). Must not raise."""

    @abc.abstractmethod
    def check(self, model: "onnx.ModelProto", precision: str = "fp32") -> SupportReport:
        """Read-only: which nodes this backend cannot take, and why."""

    @abc.abstractmethod
    def compile(self, ctx: CompileContext) -> CompileResult:
        """Write the artifact files into ctx.out_dir."""

    @abc.abstractmethod
    def load(self, artifact: "Artifact") -> Runner:
        """Prepare the artifact to run on this machine."""


def check_by_op_table(backend: str, model: "onnx.ModelProto", supported: Iterable[str]) -> SupportReport:
    """Support check for backends whose coverage is a list of ONNX op types."""
    table = set(supported)
    report = SupportReport(backend)
    for node in model.graph.node:
        if node.op_type not in table:
            report.unsupported.append(
                UnsupportedNode(node.op_type, node.name or "<unnamed>", f"{backend} has no kernel for {node.op_type}")
            )
    return report
