"""IR + memory plan -> model.h / model.c text. Kernels are emitted once each, only if used."""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from edgecompile.backends.c.ir import CTYPE
from edgecompile.backends.c.ops import emitter

TEMPLATES = Path(__file__).resolve().parent / "templates"


PROFILE = """
#ifdef EC_PROFILE
void ec_profile_mark(int step);
#define EC_MARK(i) ec_profile_mark(i)
#else
#define EC_MARK(i) ((void)0)
#endif
"""


def _comment(s: str) -> str:
    return re.sub(r"[^A-Za-z0-9_./:;+\- ]", "_", s)[:100]


class Emitter:
    def __init__(self, g, plan, options: dict):
        self.g, self.plan, self.options = g, plan, options
        self.kernels: dict[str, str] = {}
        self.guards: dict[str, set] = {}  # kernel -> the #if conditions it was asked for under (None: always)
        self.decls: list[str] = []
        self.libm = False
        self.macs = 0
        self.const_bytes = 0  # weights, biases, requantization constants, tables

    # ---- pieces the op emitters ask for -----------------------------------------------------
    def kernel(self, key: str, src: str, guard: str | None = None) -> None:
        """Emit `src` once. A kernel asked for only under one preprocessor condition (the plain fallback of a
        SIMD kernel) is compiled only then: an unused static function is an error under -Werror."""
        self.kernels.setdefault(key, src)
        self.guards.setdefault(key, set()).add(guard)

    def kernel_text(self, key: str) -> str:
        gs = self.guards.get(key, {None})
        src = self.kernels[key]
        return src if None in gs or len(gs) != 1 else f"#if {next(iter(gs))}\n{src}#endif\n"

    def fixedpoint(self) -> str:
        return (TEMPLATES / "fixedpoint.c").read_text()

    def flt(self, v: float) -> str:
        v = float(np.float32(v))
        if not np.isfinite(v):
            return "3.402823466e38f" if v > 0 else "-3.402823466e38f"
        s = f"{v:.9g}"
        return (s if any(c in s for c in ".e") else s + ".0") + "f"

    def const(self, name: str, arr: np.ndarray, guard: str | None = None, count: bool = True) -> str:
        arr = np.asarray(arr)
        ctype = CTYPE[str(arr.dtype)]
        flat = arr.ravel()
        fmt = self.flt if arr.dtype == np.float32 else (lambda v: str(int(v)))
        items = [fmt(v) for v in flat]
        if arr.dtype == np.int32:
            items = [("(-2147483647 - 1)" if int(v) == -2147483648 else str(int(v))) for v in flat]
        rows = [", ".join(items[k:k + 16]) for k in range(0, len(items), 16)] or ["0"]
        body = ",\n  ".join(rows)
        decl = f"static const {ctype} ec_{name}[{max(len(items), 1)}] = {{\n  {body}\n}};\n"
        self.decls.append(f"#if {guard}\n{decl}#endif\n" if guard else decl)
        self.const_bytes += arr.nbytes if count else 0
        return f"ec_{name}"

    def struct(self, ctype: str, name: str, values: list) -> str:
        def lit(v):
            return "{" + ", ".join(lit(x) for x in v) + "}" if isinstance(v, (list, tuple)) else str(int(v))

        self.decls.append(f"static const {ctype} ec_{name} = {lit(values)};\n")
        return f"ec_{name}"

    def buf(self, name: str, const: bool = False) -> str:
        t = self.g.tensors[name]
        b = self.plan.buffers[self.plan.of[name]]
        ctype = CTYPE[t.dtype]
        if b.home.startswith("in:"):
            return f"in{b.home[3:]}"
        if b.home.startswith("out:"):
            return f"out{b.home[4:]}"
        q = "const " if const else ""
        return f"({q}{ctype}*)(arena + {b.offset})"

    def scratch(self, i: int) -> str:
        return f"(arena + {self.plan.scratch[i]})"

    def simd_conv(self, op, i):
        if not self.options.get("simd"):
            return None
        from edgecompile.backends.c.ops import conv_simd

        return conv_simd.emit(self, op, i)


def signature(g) -> str:
    ins = [f"const {CTYPE[g.tensors[n].dtype]}* in{i}" for i, n in enumerate(g.inputs)]
    outs = [f"{CTYPE[g.tensors[n].dtype]}* out{i}" for i, n in enumerate(g.outputs)]
    return ", ".join(ins + outs + ["uint8_t* arena"])


def io_defines(g, prefix_up: str, io_quant: dict) -> str:
    lines = []
    for kind, names in (("INPUT", g.inputs), ("OUTPUT", g.outputs)):
        for i, n in enumerate(names):
            t = g.tensors[n]
            lines.append(f"/* {kind.lower()} {i} '{_comment(t.onnx_name or n)}': {t.dtype} {list(t.shape)} */")
            lines.append(f"#define {prefix_up}_{kind}{i}_SIZE {t.size}u")
            if t.dtype == "int8" and t.scale is not None:
                lines.append(f"#define {prefix_up}_{kind}{i}_SCALE {float(np.float32(t.scale)):.9g}f")
                lines.append(f"#define {prefix_up}_{kind}{i}_ZERO_POINT ({t.zp})")
    return "\n".join(lines) + "\n"


def generate(g, plan, prefix: str, provenance: str, io_quant: dict, options: dict) -> tuple[str, str, dict]:
    e = Emitter(g, plan, options)
    calls, layers = [], []
    for i, op in enumerate(g.ops):
        macs = e.macs
        code = emitter(op.kind).emit(e, op, i)
        if code:
            # EC_MARK: a no-op unless built with -DEC_PROFILE (per-layer instruction counts on the emulator)
            calls.append(f"  /* {i}: {op.kind} {_comment(op.source)} */\n  EC_MARK({i});\n  {code}")
            layers.append([i, op.kind, _comment(op.source), e.macs - macs])
    up = prefix.upper()
    header = (TEMPLATES / "model.h.in").read_text().format(
        provenance=provenance, prefix=prefix, PREFIX=up, arena=plan.arena_bytes, lower_bound=plan.lower_bound,
        io_defines=io_defines(g, up, io_quant), signature=signature(g))
    parts = [f"/* {provenance} */\n", '#include <stdint.h>\n#include "model.h"\n', PROFILE]
    if e.libm:
        parts.append("#include <math.h>\n")
    parts += ["\n" + e.kernel_text(k) for k in e.kernels]
    parts += ["\n" + d for d in e.decls]
    body = "\n".join(calls)
    parts.append(f"\nint ec_run({signature(g)}) {{\n  (void)arena;\n{body}\n  EC_MARK({len(g.ops)});\n  return 0;\n}}\n")
    source = "".join(parts)
    source = re.sub(r"\bec_", f"{prefix}_", source).replace("EC_", f"{up}_")
    stats = {"macs": e.macs, "const_bytes": e.const_bytes, "libm": e.libm, "kernels": sorted(e.kernels), "layers": layers}
    return header, source, stats
