"""An already-quantized QDQ graph with s8 activations -> the same numbers as u8 activations.

OpenVINO's CPU plugin refuses s8-activation QDQ ("No suitable implementations"). An s8 tensor
(scale s, zero point z) holds exactly the reals of a u8 tensor (s, z + 128), so shifting every
activation QuantizeLinear/DequantizeLinear pair by 128 changes no value. The graph's own int8
inputs and outputs stay int8 (the artifact's interface): after each DequantizeLinear that reads
one, an exact u8 QuantizeLinear/DequantizeLinear pair is inserted. Weights stay s8.
"""
from __future__ import annotations

import numpy as np

# ops that move or select integer values without arithmetic: a +128 shift passes through them
_MOVES = {"Reshape", "Transpose", "Flatten", "Squeeze", "Unsqueeze", "Identity", "MaxPool", "Slice", "Gather"}


def to_u8_activations(model):
    """A copy of `model` with every int8 activation quantization moved to uint8 (zero point + 128)."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    m = onnx.ModelProto()
    m.CopyFrom(model)
    g = m.graph
    inits = {t.name: t for t in g.initializer}
    outputs = {o.name for o in g.output}

    def zp_of(node):
        return numpy_helper.to_array(inits[node.input[2]]) if len(node.input) > 2 and node.input[2] in inits else None

    def add_u8_zp(node) -> str:
        z = zp_of(node).astype(np.int16) + 128
        name = f"{node.input[2]}__u8"
        if name not in inits:
            inits[name] = numpy_helper.from_array(z.astype(np.uint8), name)
            g.initializer.append(inits[name])
        return name

    shifted: set[str] = set()  # tensors now uint8: Q outputs, and what moves them without arithmetic
    for node in g.node:  # topological order
        if node.op_type == "QuantizeLinear" and node.output[0] not in outputs:
            z = zp_of(node)
            if z is not None and z.dtype == np.int8:
                node.input[2] = add_u8_zp(node)
                shifted.add(node.output[0])
        elif node.op_type in _MOVES and node.input and node.input[0] in shifted:
            if node.output[0] in outputs:
                raise ValueError(f"{node.name}: an int8 graph output fed by a {node.op_type} of activations")
            shifted.add(node.output[0])
    new_nodes = []
    for node in g.node:
        new_nodes.append(node)
        if node.op_type != "DequantizeLinear" or node.input[0] in inits:
            continue
        z = zp_of(node)
        if node.input[0] in shifted:
            node.input[2] = add_u8_zp(node)
        elif z is not None and z.dtype == np.int8:  # reads a graph input or an int8 graph output: re-quantize as u8
            real, q = node.output[0], f"{node.output[0]}__u8q"
            node.output[0] = f"{real}__s8dq"
            u8 = add_u8_zp(node)
            new_nodes.append(helper.make_node("QuantizeLinear", [node.output[0], node.input[1], u8], [q],
                                              name=f"{node.name}__u8q"))
            new_nodes.append(helper.make_node("DequantizeLinear", [q, node.input[1], u8], [real],
                                              name=f"{node.name}__u8dq"))
    del g.node[:]
    g.node.extend(new_nodes)
    keep = [vi for vi in g.value_info if vi.name not in shifted and vi.type.tensor_type.elem_type != TensorProto.INT8]
    del g.value_info[:]
    g.value_info.extend(keep)
    return m
