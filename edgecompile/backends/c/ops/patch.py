"""A patch-based stage (patch.py, patch_tiles.py): for each tile, the stage's ops in order, each through its own
emitter on views of the tile's buffers. Weights are declared once for all tiles; geometry structs once per
distinct geometry. The MACs counted are the model's (the recomputed halo is reported apart, in the manifest)."""
from __future__ import annotations

import hashlib

import numpy as np

from edgecompile.backends.c.ir import CTYPE
from edgecompile.backends.c.ops import emitter
from edgecompile.backends.c.patch_tiles import tile_ops


class _TileEmitter:
    """The build's Emitter seen from one tile: buffers are the tile's views, constants are shared."""

    def __init__(self, main, sub, op, step: int):
        self.main, self.g, self.step = main, sub, step
        self.x, self.y = op.inputs[0], op.outputs[0]
        self.options, self.prefix, self.plan = main.options, main.prefix, main.plan
        self.decls, self.protos = main.decls, main.protos
        self.seen = main.__dict__.setdefault("patch_decls", {})  # one declaration per name or struct value
        self.steps: dict[str, int] = {}  # views that move by that many elements per loop row (ec_r)

    def __getattr__(self, name):  # use, symbol, flt, batched ...
        return getattr(self.main, name)

    macs = property(lambda s: s.main.macs, lambda s, v: setattr(s.main, "macs", v))
    libm = property(lambda s: s.main.libm, lambda s, v: setattr(s.main, "libm", v))

    def per_image(self, op):
        return type(self.main).per_image(self, op)

    def const(self, name: str, arr, guard=None, count: bool = True) -> str:
        # by content: tiles of one layer may take different kernels (a tile's geometry decides), whose weights
        # are packed differently under the same name
        arr = np.asarray(arr)
        key = (name, arr.dtype.str, arr.shape, hashlib.sha256(arr.tobytes()).hexdigest(), guard)
        if key not in self.seen:
            taken = sum(1 for k in self.seen if isinstance(k, tuple) and k[0] == name)
            self.seen[key] = self.main.const(f"{name}_{taken}" if taken else name, arr, guard, count)
        return self.seen[key]

    def struct(self, ctype: str, name: str, values: list) -> str:
        key = ("struct", ctype, repr(values))
        if key not in self.seen:
            self.seen[key] = self.main.struct(ctype, f"{name}_{len(self.seen)}", values)
        return self.seen[key]

    def buf(self, name: str, const: bool = False) -> str:
        t = self.g.tensors[name]
        kind, off = t.ptr
        q = "const " if const else ""
        if kind == "s":
            p = f"({q}{CTYPE[t.dtype]}*)(arena + {self.plan.scratch[self.step] + off})"
        else:
            base = self.main.buf(self.x if kind == "x" else self.y, const)
            p = f"({base} + {off})" if off else base
        return f"({p} + ec_r * {self.steps[name]})" if name in self.steps else p


def emit(e, op, i) -> str:
    before = e.macs
    calls = []
    t = op.attrs["tiles"]
    for k, need in enumerate(t.plans):
        sub, ops = tile_ops(t.g, t.ops, t.stage, need, t.offset, t.grid, k)
        te = _TileEmitter(e, sub, op, i)
        for j, o in enumerate(ops):
            rows, te.steps = o.attrs.get("tile_rows", (0, {}))
            code = emitter(o.kind).emit(te, o, f"{i}_{j}")
            if rows:
                code = f"for (ec_r = 0; ec_r < {rows}; ++ec_r) {{\n  {code}\n  }}"
            calls.append(f"/* tile {k}: {o.kind} */ {code}")
    e.macs = before + op.attrs["info"]["macs"]
    return "{\n  int32_t ec_r;\n  (void)ec_r;\n  " + "\n  ".join(calls) + "\n  }"
