"""Patch-based execution on the emulated Cortex-M4 (MPS2-AN386, the profile's SMLAD kernels on tile geometry) and
Cortex-M55 (Helium): ResNet-8 (MLPerf Tiny) run in tiles gives TFLite's reference-kernel bytes; the MobileNet-like
model, over the profile's 128 KiB budget as planned whole, is patched by the planner (auto) and gives the
unpatched bytes, and so does a grid of tiles; a layer whose tiles take two differently packed kernels too."""
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


@pytest.mark.parametrize("target,patch", [("cortex-m4", "auto"), ("cortex-m4", "3x3"), ("cortex-m55", "3x3")])
def test_mobilenet_like_patched_same_bytes_on_cortex_m(target, patch, tmp_path):
    """auto: over the profile's 131,072 B RAM budget as planned whole, so the planner patches; 3x3: a grid whose
    tiles cut columns (narrow windows, shifted left pads) through the SMLAD kernels (M4) and the Helium ones
    (M55, MPS3-AN547)."""
    _tools()
    path = tmp_path / "mbv2.onnx"
    onnx.save(mbv2_like.model(), path)
    art = _build(path, target, tmp_path / "a", patch=patch)
    d = art.manifest["backend_details"]
    assert d["patch"]["asked"] == patch and "patch-based" in d["build_note"]
    if patch == "auto":
        assert d["patch"]["arena_before"] + d["io_bytes"] > 131072 >= d["ram_bytes"]
    plain = _build(path, "c", tmp_path / "b", patch="off")  # host build, planned whole
    assert plain.manifest["backend_details"]["patch"] is None
    x = np.random.default_rng(5).integers(-128, 128, size=art.inputs[0].shape, dtype=np.int8)
    want = next(iter(plain.load().run({plain.inputs[0].name: x}).values()))
    assert _emulate(art, x, tmp_path / "fw") == np.ascontiguousarray(want).tobytes()


def test_layer_with_two_kernels_across_bands_on_cortex_m4(tmp_path):
    """A tensor read by a 1x1 and a 3x3 conv: the 1x1's input window is taller than its output in some bands
    (the block GEMM there) and not in others (a plain pointwise kernel), so one layer runs on two SMLAD
    kernels whose weights are packed differently; the bytes stay the plain build's."""
    from onnx import helper

    from backends.c import op_models

    _tools()
    rng = np.random.default_rng(2)
    shapes = [(32, 8, 3, 3), (8, 32, 1, 1), (8, 32, 3, 3)]  # t is wide: the stage that keeps it in bands wins
    inits = {f"w{i}": (rng.standard_normal(s) * 0.2).astype(np.float32) for i, s in enumerate(shapes)}
    inits.update({f"b{i}": (rng.standard_normal(s[0]) * 0.1).astype(np.float32) for i, s in enumerate(shapes)})
    nodes = [helper.make_node("Conv", ["x", "w0", "b0"], ["t"], kernel_shape=[3, 3], pads=[1] * 4),
             helper.make_node("Conv", ["t", "w1", "b1"], ["p"], kernel_shape=[1, 1]),
             helper.make_node("Conv", ["t", "w2", "b2"], ["q"], kernel_shape=[3, 3], pads=[1] * 4),
             helper.make_node("Add", ["p", "q"], ["y"])]
    path = tmp_path / "branches.onnx"
    onnx.save(op_models.model(nodes, {"x": (1, 8, 12, 6)}, ["y"], inits), path)
    art = _build(path, "cortex-m4", tmp_path / "a", patch="3")
    p = art.manifest["backend_details"]["patch"]
    assert p["grid"] == [3, 1] and len(p["layers"]) >= 4  # both branches and the Add in the stage
    plain = _build(path, "c", tmp_path / "b", patch="off")
    x = np.random.default_rng(5).integers(-128, 128, size=art.inputs[0].shape, dtype=np.int8)
    want = next(iter(plain.load().run({plain.inputs[0].name: x}).values()))
    assert _emulate(art, x, tmp_path / "fw") == np.ascontiguousarray(want).tobytes()
