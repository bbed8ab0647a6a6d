"""The backend contract: ONNX's prepare/run split, plus everything else a backend brings.

A backend turns the normalized ONNX graph into files in a staging folder (`compile`) and
later runs those files (`load` -> Runner). It never writes the manifest itself: the build
driver does, from what `compile` returns. Besides that it declares, as data on the class:
its typed `options` (CLI flags and profile `[options]` are generated from and checked against
them), its `int8_flavor` (how the shared range table becomes its scales), its `bench_runners`
(with the `[bench]` keys each takes), and `inspect_extras` (reports only it can make).
A backend is its folder plus one registry line or an `edgecompile.backends` entry point.
"""
from __future__ import annotations

import abc
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Protocol

import numpy as np

from edgecompile.core.flavor import Flavor
from edgecompile.core.options import Option
from edgecompile.core.tensor import TensorSpec
from edgecompile.core.tolerance import Tolerance

if TYPE_CHECKING:  # heavy imports stay out of module import time
    import onnx

    from edgecompile.artifact import Artifact
    from edgecompile.targets import TargetProfile


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


@dataclass
class CompileContext:
    """Everything a backend may use to compile. `model` is the normalized fp32 graph."""

    model: "onnx.ModelProto"
    profile: "TargetProfile"
    precision: str
    out_dir: Path  # staging folder; write artifact files here
    calib: list[dict[str, np.ndarray]] | None = None  # representative inputs (NCHW, float), or None
    ranges: Any = None  # edgecompile.quant range table, when calibration ran
    options: dict[str, Any] = field(default_factory=dict)  # declared options: profile, then CLI, then defaults
    prequantized: bool = False  # the graph carries its own QDQ scales: int8 needs no calibration
    calib_method: str = "minmax"  # how the range table turns statistics into ranges
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


@dataclass(frozen=True)
class BenchRunner:
    """One way to benchmark a backend's artifacts. `entry` is "module:function" with the signature
    `(artifact, runs, warmup, settings) -> metrics dict`; `keys` are the `[bench]` settings it takes."""

    name: str  # "host", "ssh", "qemu", ...
    entry: str  # imported only when used
    keys: tuple[Option, ...] = ()
    help: str = ""


# Runners every backend whose artifacts run in a Python process gets (edgecompile.bench).
HOST = BenchRunner("host", "edgecompile.bench.host:bench", (), "a fresh Python process on this machine")
SSH = BenchRunner("ssh", "edgecompile.bench.ssh:bench", (
    Option("host", str, None, "[user@]host[:port] of the remote machine"),
    Option("key_file", str, None, "private key file"),
    Option("known_hosts", str, None, "known_hosts file (host keys are always checked)"),
    Option("python", str, None, "Python on the remote that has edgecompile installed"),
    Option("workdir", str, None, "folder on the remote for uploaded artifacts"),
    Option("timeout", float, None, "seconds to connect and authenticate (default 10)", minimum=0.1),
), "a remote machine over SSH")


@dataclass(frozen=True)
class InspectSection:
    """A report only one backend can make, shown by `edgecompile inspect`."""

    key: str  # JSON key, e.g. "gpu_delegate"
    title: str  # one line for the terminal
    lines: list[str]  # what the terminal shows under the title
    data: dict[str, Any]  # what --json shows


class Backend(abc.ABC):
    info: BackendInfo
    options: tuple[Option, ...] = ()  # typed options; `build --option KEY=VALUE` and profiles' [options]
    int8_flavor: Flavor | None = None  # None: int8 does not come from the shared range table
    bench_runners: tuple[BenchRunner, ...] = (HOST, SSH)  # the first is the default

    def inspect_extras(self, model: "onnx.ModelProto") -> list[InspectSection]:
        """Reports only this backend can make about a normalized graph (may be slow: they are optional)."""
        return []

    def runner(self, name: str) -> BenchRunner:
        for r in self.bench_runners:
            if r.name == name:
                return r
        from edgecompile.errors import UsageError

        names = ", ".join(r.name for r in self.bench_runners)
        raise UsageError(f"The {self.info.name} backend's artifacts are benchmarked with: {names}; not '{name}'.")

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
