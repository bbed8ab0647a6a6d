"""Read-only helpers over an ONNX graph: its interface, layouts, node order and attributes."""
from __future__ import annotations

import numpy as np

from edgecompile.core.tensor import TensorSpec

CHANNELS_LAST_KEY = "edgecompile.channels_last"  # metadata: comma-separated 4-D NHWC input/output names


def io_specs(model) -> tuple[list[TensorSpec], list[TensorSpec]]:
    """TensorSpecs of a graph's real inputs and outputs. 4-D tensors are NCHW by ONNX convention,
    except those a TFLite import kept channels-last (marked in the graph's metadata)."""
    from onnx import helper

    inits = {t.name for t in model.graph.initializer}
    nhwc = channels_last(model)

    def spec(vi):
        tt = vi.type.tensor_type
        shape = tuple(d.dim_value if d.HasField("dim_value") else -1 for d in tt.shape.dim)  # -1: dynamic (batch)
        dtype = str(helper.tensor_dtype_to_np_dtype(tt.elem_type))
        layout = ("NHWC" if vi.name in nhwc else "NCHW") if len(shape) == 4 else None
        return TensorSpec(vi.name, shape, dtype, layout)

    ins = [spec(v) for v in model.graph.input if v.name not in inits]
    outs = [spec(v) for v in model.graph.output]
    return _with_scales(model, ins, "DequantizeLinear"), _with_scales(model, outs, "QuantizeLinear")


# ops that move integers without arithmetic: an int8 graph input reaches its DequantizeLinear through them
_MOVES = {"Reshape", "Transpose", "Flatten", "Squeeze", "Unsqueeze", "Identity"}


def _with_scales(model, specs: list[TensorSpec], op: str) -> list[TensorSpec]:
    """Integer graph inputs (outputs) of a QDQ graph carry the scale of the DequantizeLinear reading
    (QuantizeLinear writing) them: what callers need to quantize feeds and read results."""
    from dataclasses import replace

    import numpy as np
    from onnx import numpy_helper

    if not any(n.op_type == op for n in model.graph.node):  # a float graph: nothing to index (100k nodes: seconds)
        return specs
    inits = {t.name: t for t in model.graph.initializer}
    producer = {o: n for n in model.graph.node for o in n.output}

    def source(tensor: str) -> str:
        while tensor in producer and producer[tensor].op_type in _MOVES:
            tensor = producer[tensor].input[0]
        return tensor

    found = {}
    for n in model.graph.node:
        if n.op_type == op and n.input[1] in inits:
            scale = numpy_helper.to_array(inits[n.input[1]])
            zp = numpy_helper.to_array(inits[n.input[2]]) if len(n.input) > 2 and n.input[2] in inits else 0
            if scale.size == 1:
                key = source(n.input[0]) if op == "DequantizeLinear" else n.output[0]
                found.setdefault(key, (float(scale.reshape(-1)[0]), int(np.asarray(zp).reshape(-1)[0])))
    out = []
    for s in specs:
        key = s.name if op == "DequantizeLinear" else source(s.name)
        if key in found and np.dtype(s.dtype).kind in "iu":
            s = replace(s, scale=found[key][0], zero_point=found[key][1])
        out.append(s)
    return out


def channels_last(model) -> set[str]:
    """Names of the 4-D inputs/outputs an import kept channels-last."""
    return {n for p in model.metadata_props if p.key == CHANNELS_LAST_KEY for n in p.value.split(",") if n}


def graph_layouts(model) -> dict[str, str | None]:
    """Layout of every input and output of the reference graph, for encode/decode."""
    ins, outs = io_specs(model)
    return {s.name: s.layout for s in ins + outs}


def attrs_of(node) -> dict:
    from onnx import helper

    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def topological_order(nodes: list) -> list | None:
    """`nodes` in an order where every input is produced first; ties keep the given order.
    None when the graph has a cycle. Linear in nodes + edges."""
    import heapq

    producer = {o: i for i, n in enumerate(nodes) for o in n.output if o}
    deps = [{producer[x] for x in n.input if x in producer} for n in nodes]
    users: dict[int, list[int]] = {}
    for i, d in enumerate(deps):
        for j in d:
            users.setdefault(j, []).append(i)
    waiting = [len(d) for d in deps]
    ready = [i for i, w in enumerate(waiting) if w == 0]
    heapq.heapify(ready)
    order = []
    while ready:
        i = heapq.heappop(ready)
        order.append(nodes[i])
        for u in users.get(i, []):
            waiting[u] -= 1
            if waiting[u] == 0:
                heapq.heappush(ready, u)
    return order if len(order) == len(nodes) else None


def seeded_inputs(model, n: int = 4, seed: int = 0) -> list[dict[str, np.ndarray]]:
    """n single-batch feeds for every graph input: N(0,1) floats, uniform integers."""
    from onnx import helper

    rng = np.random.default_rng(seed)
    inits = {t.name for t in model.graph.initializer}
    feeds = []
    for _ in range(n):
        feed = {}
        for vi in model.graph.input:
            if vi.name in inits:
                continue
            tt = vi.type.tensor_type
            dtype = helper.tensor_dtype_to_np_dtype(tt.elem_type)
            shape = tuple(d.dim_value if d.HasField("dim_value") else 1 for d in tt.shape.dim)  # symbolic: 1
            if np.issubdtype(dtype, np.integer):
                info = np.iinfo(dtype)
                feed[vi.name] = rng.integers(max(info.min, -128), min(info.max, 127) + 1, size=shape).astype(dtype)
            elif dtype == np.bool_:
                feed[vi.name] = rng.random(shape) > 0.5
            else:
                feed[vi.name] = rng.standard_normal(shape).astype(dtype)
        feeds.append(feed)
    return feeds
