"""TVM backend: real Relax builds to LLVM shared libraries; host artifacts run in the Relax VM,
aarch64 cross builds are checked as ELF files (they cannot run here)."""
from __future__ import annotations

import subprocess

import numpy as np
import pytest

from conftest import built_artifacts, need_backend, need_tool

EM_AARCH64, EM_X86_64 = 183, 62  # ELF e_machine values


def _build(src, out, targets, precisions, **kw):
    return {(a.target, a.precision): a for a in built_artifacts(src, out, targets, precisions, **kw)}


@pytest.fixture(scope="module")
def tvm_backend():
    return need_backend("tvm")


@pytest.fixture(scope="module")
def host(tvm_backend, digits_cnn, tmp_path_factory):
    return _build(digits_cnn, tmp_path_factory.mktemp("tvm"), ["x86-64-tvm"], ["fp32", "fp16"])


def _elf_machine(path) -> int:
    head = path.read_bytes()[:20]
    assert head[:4] == b"\x7fELF" and head[4] == 2, "not a 64-bit ELF"  # EI_CLASS 2 = ELFCLASS64
    return int.from_bytes(head[18:20], "little")


def _tvm_symbols(nm: str, path) -> set[str]:
    out = subprocess.run([nm, "-D", "--defined-only", str(path)], capture_output=True, text=True, check=True).stdout
    return {line.split()[-1] for line in out.splitlines() if line.split() and line.split()[-1].startswith("__tvm_ffi_")}


def test_host_library_runs_and_matches_the_reference(host, digits_cnn):
    import tvm

    fp32 = host[("x86-64-tvm", "fp32")]
    assert list(fp32.manifest["files"]) == ["model.so"]
    assert fp32.manifest["parity"]["passed"] and fp32.manifest["parity"]["max_rel_err"] <= 1e-4
    target = fp32.manifest["backend_details"]["target"]
    assert target == {"kind": "llvm", "mcpu": tvm.target.codegen.llvm_get_system_cpu()}  # detected host CPU
    fp16 = host[("x86-64-tvm", "fp16")]
    assert fp16.manifest["parity"]["passed"] and fp16.manifest["parity"]["cosine"] >= 0.999
    # a fresh runner from the folder alone agrees with ONNX Runtime on a new input
    import onnxruntime as ort

    x = np.random.default_rng(7).random((1, 1, 8, 8), dtype=np.float32)
    got = fp32.load().run({"input": x})["output"]
    ref = ort.InferenceSession(str(digits_cnn), providers=["CPUExecutionProvider"]).run(None, {"input": x})[0]
    assert np.abs(got - ref).max() <= 1e-4 * max(1.0, np.abs(ref).max())


def test_fp16_differs_from_fp32(host):
    """fp16 really computes in float16: outputs move, slightly (else the precision is a no-op)."""
    x = {"input": np.random.default_rng(3).random((1, 1, 8, 8), dtype=np.float32)}
    a = host[("x86-64-tvm", "fp32")].load().run(x)["output"]
    b = host[("x86-64-tvm", "fp16")].load().run(x)["output"]
    assert 0 < np.abs(a - b).max() < 0.05 * np.abs(a).max()


def test_aarch64_cross_build_is_an_arm64_library_with_the_host_kernels(host, digits_cnn, tmp_path):
    from edgecompile.errors import CannotRunHereError

    need_tool("aarch64-linux-gnu-gcc")
    nm = need_tool("aarch64-linux-gnu-nm", "aarch64-linux-gnu-gcc")  # binutils that come with the compiler
    art = _build(digits_cnn, tmp_path, ["raspberry-pi4"], ["fp32"])[("raspberry-pi4", "fp32")]
    details = art.manifest["backend_details"]
    assert details["target"]["mtriple"] == "aarch64-linux-gnu" and details["cross_compiler"] == "aarch64-linux-gnu-gcc"
    assert art.manifest["parity"]["passed"] is None and "cannot run" in art.manifest["parity"]["skipped"]
    lib = art.file("model.so")
    assert _elf_machine(lib) == EM_AARCH64
    host_lib = host[("x86-64-tvm", "fp32")].file("model.so")
    assert _elf_machine(host_lib) == EM_X86_64
    arm, x86 = _tvm_symbols(nm, lib), _tvm_symbols(nm, host_lib)
    # the VM executable (bytecode + weights) and every compiled kernel are exported, as on the host
    assert "__tvm_ffi__library_bin" in arm
    assert any(s.startswith("__tvm_ffi_") and "conv2d" in s for s in arm)
    assert arm == x86
    with pytest.raises(CannotRunHereError):
        art.load()


def test_int8_is_refused_at_planning(tvm_backend, digits_cnn, tmp_path):
    from edgecompile.driver import build
    from edgecompile.errors import UsageError

    with pytest.raises(UsageError, match="int8 is not a precision of the tvm backend"):
        build(str(digits_cnn), ["x86-64-tvm"], ["int8"], calib="digits", out=tmp_path)


def test_check_names_nodes_without_a_converter(tvm_backend):
    from onnx import TensorProto, helper

    nodes = [helper.make_node("Relu", ["x"], ["a"], name="r1"),
             helper.make_node("Foo", ["a"], ["y"], name="custom_foo", domain="com.example")]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13), helper.make_opsetid("com.example", 1)])
    report = tvm_backend.check(model)
    assert [(u.op_type, u.node_name) for u in report.unsupported] == [("Foo", "custom_foo")]


def test_tuning_cache_key_separates_models_targets_and_trials():
    from edgecompile.backends.tvm.tune import cache_key

    k = cache_key(b"m", "fp32", {"kind": "llvm", "mcpu": "znver4"}, 8)
    assert k == cache_key(b"m", "fp32", {"mcpu": "znver4", "kind": "llvm"}, 8)
    assert len({k, cache_key(b"n", "fp32", {"kind": "llvm", "mcpu": "znver4"}, 8),
                cache_key(b"m", "fp16", {"kind": "llvm", "mcpu": "znver4"}, 8),
                cache_key(b"m", "fp32", {"kind": "llvm", "mcpu": "znver3"}, 8),
                cache_key(b"m", "fp32", {"kind": "llvm", "mcpu": "znver4"}, 16)}) == 5
