"""Softmax -> the `softmax` IR op over the innermost stored axis (int8: TFLite's reference kernel,
output at 1/256 with zero point -128)."""
from __future__ import annotations

from edgecompile.backends.c import fixedpoint as fx
from edgecompile.backends.c.lowering.common import computed
from edgecompile.core.graph import attrs_of


def _last(low, node, x) -> str:
    """x stored with the softmax axis innermost (opset >= 13: one axis)."""
    r = len(low.g.tensors[x].shape)
    axis = attrs_of(node).get("axis", -1) % r
    return low.g.need(x, tuple(d for d in range(r) if d != axis) + (axis,)), axis


def fp32(low, node, y_shape) -> str:
    g = low.g
    x, axis = _last(low, node, computed(low, node, 0))
    y = g.like(x)
    t = g.tensors[x]
    g.add("softmax", [x], [y.name], node.name, dtype="float32", depth=t.shape[axis], outer=t.size // t.shape[axis])
    return y.name


def int8(low, p, qnode, y_shape, s, z, act) -> str:
    g, node = low.g, p.node
    x, axis = _last(low, node, p.inputs[0])
    xt = g.tensors[x]
    if abs(s - 1.0 / 256) > 1e-9 or z != -128:
        low.fail(node, "int8 Softmax needs output scale 1/256 and zero point -128 (TFLite's convention)")
    mult, left, diff_min = fx.softmax_params(xt.scale)
    y = g.tensor(qnode.output[0], y_shape, "int8", xt.perm, s, z)
    g.add("softmax", [x], [y.name], node.name, dtype="int8", depth=xt.shape[axis], outer=xt.size // xt.shape[axis],
          mult=mult, left=left, diff_min=diff_min)
    return y.name
