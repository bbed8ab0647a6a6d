"""ONNX (fp32, or QDQ int8) -> the backend IR. One walk over the nodes in graph order.

Every ONNX value maps to one of:
  ("t", name)      an IR tensor (float in fp32 graphs, int8 in QDQ graphs)
  ("const", arr)   a constant (initializer, or a folded DequantizeLinear of one: see QConst)
  ("dq", name)     the float view of an int8 IR tensor (a DequantizeLinear output)
  ("pending", p)   a float result of a compute op in a QDQ graph, waiting for its QuantizeLinear
Float nodes whose inputs are "dq" values become pending; the QuantizeLinear that closes them
emits one integer kernel (lowering/qdq.py). In fp32 graphs float nodes lower directly. Either way the
op's family module (lowering/<family>.py, found through the registry in lowering/__init__.py) builds its IR.
"""
from __future__ import annotations

import numpy as np

from edgecompile.backends.c import lowering
from edgecompile.backends.c.ir import Graph, QConst, identity
from edgecompile.backends.c.lowering import qdq
from edgecompile.backends.c.lowering.common import is_qdq
from edgecompile.core.graph import attrs_of, topological_order
from edgecompile.errors import UnsupportedOpError

VIEW_OPS = {"Reshape", "Flatten", "Squeeze", "Unsqueeze"}


class Lowering:
    def __init__(self, model, types: dict | None = None):
        from onnx import numpy_helper

        from edgecompile.analysis.shapes import tensor_types

        self.model = model
        self.g = Graph()
        self.types = tensor_types(model) if types is None else types
        self.values: dict[str, tuple] = {t.name: ("const", numpy_helper.to_array(t)) for t in model.graph.initializer}
        self.qdq = is_qdq(model)
        self.io_quant: dict[str, tuple[float, int]] = {}  # artifact I/O that callers see quantized

    # ---- helpers -------------------------------------------------------------------------
    def shape(self, name: str) -> tuple[int, ...]:
        if name not in self.types:
            raise UnsupportedOpError(f"c: no shape known for tensor '{name}'; the graph needs static shapes.")
        return tuple(int(d) for d in self.types[name][0])

    def const(self, node, i: int, what: str) -> np.ndarray:
        v = self.values.get(node.input[i]) if i < len(node.input) and node.input[i] else None
        if v is None or v[0] != "const":
            raise UnsupportedOpError(f"c: {node.op_type} '{node.name}' needs a constant {what}.")
        arr = v[1]
        return arr.real() if isinstance(arr, QConst) else np.asarray(arr)

    def optional_const(self, node, i: int):
        if i >= len(node.input) or not node.input[i]:
            return None
        return self.const(node, i, f"input {i}")

    def fail(self, node, why: str):
        raise UnsupportedOpError(f"c: {node.op_type} '{node.name or '<unnamed>'}': {why}.")

    # ---- views: shape-only ops work on any value kind ---------------------------------------
    def view_shape(self, node) -> tuple[int, ...]:
        return self.shape(node.output[0])

    def view(self, name: str, shape: tuple[int, ...], source: str) -> str:
        src = self.g.need(name, identity(len(self.g.tensors[name].shape)))
        out = self.g.like(src, shape=shape, perm=identity(len(shape)))
        self.g.add("alias", [src], [out.name], source=source)
        return out.name

    def transpose(self, name: str, perm: tuple[int, ...], source: str) -> str:
        t = self.g.tensors[name]
        inv = np.argsort(perm)
        out_shape = tuple(t.shape[p] for p in perm)
        out_perm = tuple(int(inv[a]) for a in t.perm)  # keep the bytes where they are
        out = self.g.like(name, shape=out_shape, perm=out_perm)
        self.g.add("alias", [name], [out.name], source=source)
        return out.name

    def lower_view(self, node) -> bool:
        kind, val = self.values.get(node.input[0], (None, None))
        if node.op_type not in VIEW_OPS and node.op_type != "Transpose":
            return False
        if kind == "const":
            return False  # folded constants are the passes' job; leave it to the generic path
        if kind not in ("t", "dq"):
            self.fail(node, "reshaping an unquantized intermediate result is not supported")
        if node.op_type == "Transpose":
            perm = tuple(attrs_of(node).get("perm", list(range(len(self.g.tensors[val].shape)))[::-1]))
            new = self.transpose(val, perm, node.name)
        else:
            new = self.view(val, self.view_shape(node), node.name)
        self.values[node.output[0]] = (kind, new)
        return True

    # ---- graph boundary ---------------------------------------------------------------------
    def inputs(self):
        from onnx import helper

        inits = {t.name for t in self.model.graph.initializer}
        consumers = {}
        for n in self.model.graph.node:
            for i in n.input:
                consumers.setdefault(i, []).append(n)
        for vi in self.model.graph.input:
            if vi.name in inits:
                continue
            dtype = str(helper.tensor_dtype_to_np_dtype(vi.type.tensor_type.elem_type))
            shape = self.shape(vi.name)
            users = consumers.get(vi.name, [])
            qs = self._input_quantizers(vi.name, consumers) if self.qdq and dtype == "float32" else []
            if qs:
                s, z = self._qparams(qs[0])
                t = self.g.tensor(_cname(vi.name), shape, "int8", scale=s, zp=z, onnx_name=vi.name)
                self.io_quant[vi.name] = (s, z)
                for u in users:
                    if u.op_type == "QuantizeLinear":
                        self.values[u.output[0]] = ("t", t.name)
            elif dtype in ("float32", "int8"):
                t = self.g.tensor(_cname(vi.name), shape, dtype, onnx_name=vi.name)
                if dtype == "int8":
                    t.scale, t.zp = self._input_qparams(vi.name, consumers)
            else:
                raise UnsupportedOpError(f"c: graph input '{vi.name}' has type {dtype}; only float32 and int8 are supported.")
            self.values[vi.name] = ("t", t.name)
            self.g.inputs.append(t.name)

    def _input_quantizers(self, name, consumers) -> list:
        """The QuantizeLinear nodes that read a float graph input, directly or through layout ops.

        tf2onnx keeps TFLite's NHWC input and transposes it to NCHW; the quantizer then puts its
        QuantizeLinear after that Transpose. Quantizing commutes with moving bytes, so the caller
        quantizes the input itself and the layout ops run on int8 (free: aliases). Empty when any
        reader is something else or the quantizers disagree (then the input stays float)."""
        found, todo = [], [name]
        while todo:
            value = todo.pop()
            users = consumers.get(value, [])
            if not users:
                return []
            for n in users:
                if n.op_type == "QuantizeLinear" and n.input[0] == value:
                    found.append(n)
                elif n.op_type in VIEW_OPS | {"Transpose"} and n.input[0] == value:
                    todo.append(n.output[0])
                else:
                    return []
        if not found or len({self._qparams(q) for q in found}) != 1:
            return []
        return found

    def _input_qparams(self, name, consumers):
        """Scale/zero point of an int8 graph input: from the DequantizeLinear that reads it."""
        todo = [name]
        while todo:
            for n in consumers.get(todo.pop(), []):
                if n.op_type == "DequantizeLinear":
                    return self._qparams(n)
                if n.op_type in VIEW_OPS | {"Transpose"}:
                    todo.append(n.output[0])
        return None, None

    def _qparams(self, node) -> tuple[float, int]:
        s = self.values.get(node.input[1], (None, None))[1]
        z = self.values.get(node.input[2], (None, None))[1] if len(node.input) > 2 and node.input[2] else np.zeros(1, np.int8)
        if s is None or np.size(s) != 1 or np.size(z) != 1:
            self.fail(node, "activations need one constant scale and zero point (per-tensor)")
        if np.asarray(z).dtype != np.int8:
            self.fail(node, f"activations must be int8, not {np.asarray(z).dtype}")
        return float(np.float32(np.asarray(s).ravel()[0])), int(np.asarray(z).ravel()[0])

    def outputs(self):
        for vi in self.model.graph.output:
            kind, val = self.values.get(vi.name, (None, None))
            if kind == "dq":
                t = self.g.tensors[val]
                self.io_quant[vi.name] = (t.scale, t.zp)
            elif kind != "t":
                raise UnsupportedOpError(f"c: graph output '{vi.name}' is not computed by a supported kernel "
                                         f"(a float result in a QDQ graph must end in QuantizeLinear/DequantizeLinear).")
            name = self.g.need(val, identity(len(self.g.tensors[val].shape)))
            taken = {self._storage(n) for n in self.g.inputs + self.g.outputs}
            if self._storage(name) in taken:  # the caller's buffers are distinct: this output gets its own copy
                out = self.g.like(name)
                self.g.add("copy", [name], [out.name], source="output copy")
                name = out.name
            self.g.tensors[name].onnx_name = vi.name
            self.g.outputs.append(name)

    def _storage(self, name: str) -> str:
        """The tensor whose buffer `name` is a view of (itself when it is no view)."""
        source = {o.outputs[0]: o.inputs[0] for o in self.g.ops if o.kind == "alias"}
        while name in source:
            name = source[name]
        return name

    # ---- the walk ---------------------------------------------------------------------------
    def run(self) -> Graph:
        self.inputs()
        for node in self.model.graph.node:
            if node.op_type == "Constant":
                from onnx import numpy_helper

                self.values[node.output[0]] = ("const", numpy_helper.to_array(attrs_of(node)["value"]))
                continue
            if self.lower_view(node):
                continue
            if self.qdq:
                qdq.lower(self, node)
            else:
                family = lowering.fp32(node.op_type, node.name or "<unnamed>")
                self.values[node.output[0]] = ("t", family(self, node, self.shape(node.output[0])))
        self.outputs()
        return self.g


