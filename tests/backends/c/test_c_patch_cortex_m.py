"""Patch-based execution on the emulated Cortex-M4 (MPS2-AN386, the profile's SMLAD kernels on band geometry):
ResNet-8 (MLPerf Tiny) run in bands gives TFLite's reference-kernel bytes; the MobileNet-like model, over the
profile's 128 KiB budget as planned whole, is patched by the planner (auto) and gives the unpatched bytes."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import onnx
import pytest

from conftest import mlperf_model, need_backend, need_tool
from edgecompile.artifact import Artifact

from backends.c import mbv2_like


def _tools():
    need_tool("arm-none-eabi-gcc")
    need_tool("qemu-system-arm")
    need_backend("c")


def _build(model, target, tmp_path, **options):
    from edgecompile.driver import build

    r = build(str(model), [target], ["int8"], calib="random", out=tmp_path, force=True, options=options).results[0]
    assert r.ok, r.error
    return Artifact.open(r.path)


def _emulate(art, x, work) -> bytes:
    from edgecompile.backends.c.qemu import build_firmware, run_qemu

    machine = art.manifest["profile"]["bench"]["machine"]
    work.mkdir()
    elf, _ = build_firmware(art, work, runs=1, warmup=0, machine=machine, x=x)
    vals, _ = run_qemu(elf, machine, timeout=120)
    return bytes.fromhex(vals["output"])


def test_resnet8_in_tiles_bit_exact_with_tflite_on_cortex_m4(tmp_path):
    _tools()
    spec = importlib.util.spec_from_file_location("c_int8_exact", Path(__file__).with_name("test_c_int8_exact.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)  # its TFLite reference-kernel runner
    path = mlperf_model("pretrainedResnet_quant.tflite")
    art = _build(path, "cortex-m4", tmp_path / "a", patch="2x2")  # columns cut: the shortcut reads off its left edge
    p = art.manifest["backend_details"]["patch"]
    assert p["grid"] == [2, 2] and p["recomputed_macs"] > 0 and len(p["layers"]) >= 2
    x = np.random.default_rng(3).integers(-128, 128, size=(1, *art.inputs[0].shape), dtype=np.int8)
    assert _emulate(art, x[0], tmp_path / "fw") == mod.reference(path, x)[0].tobytes()


@pytest.mark.parametrize("patch", ["auto", "3x3"])
def test_mobilenet_like_patched_same_bytes_on_cortex_m4(patch, tmp_path):
    """auto: over the profile's 131,072 B RAM budget as planned whole, so the planner patches; 3x3: a grid whose
    tiles cut columns (narrow windows, shifted left pads) through the SMLAD kernels."""
    _tools()
    path = tmp_path / "mbv2.onnx"
    onnx.save(mbv2_like.model(), path)
    art = _build(path, "cortex-m4", tmp_path / "a", patch=patch)
    d = art.manifest["backend_details"]
    assert d["patch"]["asked"] == patch and "patch-based" in d["build_note"]
    if patch == "auto":
        assert d["patch"]["arena_before"] + d["io_bytes"] > 131072 >= d["ram_bytes"]
    plain = _build(path, "c", tmp_path / "b", patch="off")  # host build, planned whole
    assert plain.manifest["backend_details"]["patch"] is None
    x = np.random.default_rng(5).integers(-128, 128, size=art.inputs[0].shape, dtype=np.int8)
    want = next(iter(plain.load().run({plain.inputs[0].name: x}).values()))
    assert _emulate(art, x, tmp_path / "fw") == np.ascontiguousarray(want).tobytes()
