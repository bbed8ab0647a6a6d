"""The generated C on an emulated Cortex-M4 (arm-none-eabi-gcc + qemu-system-arm, MPS2-AN386):
same output bytes as the host build, instruction counts from SysTick, and the firmware example."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, mlperf_model, need_backend, need_tool
from edgecompile.artifact import Artifact


def _tools():
    need_tool("arm-none-eabi-gcc")
    need_tool("qemu-system-arm")
    need_backend("c")


@pytest.mark.parametrize("precision", ["int8", "fp32"])
def test_qemu_bench_matches_host(digits_cnn, precision, tmp_path):
    from edgecompile.bench import measure
    from edgecompile.driver import build

    _tools()
    r = build(str(digits_cnn), ["cortex-m4"], [precision], calib="digits", out=tmp_path).results[0]
    assert r.ok, r.error
    m = measure(Artifact.open(r.path), runs=2, warmup=0)
    assert m["runner"] == "qemu" and m["output_matches_host"]
    assert m["instructions_per_tick"] == pytest.approx(40.0, rel=1e-3)  # 25 MHz SysTick, 1 ns per instruction
    assert m["instructions_per_inference"] > m["macs"] / 4  # at most a few MACs per instruction: a real count
    details = Artifact.open(r.path).manifest["backend_details"]
    assert m["ram_breakdown"]["arena"] == details["arena_bytes"] and 0 < m["ram_breakdown"]["stack"] < 4096
    assert m["flash_bytes"] >= details["const_bytes"]
    # one definition of RAM for build and bench (budget.py): arena + I/O + static data, the stack on top
    assert details["ram_bytes"] == details["arena_bytes"] + details["io_bytes"] + details["static_ram_bytes"]
    assert m["ram_bytes"] == details["ram_bytes"] and m["stack_bytes"] == m["ram_breakdown"]["stack"]


def test_firmware_example_make_run(tmp_path):
    _tools()
    need_tool("make")
    model = mlperf_model("kws_ref_model.tflite")
    src = REPO / "firmware_examples"
    work = tmp_path / "fw"
    shutil.copytree(src / "cortex-m4-qemu", work / "cortex-m4-qemu")
    shutil.copytree(src / "cmake", work / "cmake")
    edgecompile = f"{sys.executable} -m edgecompile"
    proc = subprocess.run(["make", "-C", str(work / "cortex-m4-qemu"), "run", f"MODEL={model}",
                           f"EDGECOMPILE={edgecompile}", f"PYTHON={sys.executable}"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-1500:] + proc.stderr[-1500:]
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith(("class ", "instructions "))]
    assert lines[-2].startswith("class ") and 0 <= int(lines[-2].split()[1]) < 12
    assert lines[-1].startswith("instructions ") and int(lines[-1].split()[1]) > 1_000_000


def test_firmware_example_cmake_build_runs(tmp_path):
    """firmware_examples/cortex-m4-qemu/CMakeLists.txt with its arm-none-eabi toolchain file, built for real
    (edgecompile runs inside the build), then the ELF under QEMU."""
    _tools()
    need_tool("cmake")
    if shutil.which("edgecompile") is None:
        pytest.skip("the edgecompile command is not on PATH (the CMake function runs it)")
    model = mlperf_model("kws_ref_model.tflite")
    src = REPO / "firmware_examples"
    work = tmp_path / "fw"
    shutil.copytree(src / "cortex-m4-qemu", work / "cortex-m4-qemu")
    shutil.copytree(src / "cmake", work / "cmake")
    proj, build = work / "cortex-m4-qemu", work / "cortex-m4-qemu" / "build-cmake"
    for cmd in (["cmake", "-S", str(proj), "-B", str(build), "-DCMAKE_TOOLCHAIN_FILE=arm-none-eabi.cmake",
                 f"-DMODEL={model}", f"-DPYTHON={sys.executable}"],
                ["cmake", "--build", str(build)]):
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=proj)
        assert proc.returncode == 0, proc.stdout[-1500:] + proc.stderr[-1500:]
    elf = build / "fw.elf"
    attrs = subprocess.run(["arm-none-eabi-readelf", "-h", str(elf)], capture_output=True, text=True).stdout
    assert "ARM" in attrs
    proc = subprocess.run(["qemu-system-arm", "-M", "mps2-an386", "-nographic", "-monitor", "none", "-serial", "none",
                           "-icount", "shift=0", "-semihosting-config", "enable=on,target=native", "-kernel", str(elf)],
                          capture_output=True, text=True, timeout=120)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith(("class ", "instructions "))]
    assert len(lines) == 2, proc.stdout[-800:] + proc.stderr[-800:]
    assert 0 <= int(lines[0].split()[1]) < 12 and int(lines[1].split()[1]) > 1_000_000
