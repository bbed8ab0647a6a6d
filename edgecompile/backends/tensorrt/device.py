"""`edgecompile device-build ARTIFACT`: the device part of a tensorrt artifact, run on the GPU machine.

Builds model.engine with build_engine.py's exact settings, checks the engine against ONNX Runtime on
model.onnx (the graph it was built from) with the artifact's tolerance, and records the GPU, compute
capability and TensorRT version plus the new files in the manifest.
"""
from __future__ import annotations

import numpy as np

from edgecompile.errors import CannotRunHereError, MissingExtraError, ToleranceError, UsageError

SAMPLES = 16
CHECK_BATCHES = (1, 8)  # a dynamic-batch engine is also checked at a batch of 8 (within its profile)


def _feeds(specs, batch: int, n: int, seed: int = 0) -> list[dict[str, np.ndarray]]:
    rng = np.random.default_rng(seed)
    return [{s.name: rng.standard_normal([batch if d == -1 else d for d in s.shape]).astype(s.dtype) for s in specs}
            for _ in range(n)]


def device_build(artifact) -> dict:
    """Build, check and record the engine; return the manifest's `device_parity` block."""
    from edgecompile.artifact import hash_files, write_manifest
    from edgecompile.backends.tensorrt import build_engine
    from edgecompile.backends.tensorrt.names import CONFIG, ENGINE, INFO, ONNX_FILE, TIMING_CACHE
    from edgecompile.backends.ort_session import OrtRunner
    from edgecompile.backends.tensorrt.runner import EngineRunner
    from edgecompile.core.parity import compare, misses
    from edgecompile.core.tolerance import Tolerance

    if artifact.backend != "tensorrt":
        raise UsageError(f"{artifact.path} is a {artifact.backend} artifact; device-build builds tensorrt engines.")
    artifact.verify_files()
    try:
        import tensorrt
    except ImportError as e:
        raise MissingExtraError("tensorrt", "tensorrt", f"the tensorrt package does not import: {e}") from e
    if build_engine.gpu_identity() is None:
        raise CannotRunHereError("device-build needs an NVIDIA GPU; none is visible on this machine "
                                 "(libcuda.so.1 and a CUDA device).")
    try:
        info = build_engine.build(artifact.path)
    except RuntimeError as e:
        raise CannotRunHereError(f"{artifact.path}: TensorRT {tensorrt.__version__} could not build the engine: {e}") from e
    engine, ref = EngineRunner(artifact.file(ENGINE)), OrtRunner(artifact.file(ONNX_FILE))
    tol = Tolerance(**artifact.manifest.get("tolerance", {}))
    dynamic = (artifact.manifest["backend_details"]["engine_config"] or {}).get("profile") is not None
    blocks = []
    for batch in CHECK_BATCHES if dynamic else (1,):
        feeds = _feeds(artifact.inputs, batch, SAMPLES)
        got = [engine.run(f) for f in feeds]
        want = [ref.run(f) for f in feeds]
        for spec in artifact.outputs:
            p = compare(spec.name, np.concatenate([w[spec.name] for w in want]),
                        np.concatenate([g[spec.name] for g in got]))
            why = misses(p, tol)
            if why:
                raise ToleranceError(f"{artifact.path}: the engine's output '{spec.name}' at batch {batch} differs "
                                     f"from ONNX Runtime on {ONNX_FILE}: {'; '.join(why)}.")
            blocks.append({"batch": batch, "output": spec.name, "max_abs_err": p.max_abs_err,
                           "max_rel_err": p.max_rel_err, "cosine": p.cosine, "top1_agreement": p.top1_agreement})
    manifest = artifact.manifest
    details = manifest["backend_details"]
    details["engine"] = info
    manifest["tool_versions"]["tensorrt"] = tensorrt.__version__
    files = sorted(set(manifest["files"]) | {ENGINE, INFO, TIMING_CACHE, CONFIG})
    manifest["files"] = hash_files(artifact.path, files)
    manifest["device_parity"] = {"reference": f"ONNX Runtime CPU on {ONNX_FILE}", "samples": SAMPLES,
                                 "checks": blocks, "passed": True}
    write_manifest(artifact.path, manifest)
    return manifest["device_parity"]
