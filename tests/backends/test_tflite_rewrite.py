"""The int8 .tflite rewrites for XNNPACK (issue 10): bit-exact or not kept, and they do what they say.

Runs LiteRT on the shared MLPerf Tiny int8 files and on one-conv graphs cut from KWS with other
strides and paddings; no conversions, a few seconds in all.
"""
from __future__ import annotations

import shutil

import numpy as np
import pytest

from conftest import mlperf_model, need_backend


@pytest.fixture(scope="module")
def tflite():
    return need_backend("tflite")


def _ops(data: bytes) -> list[str]:
    from edgecompile.backends.tflite.runner import interpreter_class
    from edgecompile.core.quiet import quiet

    with quiet():
        it = interpreter_class()[0](model_content=data)
        it.allocate_tensors()
    return [d["op_name"] for d in it._get_ops_details()]  # after XNNPACK: what it left to LiteRT, plus DELEGATE nodes


def test_kws_runs_in_one_xnnpack_partition_with_identical_outputs(tflite, tmp_path):
    from edgecompile.backends.tflite.rewrite.pipeline import rewrite, run_seeded

    src = mlperf_model("kws_ref_model.tflite")
    path = tmp_path / "m.tflite"
    shutil.copyfile(src, path)
    assert rewrite(path) == ["global_avgpool_to_mean", "single_channel_conv_widened"]
    before, after = _ops(src.read_bytes()), _ops(path.read_bytes())
    assert before.count("DELEGATE") == 2 and "AVERAGE_POOL_2D" in before
    assert after.count("DELEGATE") == 1 and "AVERAGE_POOL_2D" not in after and "MEAN" in after
    rng = np.random.default_rng(1)  # other feeds than the rewrite's own check
    feeds = [[rng.integers(-128, 128, (1, 49, 10, 1), dtype=np.int8)] for _ in range(64)]
    _, want = run_seeded(src.read_bytes(), feeds)
    _, got = run_seeded(path.read_bytes(), feeds)
    assert all(np.array_equal(a[0], b[0]) for a, b in zip(want, got))


def test_a_rewrite_that_changes_outputs_is_dropped(tflite, tmp_path):
    """ResNet-8's 8x8 pool: XNNPACK's MEAN breaks ties of a power-of-two count differently from
    LiteRT's AVERAGE_POOL_2D, so the rewrite applies but is not bit-exact: the file stays as it was."""
    from edgecompile.backends.tflite.rewrite import global_pool_mean
    from edgecompile.backends.tflite.rewrite.graph import Graph
    from edgecompile.backends.tflite.rewrite.pipeline import rewrite

    src = mlperf_model("pretrainedResnet_quant.tflite")
    assert global_pool_mean.apply(Graph(src.read_bytes())) == 1
    path = tmp_path / "m.tflite"
    shutil.copyfile(src, path)
    assert rewrite(path) == []
    assert path.read_bytes() == src.read_bytes()


def _first_conv(stride: tuple[int, int], same: bool, kernel: tuple[int, int]) -> bytes:
    """KWS's first conv alone (int8, one input channel, 64 outputs) with another geometry."""
    from edgecompile.backends.tflite.rewrite.graph import Graph

    g = Graph(mlperf_model("kws_ref_model.tflite").read_bytes())
    op = g.sg.operators[0]
    w = g.const(op.inputs[1])[:, :kernel[0], :kernel[1], :]
    wq = g.quant(op.inputs[1])
    op.inputs[1] = g.add_tensor("w", w.shape, "INT8", wq, w)
    o = op.builtinOptions
    o.strideH, o.strideW = stride
    o.padding = g.s.Padding.SAME if same else g.s.Padding.VALID
    _, h, wd, _ = g.shape(op.inputs[0])
    if same:
        ho, wo = -(-h // stride[0]), -(-wd // stride[1])
    else:
        ho, wo = (h - kernel[0]) // stride[0] + 1, (wd - kernel[1]) // stride[1] + 1
    g.tensor(op.outputs[0]).shape = [1, ho, wo, 64]
    g.sg.operators = [op]
    g.sg.outputs = [op.outputs[0]]
    return g.pack()


@pytest.mark.parametrize("stride,same,kernel", [((2, 2), True, (10, 4)), ((1, 1), True, (3, 3)),
                                                ((2, 1), False, (5, 3)), ((3, 2), True, (7, 4)),
                                                ((1, 2), False, (10, 4))])
def test_one_channel_conv_widening_is_exact_for_any_stride_and_padding(tflite, tmp_path, stride, same, kernel):
    from edgecompile.backends.tflite.rewrite.pipeline import rewrite

    path = tmp_path / "conv.tflite"
    path.write_bytes(_first_conv(stride, same, kernel))
    assert rewrite(path) == ["single_channel_conv_widened"]
    ops = _ops(path.read_bytes())
    assert ops.count("CONV_2D") == 1 and ops.count("DELEGATE") == 1


def test_build_records_rewrites_and_the_option_turns_them_off(tflite, tmp_path):
    from edgecompile.driver import build

    src = mlperf_model("kws_ref_model.tflite")
    on = build(str(src), ["tflite"], ["int8"], out=tmp_path / "on").results[0]
    off = build(str(src), ["tflite"], ["int8"], out=tmp_path / "off",
                options={"tflite.xnnpack_rewrites": False}).results[0]
    assert on.ok and off.ok and on.parity["passed"]
    from edgecompile.artifact import Artifact

    details = Artifact.open(on.path).manifest["backend_details"]
    assert details["xnnpack_rewrites"] == ["global_avgpool_to_mean", "single_channel_conv_widened"]
    assert "xnnpack_rewrites" not in Artifact.open(off.path).manifest["backend_details"]
    assert (off.path / "model.tflite").read_bytes() == src.read_bytes()
