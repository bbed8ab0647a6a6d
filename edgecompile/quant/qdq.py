"""Range table -> QDQ ONNX, in a backend's INT8 flavor (edgecompile.core.flavor.Flavor).

    from edgecompile.quant.qdq import quantize
    qmodel = quantize(ctx.model, ctx.ranges, backend.int8_flavor)   # honours ctx.ranges.keep_float

Every flavor quantizes weights per output channel, symmetric int8 (zero point 0), and biases to
int32 with scale = input_scale * weight_scale (TFLite's rule). Flavors differ only in activations:

  s8 asymmetric  scale = (hi - lo) / 255, zero point in [-128, 127]        (onnxruntime; c adds TFLite's Softmax)
  u8 asymmetric  the same scale, zero point + 128                           (openvino: its CPU plugin refuses s8)
  s8 symmetric   scale = max(|lo|, |hi|) / 127, zero point 0                (tensorrt's explicit quantization)

Each backend declares its flavor; this module knows none of them by name.
The QDQ insertion is ONNX Runtime's QDQQuantizer, fed our ranges instead of its own calibrator.
"""
from __future__ import annotations

import numpy as np

from edgecompile.core.flavor import Flavor


def activation_params(lo: float, hi: float, f: Flavor) -> tuple[float, int, str]:
    """(scale, zero point, dtype) for one activation range: the numbers `quantize` writes."""
    lo, hi = min(lo, 0.0), max(hi, 0.0)
    if f.symmetric:
        m = max(abs(lo), abs(hi))
        return (np.float32(m / 127) if m > 0 else np.float32(1.0)), 0, "int8"
    scale = np.float32((hi - lo) / 255) if hi > lo else np.float32(1.0)
    qmin = -128 if f.activations == "s8" else 0
    zp = int(np.clip(np.round(qmin - lo / scale), qmin, qmin + 255))
    return scale, zp, "int8" if f.activations == "s8" else "uint8"


def quantize(model, table, f: Flavor, keep_float=None, op_types=None):
    """A QDQ copy of the fp32 `model` using `table`'s ranges; nodes in keep_float stay float.

    keep_float defaults to table.keep_float (what the accuracy guard chose)."""
    from onnxruntime.quantization import QuantType
    from onnxruntime.quantization.calibrate import CalibrationMethod, TensorData, TensorsData
    from onnxruntime.quantization.qdq_quantizer import QDQQuantizer
    from onnxruntime.quantization.quant_utils import save_and_reload_model_with_shape_infer
    from onnxruntime.quantization.registry import QDQRegistry, QLinearOpsRegistry

    keep = set(table.keep_float if keep_float is None else keep_float)
    ranges = {n: TensorData(lowest=np.float32(min(lo, 0.0)), highest=np.float32(max(hi, 0.0)))
              for n, (lo, hi) in table.ranges.items()}
    prepared = save_and_reload_model_with_shape_infer(model)
    quantizer = QDQQuantizer(
        prepared,
        True,  # per_channel
        False,  # reduce_range
        QuantType.QInt8,  # weights
        QuantType.QInt8 if f.activations == "s8" else QuantType.QUInt8,
        TensorsData(CalibrationMethod.MinMax, ranges),
        [],  # nodes_to_quantize: all
        sorted(keep),  # nodes_to_exclude
        list(op_types or set(QLinearOpsRegistry) | set(QDQRegistry)),
        {"ActivationSymmetric": f.symmetric, "WeightSymmetric": True, "QDQKeepRemovableActivations": True,
         "QuantizeBias": not f.float_bias},
    )
    quantizer.quantize_model()
    out = quantizer.model.model
    for name in sorted(keep):
        _float_inputs(out, name)
    _drop_dangling(out)
    _topological(out)
    if f.tflite_softmax:
        _softmax_tflite(out)
    out.producer_name, out.producer_version = "edgecompile", ""
    return out


def _softmax_tflite(qmodel) -> None:
    """Softmax outputs re-quantized with scale 1/256, zero point -128: TFLite's int8 Softmax output.

    ONNX Runtime's quantizer pins Softmax outputs to [0, 1] (scale 1/255); TFLite's integer Softmax
    kernel produces 1/256 steps. The DequantizeLinear nodes after it get the same numbers, so the
    graph stays a valid QDQ model that ONNX Runtime runs with the integer kernel's numbers."""
    from onnx import numpy_helper

    graph = qmodel.graph
    softmax_out = {n.output[0] for n in graph.node if n.op_type == "Softmax"}
    readers: dict[str, list] = {}
    for n in graph.node:
        for i in n.input:
            readers.setdefault(i, []).append(n)
    for q in [n for n in graph.node if n.op_type == "QuantizeLinear" and n.input[0] in softmax_out]:
        scale, zp = f"{q.output[0]}_tflite_scale", f"{q.output[0]}_tflite_zero_point"
        graph.initializer.extend([numpy_helper.from_array(np.array(1 / 256, np.float32), scale),
                                  numpy_helper.from_array(np.array(-128, np.int8), zp)])
        for n in [q] + [d for d in readers.get(q.output[0], []) if d.op_type == "DequantizeLinear"]:
            n.input[1] = scale
            if len(n.input) > 2:
                n.input[2] = zp
            else:
                n.input.append(zp)


