"""Patch-based execution (backends/c/patch.py) changes no output byte: random conv/depthwise/pool stacks (random
kernel sizes, strides, asymmetric pads, dilations, residual Adds, strided shortcuts), fp32 and int8, and the random graphs of
test_c_random_graphs, built on the host with a stage run band by band and without; the MobileNet-like model's
arena drops below half; the option and the RAM budget choose it."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from conftest import need_backend

from backends.c import mbv2_like, op_models
from backends.c.c_harness import CModel, qdq_wrap
from backends.c.test_c_random_graphs import PROFILE, graphs


def _out(k: int, size: int, s: int, d: int, p0: int, p1: int) -> int:
    return (size + p0 + p1 - d * (k - 1) - 1) // s + 1


@st.composite
def stacks(draw):
    """(float model, input shape, rng): 2-6 spatial layers on an image of 6-16 rows (a residual or shortcut block
counts as one)."""
    from onnx import helper

    rng = np.random.default_rng(draw(st.integers(0, 2**31 - 1)))
    shape = (1, draw(st.integers(1, 4)), draw(st.integers(6, 16)), draw(st.integers(2, 9)))
    _, c, h, w = shape
    nodes, inits, x = [], {}, "x"

    def add(op, ins, **attrs):
        out = f"n{len(nodes)}"
        nodes.append(helper.make_node(op, ins, [out], name=out, **attrs))
        return out

    def conv(src, cin, cout, k, s, d, pads, groups):
        i = len(inits)
        inits[f"w{i}"] = (rng.standard_normal((cout, cin // groups, k, k)) * 0.5).astype(np.float32)
        inits[f"b{i}"] = (rng.standard_normal(cout) * 0.1).astype(np.float32)
        return add("Conv", [src, f"w{i}", f"b{i}"], kernel_shape=[k, k], strides=[s, s], dilations=[d, d], pads=pads,
                   group=groups)

    for _ in range(draw(st.integers(2, 6))):
        kind = draw(st.sampled_from(["conv", "conv", "depthwise", "pool", "residual", "shortcut", "act"]))
        k, s = draw(st.integers(1, 3)), draw(st.integers(1, 2))
        d = draw(st.integers(1, 2)) if k > 1 and kind != "pool" else 1
        pads = [draw(st.integers(0, k - 1)) for _ in range(4)]  # top, left, bottom, right
        oh, ow = _out(k, h, s, d, pads[0], pads[2]), _out(k, w, s, d, pads[1], pads[3])
        if kind in ("conv", "depthwise", "pool") and (oh < 1 or ow < 1):
            continue
        if kind in ("conv", "depthwise"):
            oc = draw(st.integers(1, 6)) if kind == "conv" else c * draw(st.integers(1, 2))
            x, c, h, w = conv(x, c, oc, k, s, d, pads, 1 if kind == "conv" else c), oc, oh, ow
        elif kind == "pool" and k > 1:
            op = draw(st.sampled_from(["MaxPool", "AveragePool"]))
            extra = {"count_include_pad": draw(st.integers(0, 1))} if op == "AveragePool" else {}
            x, h, w = add(op, [x], kernel_shape=[k, k], strides=[s, s], pads=pads, **extra), oh, ow
        elif kind == "residual":  # x + conv(x), same shape
            k = draw(st.sampled_from([1, 3, 3]))
            x = add("Add", [x, conv(x, c, c, k, 1, 1, [k // 2] * 4, 1)])
        elif kind == "shortcut":  # conv3x3(x) + conv1x1(x), both with stride s (ResNet's downsampling block)
            oc = draw(st.integers(1, 4))
            y = conv(x, c, oc, 3, s, 1, [1] * 4, 1)
            x, c, h, w = add("Add", [y, conv(x, c, oc, 1, s, 1, [0] * 4, 1)]), oc, (h - 1) // s + 1, (w - 1) // s + 1
        elif kind == "act":
            x = add(draw(st.sampled_from(["Relu", "Sigmoid", "Relu"])), [x])
    assume(nodes)
    return op_models.model(nodes, {"x": shape}, [x], inits), shape, rng


def _same_bytes(model, feeds: list[dict], folder, pick) -> int:
    """Builds `model` plain and with its first and last stage (patch.stages) run in tiles (`pick(rows, columns)`:
    bands or a grid); the outputs must be identical. Returns how many patched builds were compared."""
    from edgecompile.backends.c import patch

    plain = CModel(model, folder / "plain", overlap=False)
    found = patch.stages(plain.g)
    want = [b.tobytes() for f in feeds for b in plain.run(f)]
    done = 0
    for k, stage in enumerate(found[:1] + found[-1:] if len(found) > 1 else found):
        grid = pick(*plain.g.tensors[stage.y].shape[2:])
        patched = patch.apply(plain.g, stage, grid)
        if patched[0] is None:  # columns cut where a kernel would need a negative left pad: not offered
            continue
        m = CModel(model, folder / f"patch{k}", rewrite=lambda g: patched)
        assert [o.kind for o in m.g.ops].count("patch") == 1
        assert [b.tobytes() for f in feeds for b in m.run(f)] == want, (stage, grid)
        done += 1
    return done


def _grids(data):
    def pick(rows, cols):
        ty = data.draw(st.integers(2 if cols == 1 else 1, rows), label="tile rows")  # stages have 2+ rows
        tx = data.draw(st.integers(1 if ty > 1 else 2, cols), label="tile columns")
        return ty if tx == 1 else (ty, tx)
    return pick


@pytest.mark.parametrize("precision", ["fp32", "int8"])
def test_random_stacks_same_bytes_in_bands(precision, tmp_path_factory):
    need_backend("c")

    @PROFILE
    @given(drawn=stacks(), data=st.data())
    def prop(drawn, data):
        model, shape, rng = drawn
        feeds = [op_models.feeds_for({"x": shape}, rng) for _ in range(2)]
        if precision == "int8":
            model = qdq_wrap(model, feeds)
        assume(_same_bytes(model, feeds, tmp_path_factory.mktemp(precision), _grids(data)))

    prop()


def test_random_graphs_same_bytes_in_bands(tmp_path_factory):
    """Whatever stages the random graphs of the support matrix offer (Pads, Concats, broadcasts around them)."""
    need_backend("c")

    @PROFILE
    @given(drawn=graphs(), data=st.data())
    def prop(drawn, data):
        model, feeds, _ = drawn
        _same_bytes(model, [feeds], tmp_path_factory.mktemp("g"), _grids(data))

    prop()


@pytest.fixture(scope="module")
def mbv2_int8():
    rng = np.random.default_rng(0)
    model = mbv2_like.model()
    feeds = [op_models.feeds_for({"x": (1, 3, 96, 96)}, rng) for _ in range(2)]
    return qdq_wrap(model, feeds), feeds


def test_mobilenet_like_arena_below_half_same_bytes(mbv2_int8, tmp_path):
    from edgecompile.backends.c.backend import _plan

    need_backend("c")
    qdq, feeds = mbv2_int8
    plain = CModel(qdq, tmp_path / "plain", rewrite=True)
    patched = CModel(qdq, tmp_path / "patched", rewrite=lambda g: _plan(g, {"patch": "smallest"}))
    info = patched.plan.patch
    assert info["arena_after"] == patched.plan.arena_bytes < plain.plan.arena_bytes / 2
    assert info["arena_before"] == plain.plan.arena_bytes and info["recomputed_macs"] > 0
    assert patched.plan.lower_bound == plain.plan.lower_bound  # inspect's whole-tensor bound stays
    assert patched.stats["macs"] == plain.stats["macs"]  # the model's MACs; the halo is reported apart
    for f in feeds:
        assert [a.tobytes() for a in patched.run(f)] == [b.tobytes() for b in plain.run(f)]


def test_patch_option_values():
    from edgecompile.backends.c.patch_plan import mode
    from edgecompile.errors import UsageError

    assert mode("auto") == "auto" and mode("OFF") == "off" and mode("6") == 6 and mode("3x2") == (3, 2)
    assert mode("4x1") == 4
    for bad in ("1", "x", "-2", "2.5", "1x1", "0x3"):
        with pytest.raises(UsageError, match="patch"):
            mode(bad)


def test_budget_chooses_patch_and_inspect_reports_both_bounds(tmp_path):
    """A build over --max-ram as planned whole is patched (the build notes and the manifest say how) and gives the
    plain build's bytes; a budget nothing meets fails saying how far patching got; inspect shows both bounds."""
    import onnx

    from edgecompile.artifact import Artifact
    from edgecompile.backends.c.backend import CBackend
    from edgecompile.driver import build

    need_backend("c")
    path = tmp_path / "m.onnx"
    onnx.save(mbv2_like.model(size=48), path)

    def run(**options):
        return build(str(path), ["c"], ["int8"], calib="random", out=tmp_path / "out", force=True, options=options)

    plain = run(patch="off").results[0]
    assert plain.ok, plain.error
    plain = Artifact.open(plain.path)
    whole = plain.manifest["backend_details"]["ram_bytes"]
    report = run(max_ram=whole - 1)
    r = report.results[0]
    assert r.ok, r.error
    art = Artifact.open(r.path)
    d = art.manifest["backend_details"]
    assert d["ram_bytes"] < whole and d["patch"]["asked"] == "auto" and d["patch"]["arena_before"] > d["arena_bytes"]
    assert any("patch-based execution" in n and d["patch"]["chosen"] in n for n in report.notes)
    x = np.random.default_rng(0).integers(-128, 128, size=art.inputs[0].shape, dtype=np.int8)
    got, want = (next(iter(a.load().run({a.inputs[0].name: x}).values())) for a in (art, plain))
    assert got.tobytes() == want.tobytes()
    failed = run(max_ram=1000).results[0]
    assert not failed.ok and "Patch-based execution of the first layers gets the arena down to" in failed.error
    (section,) = CBackend().inspect_extras(_qdq(path))
    assert section.data["whole_tensor_bound_bytes"] > section.data["arena_bytes"] > section.data["patch"]["arena_after"]


def _qdq(path):
    import onnx

    rng = np.random.default_rng(0)
    model = onnx.load(path)
    return qdq_wrap(model, [op_models.feeds_for({"x": (1, 3, 48, 48)}, rng) for _ in range(2)])
