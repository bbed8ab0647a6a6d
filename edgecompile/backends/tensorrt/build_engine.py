#!/usr/bin/env python3
"""Build this artifact's TensorRT engine on the device:  python3 build_engine.py [ARTIFACT_DIR]

edgecompile copies this file into every tensorrt artifact; it needs only the `tensorrt` Python package
and an NVIDIA GPU. It reads engine_config.json (the exact settings: precision flags, optimization
profile, workspace limit, builder optimization level), reuses and updates timing.cache beside it, and
writes model.engine plus engine_info.json: the GPU name, its compute capability and the TensorRT
version. An engine only runs on that GPU model with that TensorRT version; loaders compare them.
`edgecompile device-build ARTIFACT` runs the same code and then checks parity and the manifest.
"""
from __future__ import annotations

import ctypes
import hashlib
import json
import sys
from pathlib import Path

CONFIG, ENGINE, INFO, TIMING_CACHE = "engine_config.json", "model.engine", "engine_info.json", "timing.cache"
CC_MAJOR, CC_MINOR = 75, 76  # CUdevice_attribute values of the compute capability (CUDA driver API)


def gpu_identity(ordinal: int = 0) -> dict | None:
    """{"gpu": name, "compute_capability": "8.9"} of CUDA device `ordinal`, or None without a GPU/driver."""
    try:
        cuda = ctypes.CDLL("libcuda.so.1")  # the driver library: present wherever an NVIDIA driver is
    except OSError:
        return None
    dev, major, minor, name = ctypes.c_int(), ctypes.c_int(), ctypes.c_int(), ctypes.create_string_buffer(256)
    if cuda.cuInit(0) != 0 or cuda.cuDeviceGet(ctypes.byref(dev), ordinal) != 0:
        return None
    cuda.cuDeviceGetName(name, 256, dev)
    cuda.cuDeviceGetAttribute(ctypes.byref(major), CC_MAJOR, dev)
    cuda.cuDeviceGetAttribute(ctypes.byref(minor), CC_MINOR, dev)
    return {"gpu": name.value.decode(), "compute_capability": f"{major.value}.{minor.value}"}


def build(folder: Path) -> dict:
    """Build model.engine in `folder` from its engine_config.json; return engine_info."""
    import tensorrt as trt

    cfg = json.loads((folder / CONFIG).read_text())
    device = gpu_identity()
    if device is None:
        raise RuntimeError("no NVIDIA GPU (libcuda.so.1 and a CUDA device) is visible on this machine")
    logger = trt.Logger(trt.Logger.WARNING)
    builder = trt.Builder(logger)
    network = builder.create_network(0)  # explicit batch: the only mode in TensorRT 10
    parser = trt.OnnxParser(network, logger)
    if not parser.parse_from_file(str(folder / cfg["onnx"])):
        errors = "; ".join(str(parser.get_error(i)) for i in range(parser.num_errors))
        raise RuntimeError(f"TensorRT's ONNX parser rejected {cfg['onnx']}: {errors}")
    config = builder.create_builder_config()
    config.set_memory_pool_limit(trt.MemoryPoolType.WORKSPACE, int(cfg["workspace_bytes"]))
    config.builder_optimization_level = int(cfg["builder_optimization_level"])
    for flag in cfg["flags"]:
        config.set_flag(getattr(trt.BuilderFlag, flag))
    cache_file = folder / cfg["timing_cache"]
    cache = config.create_timing_cache(cache_file.read_bytes() if cache_file.is_file() else b"")
    config.set_timing_cache(cache, ignore_mismatch=False)
    if cfg.get("profile"):  # a dynamic batch: one optimization profile with min/opt/max shapes
        profile = builder.create_optimization_profile()
        for name, (lo, opt, hi) in cfg["profile"].items():
            profile.set_shape(name, lo, opt, hi)
        config.add_optimization_profile(profile)
    engine = builder.build_serialized_network(network, config)
    if engine is None:
        raise RuntimeError("TensorRT could not build the engine (see its log above)")
    data = bytes(engine)
    (folder / cfg["engine"]).write_bytes(data)
    cache_file.write_bytes(bytes(config.get_timing_cache().serialize()))
    info = {**device, "tensorrt": trt.__version__, "precision": cfg["precision"], "flags": cfg["flags"],
            "engine_sha256": hashlib.sha256(data).hexdigest()}
    (folder / INFO).write_text(json.dumps(info, indent=2, sort_keys=True) + "\n")
    return info


def main(argv: list[str]) -> int:
    folder = Path(argv[1] if len(argv) > 1 else Path(__file__).resolve().parent)
    try:
        info = build(folder)
    except ImportError as e:
        print(f"build_engine: the tensorrt Python package is not installed ({e}); install TensorRT 10+ "
              f"(e.g. JetPack on Jetson, or NVIDIA's tensorrt wheel) and run again.", file=sys.stderr)
        return 1
    except (RuntimeError, OSError, KeyError, ValueError) as e:
        print(f"build_engine: {e}", file=sys.stderr)
        return 1
    print(f"built {folder / ENGINE} for {info['gpu']} (compute {info['compute_capability']}, "
          f"TensorRT {info['tensorrt']})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
