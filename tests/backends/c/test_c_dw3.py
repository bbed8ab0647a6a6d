"""The depthwise 3x3 stride-1 kernel (kernels/dw3_s8_simd.c) on the emulated Cortex-M4 gives the host build's bytes
(the host runs the plain kernel, TFLite's arithmetic): in place by rows after another op, over two bands of rows
(the carried pair-row), channel counts that are not a multiple of 4, each clamp variant; and drawn depthwise
geometries around it (odd channel counts, multipliers, strides, pads, dilation) take a kernel that agrees too."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from backends.c import op_models
from backends.c.c_harness import qdq_wrap
from backends.c.test_c_simd_kernels import PROFILE, _m4_equals_host, tools  # noqa: F401  (the fixture)


def _dw(c: int, h: int, w: int, pads, act: str | None, seed: int, mult: int = 1, strides=(1, 1), dil=(1, 1),
        k: int = 3, lead: bool = True):
    """[1x1 conv ->] depthwise conv [-> act] [-> 1x1 conv] on (1, c, h, w), and an input."""
    from onnx import helper

    rng = np.random.default_rng(seed)
    inits = {"w": (rng.standard_normal((c * mult, 1, k, k)) * 0.5).astype(np.float32),
             "b": rng.standard_normal(c * mult).astype(np.float32)}
    nodes, src = [], "x"
    if lead:  # the depthwise conv's input is not the graph's: it may run in place (inplace_rows)
        inits["w0"] = (rng.standard_normal((c, 2, 1, 1)) * 0.5).astype(np.float32)  # 2 -> c channels
        nodes.append(helper.make_node("Conv", ["x", "w0"], ["t"], name="pw0"))
        src = "t"
    nodes.append(helper.make_node("Conv", [src, "w", "b"], ["y"], name="dw0", kernel_shape=[k, k], pads=list(pads),
                                  strides=list(strides), dilations=list(dil), group=c))
    out = "y"
    if act == "Relu":
        nodes.append(helper.make_node("Relu", ["y"], ["z"], name="act0"))
        out = "z"
    elif act in ("Clip", "ClipLow"):  # a floor at the zero point (the "r" variants) or below it
        inits.update(lo=np.array(0.0 if act == "Clip" else -0.2, np.float32), hi=np.array(0.5, np.float32))
        nodes.append(helper.make_node("Clip", ["y", "lo", "hi"], ["z"], name="act0"))
        out = "z"
    if lead:  # both of the depthwise conv's tensors in the arena (as in KWS)
        inits["w2"] = (rng.standard_normal((2, c * mult, 1, 1)) * 0.5).astype(np.float32)  # back to 2
        nodes.append(helper.make_node("Conv", [out, "w2"], ["o"], name="pw1"))
        out = "o"
    cin = 2 if lead else c
    model = op_models.model(nodes, {"x": (1, cin, h, w)}, [out], inits)
    return model, rng.standard_normal((1, cin, h, w)).astype(np.float32)


def _fused(qdq, name: str = "y"):
    """qdq without the Quantize/Dequantize pair on `name`: the activation after it fuses into the conv (a clamp)."""
    nodes = list(qdq.graph.node)
    q = next(n for n in nodes if n.op_type == "QuantizeLinear" and n.input[0] == name)
    dq = next(n for n in nodes if n.op_type == "DequantizeLinear" and n.input[0] == q.output[0])
    for n in nodes:
        for k, v in enumerate(n.input):
            if v == dq.output[0]:
                n.input[k] = name
    del qdq.graph.node[:]
    qdq.graph.node.extend(n for n in nodes if n is not q and n is not dq)
    return qdq


@pytest.mark.parametrize("act", [None, "Relu", "Clip", "ClipLow"])
def test_dw3_in_place_two_bands_exact(act, tools, tmp_path):  # noqa: F811
    from edgecompile.artifact import Artifact

    model, x = _dw(6, 31, 5, [1, 1, 1, 1], act, seed=3)  # 31 rows: two bands; C 6: a pair past the 4-groups
    # without shifted overlaps the smallest arena runs the depthwise conv in place by rows: its output is its input
    qdq = qdq_wrap(model, [{"x": x}])
    if act and act.startswith("Clip"):  # a coarser output scale: the clip's bounds inside int8 (the "_c" variants)
        from onnx import numpy_helper

        for t in qdq.graph.initializer:
            if t.name == "z_s":
                t.CopyFrom(numpy_helper.from_array(np.array(numpy_helper.to_array(t) * 2, np.float32), "z_s"))
    kernels = _m4_equals_host(_fused(qdq) if act else qdq, x, tmp_path, {"overlap": False})
    assert any(k.startswith("dw3_s8_simd") for k in kernels), kernels
    assert "in place by rows" in Artifact.open(next((tmp_path / "out").iterdir())).manifest["backend_details"][
        "arena_strategy"]


@st.composite
def _drawn_dw(draw):
    c = draw(st.sampled_from([1, 2, 3, 4, 5, 6, 8]))
    k = draw(st.sampled_from([3, 3, 3, 2, 5]))
    mult = draw(st.sampled_from([1, 1, 1, 2]))
    pads = [draw(st.integers(0, k - 1)) for _ in range(4)]
    strides = draw(st.sampled_from([(1, 1), (1, 1), (2, 2), (1, 2)]))
    dil = draw(st.sampled_from([(1, 1), (1, 1), (1, 1), (2, 2)]))
    span = (k - 1) * max(dil) + 1
    h = draw(st.integers(max(1, span - pads[0] - pads[2]), 36))
    w = draw(st.integers(max(1, span - pads[1] - pads[3]), 7))
    act = draw(st.sampled_from([None, "Relu", "Clip", "ClipLow"]))
    return _dw(c, h, w, pads, act, draw(st.integers(0, 2**16)), mult, strides, dil, k, lead=draw(st.booleans()))


def test_drawn_depthwise_geometries_on_cortex_m4(tools, tmp_path_factory):  # noqa: F811
    @PROFILE
    @given(drawn=_drawn_dw())
    def prop(drawn):
        model, x = drawn
        _m4_equals_host(qdq_wrap(model, [{"x": x}]), x, tmp_path_factory.mktemp("m4"))

    prop()


def test_two_dw3_variants_in_one_model_exact(tools, tmp_path):  # noqa: F811
    """Two depthwise layers in two clamp variants: the kernel file pasted twice compiles (-std=c99 -pedantic)."""
    from onnx import helper

    model, x = _dw(4, 9, 5, [1, 1, 1, 1], None, seed=9, lead=False)
    inits = {t.name: __import__("onnx").numpy_helper.to_array(t) for t in model.graph.initializer}
    inits.update(w9=inits["w"][::-1].copy(), b9=inits["b"])
    nodes = list(model.graph.node) + [
        helper.make_node("Conv", ["y", "w9", "b9"], ["y2"], name="dw1", kernel_shape=[3, 3], pads=[1, 1, 1, 1],
                         group=4),
        helper.make_node("Relu", ["y2"], ["z"], name="act1")]
    model = op_models.model(nodes, {"x": x.shape}, ["z"], inits)
    kernels = _m4_equals_host(_fused(qdq_wrap(model, [{"x": x}]), "y2"), x, tmp_path, {"overlap": False})
    assert "dw3_s8_simd" in kernels and "dw3_s8_simd_r" in kernels, kernels


def test_dw3_and_avgpool_alone_exact(tools, tmp_path):  # noqa: F811
    """A model whose only DSP kernels are dw3_s8_simd and avgpool_s8_simd builds (none of the helpers they do not
    call is pasted: -Werror=unused-function) and gives the host's bytes."""
    from onnx import helper

    model, x = _dw(4, 7, 5, [1, 1, 1, 1], None, seed=5, lead=False)
    nodes = list(model.graph.node) + [helper.make_node("GlobalAveragePool", ["y"], ["g"], name="gap0")]
    inits = {t.name: __import__("onnx").numpy_helper.to_array(t) for t in model.graph.initializer}
    model = op_models.model(nodes, {"x": x.shape}, ["g"], inits)
    kernels = _m4_equals_host(qdq_wrap(model, [{"x": x}]), x, tmp_path, {"overlap": False})  # (no shifted overlap)
    assert "dw3_s8_simd" in kernels and "avgpool_s8_simd" in kernels, kernels
