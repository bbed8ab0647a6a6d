"""Random small graphs (2-8 ops drawn from the claimed set: image graphs, conv-free ones, dense-only ones,
several outputs) compile warning-free (-Werror) and match ONNX Runtime end to end: fp32 within 1e-4
relative; int8 (canonical QDQ) within one step per kernel, each kernel fed the C code's own int8 inputs."""
from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import need_backend

from backends.c import op_models
from backends.c.c_harness import CModel, cut, ort_run, qdq_wrap, rel_err

settings.register_profile("c-graphs-ci", max_examples=6, deadline=None, derandomize=True, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("c-graphs-long", max_examples=40, deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
PROFILE = settings.get_profile("c-graphs-long" if os.environ.get("EDGECOMPILE_HYPOTHESIS") == "long" else "c-graphs-ci")

IMAGE_UNARY = ["Relu", "Clip", "Sigmoid", "Tanh", "LeakyRelu", "HardSwish", "Abs", "Neg"]


class _Builder:
    def __init__(self, draw, rng):
        self.draw, self.rng = draw, rng
        self.nodes, self.inits, self.shapes, self.k = [], {}, {}, 0

    def name(self, op):
        self.k += 1
        return f"{op.lower()}{self.k}"

    def add(self, op, ins, shape, **attrs):
        from onnx import helper

        out = self.name(op)
        self.nodes.append(helper.make_node(op, ins, [out], name=out, **attrs))
        self.shapes[out] = shape
        return out

    def const(self, arr, dtype=np.float32):
        n = f"k{len(self.inits)}"
        self.inits[n] = np.asarray(arr, dtype)
        return n


def _image_step(b: _Builder, x, allow_conv: bool):
    n, c, h, w = b.shapes[x]
    d = b.draw
    ops = ["unary", "binary", "pool", "concat", "pad", "global"] + (["conv"] * 3 if allow_conv else [])
    kind = d(st.sampled_from(ops))
    if kind == "conv":
        oc, k = d(st.integers(1, 8)), d(st.integers(1, min(3, h, w)))
        groups = c if d(st.booleans()) and oc % c == 0 else 1
        wt = b.const(b.rng.standard_normal((oc, c // groups, k, k)) * 0.4)
        return b.add("Conv", [x, wt, b.const(b.rng.standard_normal(oc) * 0.1)], (n, oc, h, w), group=groups,
                     kernel_shape=[k, k], pads=[k // 2, k // 2, (k - 1) // 2, (k - 1) // 2])
    if kind == "unary":
        op = d(st.sampled_from(IMAGE_UNARY))
        return b.add(op, [x], (n, c, h, w))
    if kind == "binary":
        other = b.const(b.rng.standard_normal((1, c, 1, 1))) if d(st.booleans()) else x
        return b.add("Add", [x, other], (n, c, h, w))
    if kind == "pool" and h > 1 and w > 1:
        op = d(st.sampled_from(["MaxPool", "AveragePool"]))
        return b.add(op, [x], (n, c, h // 2, w // 2), kernel_shape=[2, 2], strides=[2, 2])
    if kind == "concat":
        return b.add("Concat", [x, x], (n, 2 * c, h, w), axis=1)
    if kind == "pad":
        return b.add("Pad", [x, b.const([0, 0, 1, 1, 0, 0, 1, 1], np.int64)], (n, c, h + 2, w + 2),
                     mode="constant")
    op = d(st.sampled_from(["GlobalAveragePool", "GlobalMaxPool"]))
    return b.add(op, [x], (n, c, 1, 1))


def _dense_step(b: _Builder, x):
    n, k = b.shapes[x]
    kind = b.draw(st.sampled_from(["gemm", "gemm", "unary", "binary", "softmax"]))
    if kind == "gemm":
        m = b.draw(st.integers(1, 24))
        return b.add("Gemm", [x, b.const(b.rng.standard_normal((m, k)) * 0.3), b.const(b.rng.standard_normal(m) * 0.1)],
                     (n, m), transB=1)
    if kind == "unary":
        return b.add(b.draw(st.sampled_from(IMAGE_UNARY)), [x], (n, k))
    if kind == "binary":
        return b.add("Add", [x, b.const(b.rng.standard_normal((k,)))], (n, k))
    return b.add("Softmax", [x], (n, k), axis=-1)


@st.composite
def graphs(draw):
    """(model, feeds, flavour): flavour in image, conv-free, dense-only."""
    flavour = draw(st.sampled_from(["image", "conv-free", "dense-only"]))
    b = _Builder(draw, np.random.default_rng(draw(st.integers(0, 2**31 - 1))))
    steps = draw(st.integers(2, 8))
    if flavour == "dense-only":
        shape = (draw(st.integers(1, 2)), draw(st.integers(1, 20)))
    else:
        shape = (1, draw(st.integers(1, 5)), draw(st.integers(2, 8)), draw(st.integers(2, 8)))
    b.shapes["x"] = shape
    x = "x"
    for i in range(steps):
        if len(b.shapes[x]) == 4 and (flavour != "image" or i < steps - 2 or not draw(st.booleans())):
            x = _image_step(b, x, flavour == "image")
        else:
            if len(b.shapes[x]) == 4:
                n, c, h, w = b.shapes[x]
                x = b.add("Flatten", [x], (n, c * h * w), axis=1)
            x = _dense_step(b, x)
    outputs = [x] + draw(st.lists(st.sampled_from([n.output[0] for n in b.nodes[:-1]]), max_size=2, unique=True)
                         if len(b.nodes) > 1 else st.just([]))
    model = op_models.model(b.nodes, {"x": shape}, outputs, b.inits)
    return model, op_models.feeds_for({"x": shape}, b.rng), flavour


@pytest.fixture(scope="module")
def c_backend():
    return need_backend("c")


def test_random_graphs_fp32(c_backend, tmp_path_factory):
    @PROFILE
    @given(drawn=graphs())
    def prop(drawn):
        model, feeds, flavour = drawn
        c = CModel(model, tmp_path_factory.mktemp(flavour))
        for got, ref in zip(c.run(feeds), ort_run(model, feeds)):
            assert rel_err(got, ref) <= 1e-4, (flavour, rel_err(got, ref))

    prop()


def test_random_graphs_int8_each_kernel_within_one_step(c_backend, tmp_path_factory):
    @PROFILE
    @given(drawn=graphs())
    def prop(drawn):
        model, feeds, flavour = drawn
        rng = np.random.default_rng(0)
        calib = [feeds] + [{"x": rng.standard_normal(feeds["x"].shape).astype(np.float32)} for _ in range(3)]
        qdq = qdq_wrap(model, calib, every_tensor=True)
        c = CModel(qdq, tmp_path_factory.mktemp(flavour))
        computed = [o for n in model.graph.node for o in n.output]
        got = c.run(feeds)
        assert all(g.dtype == np.int8 for g in got)
        ref = ort_run(cut(qdq, computed), {**feeds, **{f"{a}_c": v for a, v in zip(computed, got)}}, float_qdq=True)
        for a, g, r in zip(computed, got, ref):
            assert int(np.abs(g.astype(int) - r.astype(int)).max(initial=0)) <= 1, (flavour, a)

    prop()
