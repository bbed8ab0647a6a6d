"""The main job on the embedded default: train, build for every available backend, verify, measure."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from edgecompile.errors import ArtifactError

MARKER = ".edgecompile-quickstart"  # marks a folder the quickstart may overwrite


@dataclass
class QuickstartRow:
    target: str
    precision: str
    size_bytes: int | None = None
    p50_ms: float | None = None
    p90_ms: float | None = None  # p99 needs 1,000 runs; the quickstart times 200
    parity: dict | None = None
    accuracy: float | None = None
    error: str | None = None
    path: Path | None = None
    not_run: str | None = None  # built and checked, but it runs only on its device: why


@dataclass
class QuickstartReport:
    out: Path
    model_path: Path
    train_accuracy: float  # PyTorch model on the digits test split
    train_seconds: float
    rows: list[QuickstartRow] = field(default_factory=list)
    unavailable: dict[str, str] = field(default_factory=dict)  # backend -> how to enable it
    seconds: float = 0.0


def _claim(out: Path, force: bool) -> None:
    if out.exists() and any(out.iterdir()) and not (out / MARKER).exists() and not force:
        raise ArtifactError(f"{out} exists and was not written by the quickstart. Choose another --out or pass --force.")
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text("written by `edgecompile quickstart`; it may replace this folder's contents\n")


def run(out: str | Path = "edgecompile-quickstart", runs: int = 200, force: bool = False, log=print) -> QuickstartReport:
    from edgecompile.accuracy import artifact_accuracy
    from edgecompile.artifact import Artifact
    from edgecompile.backends import NOT_BUILT, get_backend, implemented, registry
    from edgecompile.bench import measure
    from edgecompile.driver import build
    from edgecompile.datasets import digits_split
    from edgecompile.quickstart_model import train_digits_cnn

    start = time.perf_counter()
    out = Path(out)
    _claim(out, force)
    log("training a CNN on scikit-learn's digits (8x8, 10 classes) ...")
    trained = train_digits_cnn(out)
    log(f"  test accuracy {trained.test_accuracy:.2%} in {trained.train_seconds:.1f} s -> {trained.onnx_path}")
    report = QuickstartReport(out, trained.onnx_path, trained.test_accuracy, trained.train_seconds)
    present = implemented()
    for name in registry():
        if name not in present:
            report.unavailable[name] = NOT_BUILT.get(name, "not part of this edgecompile build")
        else:
            backend = get_backend(name)
            ok, why = backend.available()
            if not ok:  # the one line that enables it, then why
                hint = f"pip install 'edgecompile[{backend.info.extra}]'" if backend.info.extra else "reinstall edgecompile"
                missing = why.split("; pip install")[0]  # a list of missing modules says more than "not installed"
                report.unavailable[name] = hint if "not installed (" in missing else f"{hint}  ({missing})"
    log("building for every available backend and precision (calibration: digits train split) ...")
    built = build(str(trained.onnx_path), ["all"], calib="digits", out=out / "artifacts", force=True)
    xte, yte = digits_split("test")
    for r in built.results:
        if r.skipped:
            continue
        row = QuickstartRow(r.target, r.precision, parity=r.parity, error=r.error, path=r.path)
        if r.ok and (r.parity or {}).get("skipped"):  # built for another machine (Core ML, a GPU engine)
            row.not_run = r.parity["skipped"]
        elif r.ok:
            art = Artifact.open(r.path)
            log(f"  measuring {r.target} {r.precision} ...")
            m = measure(art, runs=runs, warmup=max(runs // 10, 1))
            row.size_bytes, row.p50_ms, row.p90_ms = m["size_bytes"], m["latency_ms"]["p50"], m["latency_ms"]["p90"]
            row.accuracy = artifact_accuracy(art, xte, yte)
        report.rows.append(row)
    report.seconds = time.perf_counter() - start
    return report
