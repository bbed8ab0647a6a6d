"""C backend on the host: fp32 against ONNX Runtime, strict C99 with gcc and arm-none-eabi-gcc,
deterministic text, symbol prefix, budgets, and int8 of a model edgecompile quantized itself."""
from __future__ import annotations

import subprocess

import numpy as np
import pytest

from conftest import need_backend, need_tool
from edgecompile.artifact import Artifact

STRICT = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic"]


def _build(src, out, target="c", precision="fp32", **kw):
    from edgecompile.driver import build

    report = build(str(src), [target], [precision], out=out, force=True, **kw)
    r = report.results[0]
    assert r.ok, r.error
    return Artifact.open(r.path)


@pytest.fixture(scope="module")
def fp32(digits_cnn, tmp_path_factory):
    need_backend("c")
    return _build(digits_cnn, tmp_path_factory.mktemp("c32"))


@pytest.fixture(scope="module")
def int8(digits_cnn, tmp_path_factory):
    need_backend("c")
    return _build(digits_cnn, tmp_path_factory.mktemp("c8"), precision="int8", calib="digits")


def test_fp32_matches_onnxruntime(fp32, digits_cnn):
    import onnxruntime as ort

    assert fp32.manifest["parity"]["max_rel_err"] <= 1e-4
    sess = ort.InferenceSession(str(digits_cnn), providers=["CPUExecutionProvider"])
    x = np.random.default_rng(1).standard_normal((64, 1, 1, 8, 8)).astype(np.float32)
    ref = np.concatenate([sess.run(None, {"input": xi})[0] for xi in x])
    got = fp32.load().run_batch(list(x)).reshape(ref.shape)
    assert np.max(np.abs(got - ref)) / np.max(np.abs(ref)) <= 1e-4


def test_header_and_source_shape(fp32):
    h, c = fp32.file("model.h").read_text(), fp32.file("model.c").read_text()
    assert "int model_run(const float* in0, float* out0, uint8_t* arena);" in h
    assert f"#define MODEL_ARENA_SIZE {fp32.manifest['backend_details']['arena_bytes']}u" in h
    assert "static const float model_w" in c
    for banned in ("malloc", "stdio", "printf", "time(", "__DATE__"):
        assert banned not in c + h
    d = fp32.manifest["backend_details"]
    assert d["arena_bytes"] <= d["whole_tensor_bound_bytes"]  # in-place ReLUs save memory


def test_int8_path_has_no_libm_and_quantized_io(int8):
    c = int8.file("model.c").read_text()
    assert "math.h" not in c and "float" not in c
    i, o = int8.inputs[0], int8.outputs[0]
    assert i.dtype == "int8" and i.scale and o.dtype == "int8" and o.scale
    h = int8.file("model.h").read_text()
    assert "MODEL_INPUT0_SCALE" in h and "MODEL_OUTPUT0_ZERO_POINT" in h


@pytest.mark.parametrize("cc", ["gcc", "arm-none-eabi-gcc"])
def test_strict_c99(fp32, int8, cc, tmp_path):
    tool = need_tool(cc)
    flags = ["-mcpu=cortex-m4", "-mthumb"] if cc.startswith("arm") else []
    for art in (fp32, int8):
        proc = subprocess.run([tool, *STRICT, *flags, "-O2", "-c", str(art.file("model.c")), "-I", str(art.path),
                               "-o", str(tmp_path / "m.o")], capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr


def test_same_inputs_same_bytes(fp32, digits_cnn, tmp_path):
    again = _build(digits_cnn, tmp_path)
    for f in ("model.h", "model.c"):
        assert again.file(f).read_bytes() == fp32.file(f).read_bytes()


def test_prefix_option(digits_cnn, tmp_path):
    need_backend("c")
    art = _build(digits_cnn, tmp_path, options={"c_prefix": "digits"})
    h, c = art.file("model.h").read_text(), art.file("model.c").read_text()
    assert "int digits_run(" in h and "DIGITS_ARENA_SIZE" in h
    assert "model_" not in c
    assert art.load().run({"input": np.zeros((1, 1, 8, 8), np.float32)})["output"].shape == (1, 10)


def test_ram_budget_names_tensors(digits_cnn, tmp_path):
    from edgecompile.driver import build

    need_backend("c")
    r = build(str(digits_cnn), ["c"], ["fp32"], out=tmp_path, options={"max_ram": 2048}).results[0]
    assert not r.ok and "over the budget of 2,048 B" in r.error and "/3/Conv_output_0" in r.error


def test_flash_budget_names_weights(digits_cnn, tmp_path):
    from edgecompile.driver import build

    need_backend("c")
    r = build(str(digits_cnn), ["c"], ["fp32"], out=tmp_path, options={"max_flash": 4096}).results[0]
    assert not r.ok and "of flash" in r.error and "largest constants" in r.error


def test_int8_within_one_lsb_of_onnxruntime_qdq(digits_cnn, tmp_path):
    """A model edgecompile quantized: the C integer kernels against ONNX Runtime on the same QDQ graph.

    ORT computes QDQ in float (requantizes with a float multiply and round-half-even), the C code
    with TFLite's integer multiplier and round-half-away: they may differ by one step, no more."""
    import onnx
    import onnxruntime as ort

    from edgecompile.backends.base import CompileContext
    from edgecompile.backends.c.lower import topological
    from edgecompile.backends.onnxruntime.precision import as_int8
    from edgecompile.datasets import digits_split
    from edgecompile.targets import resolve

    need_backend("c")
    model = onnx.load(str(digits_cnn))
    x = digits_split("test")[0][:300]
    feeds = [{"input": xi[None]} for xi in x[:100]]
    qdq = as_int8(CompileContext(model, resolve("c"), "int8", tmp_path, feeds))
    nodes = topological(qdq)  # ORT's quantizer appends its Q/DQ nodes; ONNX files must be sorted
    del qdq.graph.node[:]
    qdq.graph.node.extend(nodes)
    onnx.save(qdq, str(tmp_path / "qdq.onnx"))
    art = _build(tmp_path / "qdq.onnx", tmp_path / "out", precision="int8", calib="digits")
    spec_in, spec_out = art.inputs[0], art.outputs[0]
    sess = ort.InferenceSession(str(tmp_path / "qdq.onnx"), providers=["CPUExecutionProvider"])
    runner = art.load()
    worst = 0
    for xi in x:
        ref = sess.run(None, {"input": xi[None]})[0]
        q_ref = np.round(ref / spec_out.scale).astype(int) + spec_out.zero_point
        q_in = np.clip(np.round(xi[None] / spec_in.scale) + spec_in.zero_point, -128, 127).astype(np.int8)
        got = runner.run({"input": q_in})["output"].astype(int)
        worst = max(worst, int(np.max(np.abs(got - q_ref))))
    assert worst <= 1
