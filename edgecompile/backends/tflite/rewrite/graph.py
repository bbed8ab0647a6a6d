"""A small editor over LiteRT's generated flatbuffer object API (ModelT): find ops, read constants,
add tensors, constants and operators, pack back to bytes. Only what the rewrites need."""
from __future__ import annotations

import numpy as np

_NP = {"INT8": np.int8, "UINT8": np.uint8, "INT32": np.int32, "INT64": np.int64, "FLOAT32": np.float32}


class Graph:
    """Subgraph 0 of a .tflite model, editable in place."""

    def __init__(self, data: bytes):
        from edgecompile.backends.tflite.flatbuffer import _schema

        self.s = _schema()
        self.model = self.s.ModelT.InitFromPackedBuf(bytearray(data), 0)
        self.sg = self.model.subgraphs[0]
        self._codes = {v: k for k, v in vars(self.s.BuiltinOperator).items() if not k.startswith("_")}
        self._types = {v: k for k, v in vars(self.s.TensorType).items() if not k.startswith("_")}

    def op_name(self, op) -> str:
        oc = self.model.operatorCodes[op.opcodeIndex]
        return self._codes.get(max(oc.builtinCode, oc.deprecatedBuiltinCode), "?")

    def tensor(self, i: int):
        return self.sg.tensors[i]

    def type_name(self, i: int) -> str:
        return self._types.get(self.sg.tensors[i].type, "?")

    def shape(self, i: int) -> tuple[int, ...]:
        return tuple(int(d) for d in self.sg.tensors[i].shape)

    def const(self, i: int) -> np.ndarray | None:
        """The tensor's constant data, or None for an activation."""
        t = self.sg.tensors[i]
        data = self.model.buffers[t.buffer].data if t.buffer > 0 else None
        if data is None or not len(data):
            return None
        return np.frombuffer(bytes(bytearray(data)), _NP[self.type_name(i)]).reshape(self.shape(i))

    def quant(self, i: int) -> tuple[list[float], list[int], int] | None:
        """(scales, zero points, quantized dimension) or None."""
        q = self.sg.tensors[i].quantization
        if q is None or q.scale is None or not len(q.scale):
            return None
        return [float(v) for v in q.scale], [int(v) for v in q.zeroPoint], int(q.quantizedDimension)

    def consumers(self, i: int) -> list:
        return [op for op in self.sg.operators if op.inputs is not None and i in list(op.inputs)]

    def is_graph_output(self, i: int) -> bool:
        return i in list(self.sg.outputs)

    def add_tensor(self, name: str, shape, type_name: str, quant=None, data: np.ndarray | None = None) -> int:
        """A new tensor (a constant when `data` is given); quant = (scales, zero points, dimension)."""
        t = self.s.TensorT()
        t.name, t.shape, t.type = name.encode(), [int(d) for d in shape], getattr(self.s.TensorType, type_name)
        t.buffer = 0
        if data is not None:
            buf = self.s.BufferT()
            buf.data = np.frombuffer(np.ascontiguousarray(data, _NP[type_name]).tobytes(), np.uint8)
            self.model.buffers.append(buf)
            t.buffer = len(self.model.buffers) - 1
        if quant is not None:
            q = self.s.QuantizationParametersT()
            q.scale, q.zeroPoint, q.quantizedDimension = list(quant[0]), list(quant[1]), quant[2]
            t.quantization = q
        self.sg.tensors.append(t)
        return len(self.sg.tensors) - 1

    def new_op(self, name: str, inputs: list[int], outputs: list[int], version: int = 1,
               options_type: str | None = None, options=None):
        code = getattr(self.s.BuiltinOperator, name)
        index = next((k for k, oc in enumerate(self.model.operatorCodes)
                      if max(oc.builtinCode, oc.deprecatedBuiltinCode) == code and oc.version == version), None)
        if index is None:
            oc = self.s.OperatorCodeT()
            # codes < 127 also go in the deprecated field, which older readers use
            oc.builtinCode, oc.deprecatedBuiltinCode, oc.version = code, min(code, 127), version
            self.model.operatorCodes.append(oc)
            index = len(self.model.operatorCodes) - 1
        op = self.s.OperatorT()
        op.opcodeIndex, op.inputs, op.outputs = index, list(inputs), list(outputs)
        if options_type is not None:
            op.builtinOptionsType, op.builtinOptions = getattr(self.s.BuiltinOptions, options_type), options
        return op

    def reshape(self, src: int, dst: int):
        """A RESHAPE op src -> dst, to dst's shape (a constant shape input, which every runtime reads)."""
        shape = self.add_tensor(f"{self.tensor(dst).name.decode()}/shape", (len(self.shape(dst)),), "INT32",
                                data=np.array(self.shape(dst), np.int32))
        return self.new_op("RESHAPE", [src, shape], [dst])

    def replace(self, old: list, new: list) -> None:
        """Put the ops `new` where the contiguous run `old` was in execution order."""
        ops = self.sg.operators
        at = ops.index(old[0])
        ops[at:at + len(old)] = new

    def pack(self) -> bytes:
        import flatbuffers

        b = flatbuffers.Builder(1024)
        b.Finish(self.model.Pack(b), file_identifier=b"TFL3")
        return bytes(b.Output())
