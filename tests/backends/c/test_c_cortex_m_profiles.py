"""The SIMD (SMLAD) kernels and every Cortex-M profile on the emulator: output bytes equal to TFLite's
reference kernels (KWS, ResNet-8), the DSP kernels really used, and the Cortex-M0+ build really ARMv6-M.

QEMU has no Cortex-M0+ board: the cortex-m0plus profile's firmware (-mcpu=cortex-m0plus, ARMv6-M code)
runs on MPS2-AN385, a Cortex-M3, which executes the ARMv6-M instruction set unchanged.
"""
from __future__ import annotations

import importlib.util
import subprocess
from pathlib import Path

import numpy as np
import pytest

from conftest import mlperf_model, need_backend, need_tool
from edgecompile.artifact import Artifact

MACHINE = {"cortex-m4": "mps2-an386", "cortex-m7": "mps2-an500", "cortex-m33": "mps2-an505",
           "cortex-m0plus": "mps2-an385"}


def _tools():
    need_tool("arm-none-eabi-gcc")
    need_tool("qemu-system-arm")
    need_backend("c")


def _build(name, profile, tmp_path):
    from edgecompile.driver import build

    r = build(str(mlperf_model(name)), [profile], ["int8"], calib="random", out=tmp_path, force=True).results[0]
    assert r.ok, r.error
    return Artifact.open(r.path)


def _emulate(art, x, work):
    """Output bytes of the firmware on the profile's emulated board, and the ELF."""
    from edgecompile.backends.c.qemu import build_firmware, run_qemu

    machine = art.manifest["profile"]["bench"]["machine"]
    work.mkdir()
    elf, _ = build_firmware(art, work, runs=1, warmup=0, machine=machine, x=x)
    vals, _ = run_qemu(elf, machine, timeout=120)
    return bytes.fromhex(vals["output"]), elf


@pytest.mark.parametrize("name,seeds", [("kws_ref_model.tflite", 3), ("pretrainedResnet_quant.tflite", 1)])
def test_simd_kernels_bit_exact_with_tflite_on_cortex_m4(name, seeds, tmp_path):
    _tools()
    spec_ = importlib.util.spec_from_file_location("c_int8_exact", Path(__file__).with_name("test_c_int8_exact.py"))
    mod = importlib.util.module_from_spec(spec_)
    spec_.loader.exec_module(mod)  # its TFLite reference-kernel runner
    art = _build(name, "cortex-m4", tmp_path)
    kernels = art.manifest["backend_details"]["kernels"]
    # gathered windows and the 2x2-block GEMM: Cin not a multiple of 4 (KWS: 1, ResNet-8: 3), and ResNet-8's
    # 3x3 and strided 1x1 convs (one with its residual Add fused); KWS's other convs are 1x1, stride 1: the GEMM
    assert "conv_s8_im2row" in kernels
    if name.startswith("pretrained"):
        assert any(k.startswith("conv_s8_im2row_r") for k in kernels), kernels
    if name.startswith("kws"):
        assert any(k.startswith("dw3_s8_simd") for k in kernels) and "pw_s8_simd" in kernels, kernels
    spec = art.inputs[0]
    xs = np.random.default_rng(7).integers(-128, 128, size=(seeds, *spec.shape), dtype=np.int8)
    ref = mod.reference(mlperf_model(name), xs)
    for k, x in enumerate(xs):
        got, _ = _emulate(art, x, tmp_path / f"fw{k}")
        assert got == ref[k].tobytes()


@pytest.mark.parametrize("profile", ["cortex-m7", "cortex-m33", "cortex-m0plus"])
def test_profile_runs_on_its_board(profile, tmp_path):
    from edgecompile.bench import measure

    _tools()
    art = _build("kws_ref_model.tflite", profile, tmp_path)
    m = measure(art, runs=1, warmup=0)
    assert m["runner"] == "qemu" and m["machine"] == MACHINE[profile]
    assert m["output_matches_host"]
    d = art.manifest["backend_details"]
    if profile == "cortex-m0plus":  # no DSP extension: the plain kernels, compiled for ARMv6-M
        assert not d["simd"]
        x = np.zeros(art.inputs[0].shape, np.int8)
        _, elf = _emulate(art, x, tmp_path / "fw")
        attrs = subprocess.run(["arm-none-eabi-readelf", "-A", str(elf)], capture_output=True, text=True).stdout
        assert "Tag_CPU_arch: v6S-M" in attrs, attrs
    else:
        assert d["simd"] and any(k.startswith("dw3_s8_simd") for k in d["kernels"]), d["kernels"]
        assert m["macs_per_instruction"] > 0.25  # plain C runs this model at 0.067