def topological(model) -> list:
    """Nodes in an order where every input is produced first (ONNX Runtime's quantizer appends
    its Q/DQ nodes at the end); ties keep the file's order."""
    order = topological_order(list(model.graph.node))
    if order is None:
        raise UnsupportedOpError("c: the graph has a cycle.")
    return order


def _cname(name: str) -> str:
    import re

    s = re.sub(r"[^A-Za-z0-9_]", "_", name)
    return s if s and not s[0].isdigit() else "t_" + s


def _in_order_and_typed(model, known: set) -> bool:
    """Every node after the nodes it reads, and every value's type and static shape already inferred (`known`:
    the values with a type and a static shape, from tensor_types)."""
    g = model.graph
    seen = {vi.name for vi in g.input} | {t.name for t in g.initializer} | {""}
    for n in g.node:
        if any(x not in seen for x in n.input) or any(o not in known for o in n.output if o):
            return False
        seen.update(n.output)
    return True


def lower(model) -> tuple[Graph, dict]:
    import onnx
    from onnx import shape_inference

    from edgecompile.analysis.shapes import tensor_types

    known: set = set()
    types = None if is_qdq(model) else tensor_types(model, known)
    if types is not None and _in_order_and_typed(model, known):  # a normalized float graph: seconds saved at 100k nodes
        low = Lowering(model, types)
    else:
        ordered = onnx.ModelProto()
        ordered.CopyFrom(model)
        nodes = topological(model)
        del ordered.graph.node[:]
        ordered.graph.node.extend(nodes)
        low = Lowering(shape_inference.infer_shapes(ordered))
    g = low.run()
    g.quantized_io = set(low.io_quant)  # I/O the caller sees as int8 with a scale (float in the source model)
    return g, low.io_quant
