"""The backend's small IR: tensors with a storage order, and ops that the emitters turn into C.

Every tensor keeps its logical (ONNX) shape; `perm` says in which order its dimensions lie in
memory. Image ops want NHWC storage (contiguous channels: the order integer SIMD kernels and
TFLite use); graph inputs and outputs keep the caller's (ONNX) order. A Transpose whose result
is already stored the right way is free (an alias), and so are reshapes of contiguous data.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

NHWC = (0, 2, 3, 1)
ITEMSIZE = {"float32": 4, "int8": 1, "int32": 4}
CTYPE = {"float32": "float", "int8": "int8_t", "int32": "int32_t"}


def identity(rank: int) -> tuple[int, ...]:
    return tuple(range(rank))


@dataclass
class Tensor:
    name: str
    shape: tuple[int, ...]  # logical (ONNX) shape
    dtype: str  # "float32" | "int8"
    perm: tuple[int, ...]  # storage order of the logical dimensions
    scale: float | None = None  # int8 tensors: real = scale * (q - zp)
    zp: int | None = None
    onnx_name: str | None = None

    @property
    def stored(self) -> tuple[int, ...]:
        return tuple(self.shape[p] for p in self.perm)

    @property
    def size(self) -> int:
        return math.prod(self.shape)  # math.prod: np.prod costs microseconds per call on 100k tensors

    @property
    def nbytes(self) -> int:
        return self.size * ITEMSIZE[self.dtype]


@dataclass
class Op:
    kind: str  # emitter key: conv, dense, binary, unary, lut, pool, softmax, copy, concat, pad, alias
    inputs: list[str]
    outputs: list[str]
    attrs: dict[str, Any] = field(default_factory=dict)
    source: str = ""  # the ONNX node(s) it came from, for messages and comments
    inplace: bool = False  # may write its output over its first input when that input dies here
    scratch: int = 0  # bytes of temporary arena it needs while it runs


def same_memory(shape, a, b) -> bool:
    """Do two storage orders put the elements of `shape` at the same addresses?"""
    return [p for p in a if shape[p] != 1] == [p for p in b if shape[p] != 1]


class Graph:
    def __init__(self):
        self.tensors: dict[str, Tensor] = {}
        self.ops: list[Op] = []
        self.inputs: list[str] = []
        self.outputs: list[str] = []
        self._views: dict[tuple[str, tuple[int, ...]], str] = {}
        self._suffix: dict[str, int] = {}

    def tensor(self, name: str, shape, dtype: str, perm=None, scale=None, zp=None, onnx_name=None) -> Tensor:
        if name in self.tensors:  # x, x_1, x_2 ... (not x_1_1_1: long chains would grow names quadratically)
            base = re.sub(r"(_\d+)+$", "", name) or name
            i = self._suffix.get(base, 0)
            while name in self.tensors:
                i += 1
                name = f"{base}_{i}"
            self._suffix[base] = i
        t = Tensor(name, tuple(int(d) for d in shape), dtype, tuple(perm) if perm is not None else identity(len(shape)),
                   scale, zp, onnx_name)
        self.tensors[name] = t
        return t

    def add(self, kind: str, inputs: list[str], outputs: list[str], source: str = "", **attrs) -> Op:
        op = Op(kind, list(inputs), list(outputs), attrs, source)
        self.ops.append(op)
        return op

    def need(self, name: str, perm: tuple[int, ...]) -> str:
        """`name` stored in order `perm`: the tensor itself, a free view, or a transposing copy."""
        t = self.tensors[name]
        perm = tuple(perm)
        if t.perm == perm:
            return name
        key = (name, perm)
        if key in self._views:
            return self._views[key]
        v = self.tensor(f"{name}_p", t.shape, t.dtype, perm, t.scale, t.zp, t.onnx_name)
        if same_memory(t.shape, t.perm, perm):
            self.add("alias", [name], [v.name], source=f"view of {name}")
        else:
            self.add("copy", [name], [v.name], source=f"layout change of {name}")
        self._views[key] = v.name
        return v.name

    def like(self, name: str, shape=None, perm=None, **kw) -> Tensor:
        """A new tensor shaped like `name` (same dtype and quantization unless overridden)."""
        t = self.tensors[name]
        args = {"dtype": t.dtype, "scale": t.scale, "zp": t.zp, **kw}
        return self.tensor(name, shape or t.shape, args["dtype"], perm or t.perm, args["scale"], args["zp"])


def strides(stored: tuple[int, ...]) -> list[int]:
    out, acc = [], 1
    for d in reversed(stored):
        out.append(acc)
        acc *= d
    return out[::-1]


def logical_strides(t: Tensor) -> list[int]:
    """Element stride of each logical dimension of t in memory."""
    st = strides(t.stored)
    out = [0] * len(t.shape)
    for k, p in enumerate(t.perm):
        out[p] = st[k]
    return out


def pad4(dims, fill):
    """dims padded at the front to 4 (the C kernels' 4-D loops)."""
    return [fill] * (4 - len(dims)) + list(dims)


@dataclass
class QConst:
    """A quantized initializer behind a DequantizeLinear: real = scale * (q - zp) along `axis`."""

    q: np.ndarray
    scale: np.ndarray
    zp: np.ndarray
    axis: int

    def real(self) -> np.ndarray:
        shape = [1] * self.q.ndim
        if self.scale.size > 1:
            shape[self.axis] = -1
        s, z = self.scale.reshape(shape), self.zp.reshape(shape).astype(np.float32)
        return ((self.q.astype(np.float32) - z) * s).astype(np.float32)
