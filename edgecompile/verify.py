"""Parity between an artifact and the reference (ONNX Runtime, CPU, on the fp32 normalized graph)."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from edgecompile.backends.base import TensorSpec, Tolerance
from edgecompile.errors import ToleranceError


@dataclass
class OutputParity:
    name: str
    max_abs_err: float
    max_rel_err: float  # max |a-r| / max |r|: relative to the output's scale, robust to zeros
    cosine: float
    top1_agreement: float | None  # only for class vectors (rank-2 outputs, more than one class)


def within(err: float, magnitude: float, tol: float) -> bool:
    """|a-r| <= tol, absolute for outputs of magnitude <= 1 and relative to the largest output above.

    fp32 kernels that sum in another order differ by a few ulp of the result (a logit of 30 has an
    ulp of 2e-6), so a purely absolute bound would reject correct exports of trained models.
    """
    return err <= tol * max(1.0, magnitude)


def to_layout(x: np.ndarray, src: str | None, dst: str | None) -> np.ndarray:
    if src == dst or src is None or dst is None or x.ndim != 4:
        return x
    if (src, dst) == ("NCHW", "NHWC"):
        return np.ascontiguousarray(x.transpose(0, 2, 3, 1))
    if (src, dst) == ("NHWC", "NCHW"):
        return np.ascontiguousarray(x.transpose(0, 3, 1, 2))
    raise ValueError(f"unknown layouts {src} -> {dst}")


def encode(x: np.ndarray, spec: TensorSpec, ref_layout: str | None = "NCHW") -> np.ndarray:
    """Reference-side float input -> what the artifact's caller passes (layout, quantization)."""
    x = to_layout(x, ref_layout if spec.layout else None, spec.layout)
    if spec.scale is not None and x.dtype.kind == "f":  # an integer sample is already quantized (int8 graph)
        info = np.iinfo(spec.dtype)
        q = np.round(x / spec.scale) + spec.zero_point
        return np.clip(q, info.min, info.max).astype(spec.dtype)
    return x.astype(spec.dtype)


def decode(y: np.ndarray, spec: TensorSpec, ref_layout: str | None = "NCHW", dequantize: bool = True) -> np.ndarray:
    """Artifact output -> float in the reference layout (quantized values as they are: dequantize=False)."""
    y = np.asarray(y)
    if spec.scale is not None and dequantize:
        y = (y.astype(np.float32) - spec.zero_point) * spec.scale
    return to_layout(y.astype(np.float32), spec.layout, ref_layout if spec.layout else None)


def compare(name: str, ref: np.ndarray, got: np.ndarray) -> OutputParity:
    ref = np.asarray(ref, dtype=np.float64)
    got = np.asarray(got, dtype=np.float64).reshape(ref.shape)
    diff = np.abs(ref - got)
    scale = float(np.max(np.abs(ref))) if ref.size else 0.0
    a, b = ref.ravel(), got.ravel()
    na, nb = np.linalg.norm(a), np.linalg.norm(b)
    cosine = float(a @ b / (na * nb)) if na > 0 and nb > 0 else float(na == nb)
    top1 = None
    if ref.ndim == 2 and ref.shape[1] > 1:
        top1 = float(np.mean(ref.argmax(1) == got.argmax(1)))
    return OutputParity(
        name=name,
        max_abs_err=float(diff.max()) if diff.size else 0.0,
        max_rel_err=float(diff.max() / scale) if scale > 0 else float(diff.max() if diff.size else 0.0),
        cosine=cosine,
        top1_agreement=top1,
    )


def misses(p: OutputParity, tol: Tolerance) -> list[str]:
    out = []
    if tol.max_rel_err is not None and p.max_rel_err > tol.max_rel_err:
        out.append(f"max relative error {p.max_rel_err:.3g} > {tol.max_rel_err:.3g}")
    if tol.max_abs_err is not None and p.max_abs_err > tol.max_abs_err:
        out.append(f"max absolute error {p.max_abs_err:.3g} > {tol.max_abs_err:.3g}")
    if tol.min_cosine is not None and p.cosine < tol.min_cosine:
        out.append(f"cosine {p.cosine:.6f} < {tol.min_cosine}")
    if tol.min_top1 is not None and p.top1_agreement is not None and p.top1_agreement < tol.min_top1:
        out.append(f"top-1 agreement {p.top1_agreement:.3f} < {tol.min_top1}")
    return out


def graph_layouts(model) -> dict[str, str | None]:
    """Layout of every input and output of the reference graph, for encode/decode."""
    from edgecompile.backends.onnxruntime.backend import io_specs

    ins, outs = io_specs(model)
    return {s.name: s.layout for s in ins + outs}


def run_batched(runner, specs: list[TensorSpec], samples: list[dict[str, np.ndarray]], out_specs: list[TensorSpec],
                ref_layouts: dict[str, str | None] | None = None, quantized_ref: set[str] = frozenset()):
    """Run one sample at a time (artifacts have a fixed batch) and stack decoded float outputs.

    Samples are in the reference graph's layouts (`ref_layouts`, from graph_layouts; NCHW when omitted).
    Outputs named in `quantized_ref` stay quantized: the reference itself (an int8 graph) gives integers.
    """
    lay = ref_layouts or {}
    outs: dict[str, list[np.ndarray]] = {s.name: [] for s in out_specs}
    for feed in samples:
        enc = {s.name: encode(feed[s.name], s, lay.get(s.name, "NCHW")) for s in specs}
        res = runner.run(enc)
        for s in out_specs:
            outs[s.name].append(decode(res[s.name], s, lay.get(s.name, "NCHW"), s.name not in quantized_ref))
    return {k: np.concatenate(v, axis=0) for k, v in outs.items()}


def reference_outputs(model_bytes: bytes, samples: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    sess = ort.InferenceSession(model_bytes, opts, providers=["CPUExecutionProvider"])
    names = [o.name for o in sess.get_outputs()]
    outs: dict[str, list[np.ndarray]] = {n: [] for n in names}
    for feed in samples:
        for n, y in zip(names, sess.run(names, feed)):
            outs[n].append(y)
    return {k: np.concatenate(v, axis=0) for k, v in outs.items()}


def verify(runner, inputs: list[TensorSpec], outputs: list[TensorSpec], ref: dict[str, np.ndarray],
           samples: list[dict[str, np.ndarray]], tol: Tolerance, label: str,
           ref_layouts: dict[str, str | None] | None = None) -> dict[str, Any]:
    """Compare; return the manifest's `parity` block, or raise ToleranceError naming the worst output."""
    got = run_batched(runner, inputs, samples, outputs, ref_layouts, {k for k, v in ref.items() if v.dtype.kind in "iu"})
    per = [compare(s.name, ref[s.name], got[s.name]) for s in outputs]
    failures = [(p, misses(p, tol)) for p in per]
    failures = [(p, m) for p, m in failures if m]
    block = {
        "samples": len(samples),
        "max_abs_err": max(p.max_abs_err for p in per),
        "max_rel_err": max(p.max_rel_err for p in per),
        "cosine": min(p.cosine for p in per),
        "top1_agreement": min((p.top1_agreement for p in per if p.top1_agreement is not None), default=None),
        "tolerance": {k: v for k, v in asdict(tol).items() if v is not None},
        "outputs": [asdict(p) for p in per],
        "passed": not failures,
    }
    if failures:
        worst, why = failures[0]
        raise ToleranceError(
            f"{label}: output '{worst.name}' differs from the ONNX Runtime fp32 reference "
            f"over {len(samples)} samples: {'; '.join(why)}."
        )
    return block
