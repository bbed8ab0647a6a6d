"""The SIMD kernels on the emulated Cortex-M4: the dense SMLAD conv (Cin % 4 != 0, window too large to gather)
and the general requantization variant (a shift outside the fast forms' range) are selected and give the host
build's bytes (the host runs the plain kernels, TFLite's arithmetic); and a sample of drawn int8 convolutions
(hypothesis) gives the host's bytes on the M4 with the SIMD kernels."""
from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import need_backend, need_tool
from edgecompile.artifact import Artifact

from backends.c import op_models
from backends.c.c_harness import qdq_wrap

settings.register_profile("c-m4-ci", max_examples=3, deadline=None, derandomize=True, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                                 HealthCheck.function_scoped_fixture])
settings.register_profile("c-m4-long", max_examples=10, deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                                 HealthCheck.function_scoped_fixture])
PROFILE = settings.get_profile("c-m4-long" if os.environ.get("EDGECOMPILE_HYPOTHESIS") == "long" else "c-m4-ci")


@pytest.fixture(scope="module")
def tools():
    need_tool("arm-none-eabi-gcc")
    need_tool("qemu-system-arm")
    return need_backend("c")


def _m4_equals_host(qdq, x, folder, options: dict | None = None) -> list[str]:
    """Build for cortex-m4 (SIMD kernels), run on the emulator and on the host: same bytes. The kernels used."""
    import onnx

    from edgecompile.backends.c.qemu import build_firmware, run_qemu
    from edgecompile.driver import build

    folder.mkdir(parents=True, exist_ok=True)
    onnx.save(qdq, str(folder / "qdq.onnx"))
    r = build(str(folder / "qdq.onnx"), ["cortex-m4"], ["int8"], out=folder / "out", force=True, verify=False,
              options=options).results[0]
    assert r.ok, r.error
    art = Artifact.open(r.path)
    spec = art.inputs[0]
    q = np.clip(np.round(x / np.float32(spec.scale)) + spec.zero_point, -128, 127).astype(np.int8)
    host = art.load().run({spec.name: q})[art.outputs[0].name]
    machine = art.manifest["profile"]["bench"]["machine"]
    (folder / "fw").mkdir()
    elf, _ = build_firmware(art, folder / "fw", runs=1, warmup=0, machine=machine, x=q)
    vals, _ = run_qemu(elf, machine, timeout=120)
    assert bytes.fromhex(vals["output"]) == host.tobytes()
    return art.manifest["backend_details"]["kernels"]


def _conv(c, oc, k, pads, seed):
    from onnx import helper

    rng = np.random.default_rng(seed)
    w = (rng.standard_normal((oc, c, k, k)) * 0.3).astype(np.float32)
    m = op_models.model([helper.make_node("Conv", ["x", "w", "b"], ["y"], name="conv0", pads=pads)],
                        {"x": (1, c, 9, 9)}, ["y"], {"w": w, "b": rng.standard_normal(oc).astype(np.float32)})
    feeds = [{"x": rng.standard_normal((1, c, 9, 9)).astype(np.float32)} for _ in range(3)]
    return m, feeds


def test_dense_simd_conv_selected_and_exact(tools, tmp_path):
    model, feeds = _conv(3, 6, 5, [2, 2, 2, 2], 0)  # Cin 3: 75-byte windows, over the gather limit
    kernels = _m4_equals_host(qdq_wrap(model, feeds), feeds[0]["x"], tmp_path)
    assert any(k.startswith("conv_s8_simd") and not k.startswith("conv_s8_simd4") for k in kernels), kernels


def test_general_requantization_selected_and_exact(tools, tmp_path):
    from onnx import numpy_helper

    model, feeds = _conv(8, 8, 3, [1, 1, 1, 1], 1)
    qdq = qdq_wrap(model, feeds)
    for t in qdq.graph.initializer:  # a far finer output scale: multipliers above 1, shifts > 0
        if t.name == "y_s":
            t.CopyFrom(numpy_helper.from_array(np.array(numpy_helper.to_array(t) / 300, np.float32), "y_s"))
    kernels = _m4_equals_host(qdq, feeds[0]["x"], tmp_path)
    assert "conv_s8_im2row_any" in kernels and "req" in kernels, kernels


def test_drawn_int8_convs_on_cortex_m4(tools, tmp_path_factory):
    @PROFILE
    @given(drawn=op_models.conv())
    def prop(drawn):
        model, feeds = drawn
        x = feeds["x"][:1]
        model = op_models.model(list(model.graph.node), {"x": x.shape}, ["y"],
                                {t.name: __import__("onnx").numpy_helper.to_array(t) for t in model.graph.initializer})
        _m4_equals_host(qdq_wrap(model, [{"x": x}]), x, tmp_path_factory.mktemp("m4"))

    prop()