# ops that only move or clip values: a float layer reads through them to the last float result
TRANSPARENT = {"Relu", "Clip", "Flatten", "Reshape", "Transpose", "MaxPool", "Squeeze", "Unsqueeze", "Identity"}


def _float_inputs(model, node_name: str) -> None:
    """Let a kept-float node read float activations: skip the Q -> DQ pairs in front of it.

    Excluding a node from quantization alone still hands it the int8-rounded output of its
    producer; an outlier range crushed there would stay crushed. Chains of transparent ops
    between the producer and the node are cloned in float, so other consumers keep their int8."""
    graph = model.graph
    producer = {o: n for n in graph.node for o in n.output}
    inits = {t.name for t in graph.initializer}
    clones: dict[str, str] = {}

    def unquantized(tensor: str) -> str:
        dq = producer.get(tensor)
        if dq is None or dq.op_type != "DequantizeLinear" or dq.input[0] in inits:
            return tensor
        q = producer.get(dq.input[0])
        if q is None or q.op_type != "QuantizeLinear":
            return tensor
        src = q.input[0]
        m = producer.get(src)
        if m is None or m.op_type not in TRANSPARENT or not m.input:
            return src
        first = unquantized(m.input[0])
        if first == m.input[0]:
            return src
        if src not in clones:
            clone = graph.node.add()
            clone.CopyFrom(m)
            clone.name = f"{m.name}_float_for_{node_name}"
            clone.input[0] = first
            clone.output[0] = clones[src] = f"{src}_float_for_{node_name}"
            del clone.output[1:]
        return clones[src]

    for node in graph.node:
        if node.name == node_name:
            for i, t in enumerate(node.input):
                if t and t not in inits:
                    node.input[i] = unquantized(t)


def _topological(model) -> None:
    """Producers before consumers, as ONNX requires: ONNX Runtime's quantizer appends the Q/DQ nodes it adds
    after their readers, and cloning float paths appends more."""
    from edgecompile.core.graph import topological_order

    order = topological_order(list(model.graph.node))
    if order is None:
        raise ValueError("cycle while sorting the QDQ graph")
    copies = [type(n)() for n in order]
    for c, n in zip(copies, order):
        c.CopyFrom(n)
    del model.graph.node[:]
    model.graph.node.extend(copies)


def _drop_dangling(model) -> None:
    """Remove nodes (Q/DQ left behind by _float_inputs) whose outputs nobody reads."""
    graph = model.graph
    while True:
        used = {i for n in graph.node for i in n.input} | {o.name for o in graph.output}
        dead = [k for k, n in enumerate(graph.node) if not any(o in used for o in n.output)]
        if not dead:
            break
        for k in reversed(dead):
            del graph.node[k]
    used = {i for n in graph.node for i in n.input}
    keep = [t for t in graph.initializer if t.name in used]
    if len(keep) != len(graph.initializer):
        copies = [type(t)() for t in keep]
        for c, t in zip(copies, keep):
            c.CopyFrom(t)
        del graph.initializer[:]
        graph.initializer.extend(copies)


def quantizable_nodes(model) -> list[str]:
    """Names of the nodes with weights the guard may keep in float (Conv, Gemm, MatMul, ...)."""
    inits = {t.name for t in model.graph.initializer}
    heavy = {"Conv", "ConvTranspose", "Gemm", "MatMul", "Attention", "LSTM", "GRU"}
    return [n.name for n in model.graph.node if n.op_type in heavy and any(i in inits for i in n.input)]


def is_quantized(model) -> bool:
    """True for graphs whose activations are already integer (a QuantizeLinear on a non-constant):
    full-int8 TFLite imports, QDQ exports. Their int8 build takes the graph's own scales as they are."""
    inits = {t.name for t in model.graph.initializer}
    return any(n.op_type == "QuantizeLinear" and n.input[0] not in inits for n in model.graph.node)


def activation_qparams(qmodel) -> dict[str, tuple[float, int, str]]:
    """tensor -> (scale, zero point, dtype) of every QuantizeLinear on an activation in a QDQ model."""
    from onnx import numpy_helper

    inits = {t.name: numpy_helper.to_array(t) for t in qmodel.graph.initializer}
    out = {}
    for node in qmodel.graph.node:
        if node.op_type == "QuantizeLinear" and node.input[0] not in inits:
            scale = inits[node.input[1]]
            zp = inits[node.input[2]] if len(node.input) > 2 else np.zeros((), np.uint8)
            out[node.input[0]] = (float(scale), int(zp), str(zp.dtype))
    return out
