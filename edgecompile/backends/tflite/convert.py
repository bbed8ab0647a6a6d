"""ONNX -> .tflite through onnx2tf, run as a subprocess.

A fresh process per conversion keeps TensorFlow's global state (Keras layer-name counters,
logging, thread pools) out of the driver: the same graph gives byte-identical flatbuffers
whatever was converted before it in the same Python session, and TensorFlow's chatter never
reaches the user unless the conversion fails.
"""
from __future__ import annotations

import hashlib
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from edgecompile.errors import CalibrationError, EdgeCompileError, UnsupportedOpError

TIMEOUT_S = 1800  # a large model can take minutes; a hung converter must not hang the build

# onnx2tf writes every variant into one folder; these are the ones an artifact can ship.
VARIANTS = {
    "fp32": "float32",
    "fp16": "float16",  # fp16 weights (+ DEQUANTIZE): what the GPU and Metal delegates want
    "int8": "full_integer_quant",  # int8 kernels, int8 input/output
    "int8-float-io": "integer_quant",  # int8 kernels, float input/output
}


@dataclass(frozen=True)
class Request:
    onnx_path: Path
    out_dir: Path  # onnx2tf's scratch folder
    keep_layout: tuple[str, ...] = ()  # inputs whose ONNX layout the .tflite keeps (-k)
    calib: dict[str, np.ndarray] | None = None  # input name -> N x ... float32, in the TF model's input layout
    per_channel: bool = True  # per-channel weight scales (what TFLite's int8 spec prefers)


def command(req: Request) -> list[str]:
    """The onnx2tf command line; the calibration arrays are saved next to the outputs."""
    cmd = [sys.executable, "-m", "onnx2tf", "-i", str(req.onnx_path), "-o", str(req.out_dir), "-n"]
    if req.keep_layout:
        cmd += ["-k", *req.keep_layout]
    if req.calib:
        cmd += ["-oiqt", "-qt", "per-channel" if req.per_channel else "per-tensor"]
        for i, (name, data) in enumerate(sorted(req.calib.items())):
            path = req.out_dir.parent / f"calib_{i}.npy"
            np.save(path, np.ascontiguousarray(data, dtype=np.float32))
            # data arrives normalized already: mean 0, std 1 leaves it as it is
            cmd += ["-cind", name, str(path), "[0.0]", "[1.0]"]
    return cmd


# onnx2tf checks 3-channel image models against 20 sample images that it downloads unless a file of
# this name is in its working folder. Nothing may be downloaded at build time, so it gets seeded
# uniform images instead: only onnx2tf's internal self-check sees them, never the artifact.
_SAMPLE_IMAGES = "calibration_image_sample_data_20x128x128x3_float32.npy"


def _offline_samples(folder: Path) -> None:
    rng = np.random.default_rng(0)
    np.save(folder / _SAMPLE_IMAGES, rng.random((20, 128, 128, 3), dtype=np.float32))


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "PYTHONHASHSEED": "0",
        # oneDNN's fused kernels change float rounding with the host CPU; calibration ranges
        # (and so int8 scales) must not depend on which machine built the artifact
        "TF_ENABLE_ONEDNN_OPTS": "0",
        "CUDA_VISIBLE_DEVICES": "",
    })
    return env


def _failure(log: str) -> str:
    """The lines of onnx2tf's output that say what went wrong (it prints pages on failure)."""
    lines = [ln.strip() for ln in log.splitlines() if ln.strip()]
    keys = ("error", "Error", "not supported", "Unsupported", "unsupported")
    hits = [ln for ln in lines if any(k in ln for k in keys)]
    picked = (hits or lines)[-4:]
    return " | ".join(ln[:300] for ln in picked)


# One onnx2tf run writes fp32, fp16 and (with calibration) both int8 variants: building several
# precisions of one graph in one process converts once per (graph, layout, calibration data).
_CACHE: dict[tuple, dict[str, bytes]] = {}


def clear_cache() -> None:
    _CACHE.clear()


def _key(req: Request) -> tuple:
    h = hashlib.sha256(req.onnx_path.read_bytes())
    for name, data in sorted((req.calib or {}).items()):
        h.update(name.encode() + np.ascontiguousarray(data, dtype=np.float32).tobytes())
    return h.hexdigest(), req.keep_layout, bool(req.calib), req.per_channel


def run(req: Request) -> dict[str, bytes]:
    """{variant: .tflite bytes}, from the cache or a fresh onnx2tf run."""
    key = _key(req)
    if key not in _CACHE:
        _CACHE[key] = {k: p.read_bytes() for k, p in _run(req).items()}
    return _CACHE[key]


def _run(req: Request) -> dict[str, Path]:
    """Convert; return {variant: path} for the .tflite files onnx2tf wrote."""
    req.out_dir.mkdir(parents=True, exist_ok=True)
    _offline_samples(req.out_dir.parent)
    from edgecompile.tools import run as run_tool

    proc = run_tool(command(req), "onnx2tf", TIMEOUT_S, env=_env(), cwd=str(req.out_dir.parent))
    stem = req.onnx_path.stem
    found = {k: req.out_dir / f"{stem}_{suffix}.tflite" for k, suffix in VARIANTS.items()}
    found = {k: p for k, p in found.items() if p.is_file()}
    if proc.returncode != 0 or "fp32" not in found:
        why = _failure(proc.stdout + "\n" + proc.stderr)
        if "not supported" in why.lower() or "unsupported" in why.lower():
            raise UnsupportedOpError(f"onnx2tf cannot convert this graph: {why}")
        if req.calib and found.get("fp32") and "int8" not in found:
            raise CalibrationError(f"onnx2tf's int8 calibration failed: {why}")
        raise EdgeCompileError(f"onnx2tf failed (exit {proc.returncode}): {why}")
    return found


def version() -> str:
    from importlib.metadata import version as v

    return v("onnx2tf")