@st.composite
def _simd_conv(draw, depthwise: bool):
    """One int8 Conv the DSP kernels take: Cin % 4 == 0, dilation 1, any kernel 1..4, stride 1..3, pads, odd
    sizes and pixel counts; dense (the 2x2-block GEMM over gathered windows) or depthwise (multiplier 1)."""
    from onnx import helper

    c = draw(st.sampled_from([4, 8, 12]))
    oc = c if depthwise else draw(st.integers(1, 8))
    h, w = draw(st.integers(1, 9)), draw(st.integers(1, 9))
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    pads = [draw(st.integers(0, k - 1)) for k in (kh, kw, kh, kw)]
    h, w = max(h, kh - pads[0] - pads[2]), max(w, kw - pads[1] - pads[3])  # room for one window
    strides = [draw(st.integers(1, 3)), draw(st.integers(1, 3))]
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    inits = {"w": (rng.standard_normal((oc, 1 if depthwise else c, kh, kw)) * 0.5).astype(np.float32),
             "b": rng.standard_normal(oc).astype(np.float32)}
    node = helper.make_node("Conv", ["x", "w", "b"], ["y"], name="conv0", kernel_shape=[kh, kw], pads=pads,
                            strides=strides, group=c if depthwise else 1)
    act = draw(st.sampled_from([None, "Relu"]))
    nodes = [node] + ([helper.make_node(act, ["y"], ["z"], name="act0")] if act else [])
    model = op_models.model(nodes, {"x": (1, c, h, w)}, ["z" if act else "y"], inits)
    pointwise = kh == kw == strides[0] == strides[1] == 1 and not any(pads)
    want = ("dw3_s8_simd", "dwconv_s8_simd") if depthwise else ("conv_s8_simd4" if oc % 2 else "pw_s8_simd" if pointwise
                                               else "conv_s8_im2row")
    return model, rng.standard_normal((1, c, h, w)).astype(np.float32), want


@pytest.mark.parametrize("depthwise", [False, True], ids=["gemm", "depthwise"])
def test_drawn_simd_geometries_on_cortex_m4(depthwise, tools, tmp_path_factory):
    """The 2x2-block GEMM (conv_s8_im2row: gathered windows, k % 16 groups before the 16-byte loop, an odd
    last pixel; pw_s8_simd), conv_s8_simd4 (odd Cout) and the depthwise kernel (3- and 2-tap rows unrolled,
    other widths looped) give the host's bytes."""
    @PROFILE
    @given(drawn=_simd_conv(depthwise))
    def prop(drawn):
        model, x, want = drawn
        kernels = _m4_equals_host(qdq_wrap(model, [{"x": x}]), x, tmp_path_factory.mktemp("m4"))
        assert any(k.startswith(want) for k in kernels), (want, kernels)  # (str.startswith takes a tuple)

    prop()


def test_residual_add_fused_into_the_gemm_conv(tools, tmp_path):
    """A residual Add fused into a 3x3 conv that runs on conv_s8_im2row (its own pasting, sharing the GEMM)."""
    from onnx import helper

    rng = np.random.default_rng(3)
    c, shape = 8, (1, 8, 7, 5)
    inits = {f"w{i}": (rng.standard_normal((c, c, 3, 3)) * 0.3).astype(np.float32) for i in range(3)}
    inits.update({f"b{i}": (rng.standard_normal(c) * 0.1).astype(np.float32) for i in range(3)})
    conv = dict(kernel_shape=[3, 3], pads=[1] * 4)
    nodes = [helper.make_node("Conv", ["x", "w0", "b0"], ["c0"], **conv),
             helper.make_node("Relu", ["c0"], ["r0"]),
             helper.make_node("Conv", ["r0", "w1", "b1"], ["c1"], **conv),
             helper.make_node("Relu", ["c1"], ["r1"]),
             helper.make_node("Conv", ["r1", "w2", "b2"], ["c2"], **conv),
             helper.make_node("Add", ["c2", "r0"], ["s"]),  # fused into the last conv, over r0
             helper.make_node("Relu", ["s"], ["y"])]
    for n in nodes:
        n.name = n.output[0]
    model = op_models.model(nodes, {"x": shape}, ["y"], inits)
    feeds = [op_models.feeds_for({"x": shape}, rng) for _ in range(3)]
    kernels = _m4_equals_host(qdq_wrap(model, feeds), feeds[0]["x"], tmp_path)
    assert any(k.startswith("conv_s8_im2row_r") for k in kernels), kernels  # the fused pasting
