"""The Cortex-M4 3x2-block GEMM (kernels/mm3q_s8.c) and its gathers, layer by layer against the host build (the
plain kernels, TFLite's arithmetic): one chain of convs whose K / 4 % 24 takes every value (the loop's 24
entry quarters), with odd pixel counts (blocks of one, two and three pixels), 1x1 stride 1 (pw_s8_simd), strided
and padded windows (three-pixel rows inside the input, at its edges, across output rows), Cin % 4 != 0 (int8
windows gathered three at a time), the saturating requantization done in asm and the clamped one (Clip) in C."""
from __future__ import annotations

import numpy as np
import pytest

from backends.c import op_models
from backends.c.c_harness import qdq_wrap
from backends.c.test_c_simd_kernels import _m4_equals_host
from conftest import need_backend, need_tool

# (Cin, Cout, kernel (h, w), stride, pads): K / 4 % 12 of each in the comment
CHAIN = [(3, 4, (3, 3), 1, 1),  # K 27 -> 28: 7; Cin % 4 != 0
         (4, 4, (1, 1), 1, 0),  # 1: pw_s8_simd
         (4, 8, (3, 3), 1, 1),  # 9
         (8, 12, (3, 3), 2, 1),  # 18: 6 after a pass
         (12, 8, (2, 2), 1, 0),  # 12: 0
         (8, 12, (3, 1), 1, 0),  # 6
         (12, 8, (1, 1), 2, 0),  # 3: strided 1x1
         (8, 6, (2, 2), 1, 1),  # 8
         (6, 4, (3, 3), 1, 1),  # K 54 -> 56: 14: 2; Cin % 4 != 0
         (4, 8, (1, 5), 1, 2),  # 5
         (8, 44, (1, 5), 1, 2),  # 10
         (44, 4, (1, 1), 1, 0),  # 11
         (4, 6, (2, 2), 1, 0),  # 4
         # K / 4 % 24 (the loop's 24 entry quarters): the residues above, then the rest
         (6, 8, (1, 1), 1, 0),  # K 6 -> 8: 2
         (8, 52, (1, 1), 1, 0),  # 2
         (52, 20, (1, 1), 1, 0),  # 13
         (20, 16, (3, 1), 1, 1),  # 15
         (16, 68, (1, 5), 1, 2),  # 20
         (68, 28, (1, 1), 1, 0),  # 17
         (28, 76, (3, 1), 1, 1),  # 21
         (76, 88, (1, 1), 1, 0),  # 19
         (88, 92, (1, 1), 1, 0),  # 22
         (92, 32, (1, 1), 1, 0),  # 23
         (32, 16, (3, 1), 1, 1),  # 24: 0
         (16, 4, (2, 2), 1, 0)]  # 16


@pytest.fixture(scope="module")
def tools():
    need_tool("arm-none-eabi-gcc")
    need_tool("qemu-system-arm")
    return need_backend("c")


def test_gemm_blocks_every_entry_quarter_on_cortex_m4(tools, tmp_path):
    from onnx import helper

    rng = np.random.default_rng(5)
    nodes, inits, x = [], {}, "x"
    for i, (ci, co, (kh, kw), s, p) in enumerate(CHAIN):
        inits[f"w{i}"] = (rng.standard_normal((co, ci, kh, kw)) * 0.4).astype(np.float32)
        inits[f"b{i}"] = (rng.standard_normal(co) * 0.2).astype(np.float32)
        nodes.append(helper.make_node("Conv", [x, f"w{i}", f"b{i}"], [f"c{i}"], name=f"c{i}", kernel_shape=[kh, kw],
                                      strides=[s, s], pads=[p if kh > 1 else 0, p if kw > 1 else 0] * 2))
        nodes.append(helper.make_node("Relu", [f"c{i}"], [f"r{i}"], name=f"r{i}"))
        x = f"r{i}"
    shape = (1, 3, 13, 11)  # 143 pixels, then 143, 143, 42, 35, 35, 12, 20, 20, 20, ..., 12: every count mod 3
    model = op_models.model(nodes, {"x": shape}, [x], inits)
    feeds = [op_models.feeds_for({"x": shape}, rng) for _ in range(3)]
    kernels = _m4_equals_host(qdq_wrap(model, feeds), feeds[0]["x"], tmp_path)
    assert {"pw_s8_simd", "conv_s8_im2row", "mm3q_s8", "im2row3_q15", "im2row3_s8"} <= set(kernels), kernels
