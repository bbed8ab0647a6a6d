"""A patch-based stage (patch.py): for each band, the stage's ops in order, each through its own emitter on
views of the band's buffers. Weights are declared once for all bands; geometry structs once per distinct
geometry. The MACs counted are the model's (the recomputed halo is reported apart, in the manifest)."""
from __future__ import annotations

from edgecompile.backends.c.ir import CTYPE
from edgecompile.backends.c.ops import emitter


class _BandEmitter:
    """The build's Emitter seen from one band: buffers are the band's views, constants are shared."""

    def __init__(self, main, sub, step: int):
        self.main, self.g, self.step = main, sub, step
        self.options, self.prefix, self.plan = main.options, main.prefix, main.plan
        self.decls, self.protos = main.decls, main.protos
        self.seen = main.__dict__.setdefault("patch_decls", {})  # one declaration per name or struct value

    def __getattr__(self, name):  # use, symbol, flt, per_image's helpers ...
        return getattr(self.main, name)

    macs = property(lambda s: s.main.macs, lambda s, v: setattr(s.main, "macs", v))
    libm = property(lambda s: s.main.libm, lambda s, v: setattr(s.main, "libm", v))

    def per_image(self, op):
        return type(self.main).per_image(self, op)

    def const(self, name: str, arr, guard=None, count: bool = True) -> str:
        if name not in self.seen:
            self.seen[name] = self.main.const(name, arr, guard, count)
        return self.seen[name]

    def struct(self, ctype: str, name: str, values: list) -> str:
        key = (ctype, repr(values))
        if key not in self.seen:
            self.seen[key] = self.main.struct(ctype, f"{name}_{len(self.seen)}", values)
        return self.seen[key]

    def buf(self, name: str, const: bool = False) -> str:
        t = self.g.tensors[name]
        kind, off = t.ptr
        q = "const " if const else ""
        if kind == "s":
            return f"({q}{CTYPE[t.dtype]}*)(arena + {self.plan.scratch[self.step] + off})"
        base = self.main.buf(self.stage_x if kind == "x" else self.stage_y, const)
        return f"({base} + {off})" if off else base


def emit(e, op, i) -> str:
    before = e.macs
    calls = []
    for k, (sub, ops) in enumerate(op.attrs["bands"]):
        be = _BandEmitter(e, sub, i)
        be.stage_x, be.stage_y = op.inputs[0], op.outputs[0]
        for j, o in enumerate(ops):
            code = emitter(o.kind).emit(be, o, f"{i}_{j}")
            calls.append(f"/* band {k}, op {j}: {o.kind} */ {code}")
    e.macs = before + op.attrs["info"]["macs"]
    return "{\n  " + "\n  ".join(calls) + "\n  }"
