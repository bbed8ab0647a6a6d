"""The cortex-m55 profile on QEMU's MPS3-AN547 (Cortex-M55): the Helium (MVE) int8 kernels compiled in, the
firmware's output bytes equal to TFLite's reference kernels on KWS and ResNet-8 (many seeded inputs in one
emulator run), and bench on that board."""
from __future__ import annotations

import importlib.util
import subprocess
from pathlib import Path

import numpy as np
import pytest

from conftest import built_artifacts, mlperf_model, need, need_backend, need_tool

SAMPLES = {"kws_ref_model.tflite": 30, "pretrainedResnet_quant.tflite": 10}  # one emulator run (QEMU's MVE is slow)


def _board():
    need_tool("arm-none-eabi-gcc")
    qemu = need_tool("qemu-system-arm")
    need_backend("c")
    boards = subprocess.run([qemu, "-M", "help"], capture_output=True, text=True).stdout
    need("qemu-system-arm", "mps3-an547" in boards, "this QEMU has no mps3-an547 board (Cortex-M55)")


def _reference():
    spec = importlib.util.spec_from_file_location("c_int8_exact", Path(__file__).with_name("test_c_int8_exact.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)  # its TFLite reference-kernel runner
    return mod.reference


@pytest.mark.parametrize("name", ["kws_ref_model.tflite", "pretrainedResnet_quant.tflite"])
def test_helium_bit_exact_with_tflite_on_cortex_m55(name, tmp_path):
    from edgecompile.backends.c.qemu import build_firmware, run_qemu

    _board()
    path = mlperf_model(name)
    art, = built_artifacts(path, tmp_path / "out", ["cortex-m55"], ["int8"], calib="random")
    assert "mve_h" in art.manifest["backend_details"]["kernels"]  # the Helium forms were pasted
    settings = art.manifest["profile"]["bench"]
    assert settings["machine"] == "mps3-an547"
    xs = np.random.default_rng(11).integers(-128, 128, size=(SAMPLES[name], *art.inputs[0].shape), dtype=np.int8)
    ref = _reference()(path, xs)
    elf, _ = build_firmware(art, tmp_path, runs=1, warmup=0, machine="mps3-an547", x=xs, settings=settings)
    vals, _ = run_qemu(elf, "mps3-an547", timeout=600)
    got = np.stack([np.frombuffer(bytes.fromhex(h), np.int8) for h in vals["sample_output"]])
    assert got.shape == (len(xs), ref[0].size) and int(np.count_nonzero(got != ref.reshape(got.shape))) == 0
    # the firmware really runs Helium: VMLADAV (objdump's alias vmlava) multiply-accumulates across a vector
    dis = subprocess.run(["arm-none-eabi-objdump", "-d", "-m", "armv8.1-m.main", str(elf)], capture_output=True,
                         text=True).stdout
    assert "vmlava.s" in dis


def test_bench_on_cortex_m55(tmp_path):
    from edgecompile.bench import measure

    _board()
    art, = built_artifacts(mlperf_model("kws_ref_model.tflite"), tmp_path, ["cortex-m55"], ["int8"], calib="random")
    m = measure(art, runs=1, warmup=0)
    assert m["runner"] == "qemu" and m["machine"] == "mps3-an547" and m["output_matches_host"]
    assert m["instructions_per_tick"] == pytest.approx(31.25, rel=1e-3)  # SysTick on the AN547's 32 MHz clock
    assert "estimated_cycles" not in m and "1 instruction per cycle" in m["latency_basis"]  # no M55 timing table
    assert m["macs_per_instruction"] > 1.0  # Helium: 1.29; the DSP (SMLAD) kernels on this board: 0.45
