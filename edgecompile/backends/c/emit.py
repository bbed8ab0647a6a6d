"""IR + memory plan -> model.h / model.c text. Kernels are emitted once each, only if used."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from edgecompile.backends.c import dispatch
from edgecompile.backends.c.ir import CTYPE
from edgecompile.backends.c.kernel_table import FOLDER, MVE, TABLE
from edgecompile.backends.c.ops import emitter

TEMPLATES = Path(__file__).resolve().parent / "templates"
# model.c pastes kernels/*.c unedited: without their standalone prelude, with internal linkage
AMALGAMATED = "#define EC_AMALGAMATED\n#define EC_API static\n"


PROFILE = """
#ifdef {PREFIX}_PROFILE
void {prefix}_profile_mark(int step);
#define EC_MARK(i) {prefix}_profile_mark(i)
#else
#define EC_MARK(i) ((void)0)
#endif
"""


def _comment(s: str) -> str:
    return re.sub(r"[^A-Za-z0-9_./:;+\- ]", "_", s)[:100]


@dataclass
class Use:
    key: str  # kernel_table.TABLE key
    suffix: str  # variant ("" for a kernel without variants)
    guards: set = field(default_factory=set)  # the conditions it was asked for under (None: always)


class Emitter:
    def __init__(self, g, plan, options: dict, prefix: str = "model"):
        self.g, self.plan, self.options, self.prefix = g, plan, options, prefix
        self.uses: dict[str, Use] = {}  # in pasting order: dependencies first
        self.used: dict[tuple, str] = {}  # (key, variant, guard) already asked for -> its entry's C name
        self.own: dict[str, object] = {}  # pastings in a variant of their own (kernel_table.residual)
        self.decls: list[str] = []
        # table-driven form (dispatch.py): constants pooled in one array per C type and guard, as offsets
        self.pools: dict | None = None
        self.structs: dict = {}
        self.protos: list[str] = []  # prototypes of generated functions that kernel pastings call
        self.libm = False
        self.macs = 0
        self.const_bytes = 0  # weights, biases, requantization constants, tables

    # ---- kernels ----------------------------------------------------------------------------
    def use(self, key: str, variant: str = "", guard: str | None = None, own=None) -> str:
        """Paste kernel `key` (in `variant`) into model.c; returns the C name of its entry function. A kernel
        asked for only under one preprocessor condition is compiled only then (so is what it needs). `own`: a
        Variant made for this one pasting, named `variant`."""
        asked = (key, variant, guard)
        if own is None and asked in self.used:  # asked again (a long graph: per op): nothing new to paste
            return self.used[asked]
        k = TABLE[key]
        if own is not None:
            self.own[key + variant] = own
            self.used.clear()  # a pasting of its own changes what key + variant means
        v = self.own.get(key + variant) or (k.variants[variant] if k.variants else None)
        # (a kernel guard that already implies the caller's, like kernel_table.DSP of SIMD, stays as written)
        narrower = k.guard is not None and guard is not None and k.guard.startswith(f"({guard}) && ")
        if guard in (None, k.guard) or narrower:
            guard = k.guard
        elif k.guard is not None:
            guard = f"({k.guard}) && ({guard})"
        mve = k.mve and key + variant not in self.own  # a pasting of its own (a fused Add) has no Helium form
        dsp = (f"!({MVE})" if guard is None else f"({guard}) && !({MVE})") if mve else guard  # Helium replaces DSP
        # a variant's needs belong to the kernels that requantize: one that only follows others leaves them to them
        for dep in k.needs + (v.needs if v and not k.follows else ()):
            self.use(dep, "", dsp)
        for dep in k.mve_needs if mve else ():
            self.use(dep, "", guard)
        for dep in k.follows:
            self.use(dep, variant if v is None or v.follow is None else v.follow, guard)
        self.uses.setdefault(key + variant, Use(key, variant)).guards.add(guard)
        self.libm |= k.libm or bool(v and v.libm)
        name = self.symbol(k.symbols[-1], variant) if k.symbols else ""
        if own is None:
            self.used[asked] = name
        return name

    def symbol(self, ec_name: str, suffix: str = "") -> str:
        return f"{self.prefix}_{ec_name[3:]}{suffix}"

    def kernel_text(self, name: str) -> str:
        u = self.uses[name]
        k = TABLE[u.key]
        names = {s: self.symbol(s, u.suffix) for s in k.symbols}
        v = self.own.get(name) or (k.variants[u.suffix] if k.variants else None)
        follow = u.suffix if v is None or v.follow is None else v.follow
        names.update({s: self.symbol(s, follow) for f in k.follows for s in TABLE[f].symbols})
        macros = {**names, **(v.macros if v else {})}
        text = (FOLDER / k.file).read_text() if name in self.own else k.text()
        if None not in u.guards and len(u.guards) == 1:
            text = f"#if {next(iter(u.guards))}\n{text}#endif\n"
        head = "".join(f"#define {m} {r}\n" for m, r in macros.items())
        # a variant's names and macros end with its pasting; plain kernels' names stay for their callers
        tail = "".join(f"#undef {m.split('(')[0]}\n" for m in macros) if k.variants else ""
        return f"/* {name}: kernels/{k.file} */\n{head}{text}{tail}"

    # ---- data -------------------------------------------------------------------------------
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
        if arr.dtype == np.float32 and np.isfinite(flat).all():  # flt's text, without its per-value numpy calls
            items = [s + "f" if "." in s or "e" in s else s + ".0f" for s in map("{:.9g}".format, flat.tolist())]
        elif arr.dtype == np.float32:
            items = [self.flt(v) for v in flat]
        else:
            items = [str(v) for v in flat.tolist()]
        if arr.dtype == np.int32:
            items = [("(-2147483647 - 1)" if v == -2147483648 else str(v)) for v in flat.tolist()]
        if self.pools is not None:
            return self.pooled(ctype, guard, items or ["0"], arr.nbytes if count else 0)
        rows = [", ".join(items[k:k + 16]) for k in range(0, len(items), 16)] or ["0"]
        body = ",\n  ".join(rows)
        cname = f"{self.prefix}_{name}"
        decl = f"static const {ctype} {cname}[{max(len(items), 1)}] = {{\n  {body}\n}};\n"
        self.decls.append(f"#if {guard}\n{decl}#endif\n" if guard else decl)
        self.const_bytes += arr.nbytes if count else 0
        return cname

    def pooled(self, ctype: str, guard: str | None, items: list[str], nbytes: int, struct: bool = False) -> str:
        """`items` in the pool of their C type and guard (equal contents stored once): the C expression of their
        address (an array), or of the object (a struct)."""
        pool = self.pools.setdefault((ctype, guard, struct), {"name": f"{self.prefix}_pool{len(self.pools)}",
                                                              "items": [], "at": {}})
        key = ", ".join(items)
        at = pool["at"].get(key)
        if at is None:
            if ctype == "int8_t":  # word-aligned offsets: SIMD kernels load 4 bytes at a time
                pool["items"] += ["0"] * (-len(pool["items"]) % 4)
            at = pool["at"][key] = len(pool["items"])
            pool["items"] += items
            self.const_bytes += nbytes
        return f"(*({pool['name']} + {at}))" if struct else f"({pool['name']} + {at})"

    def pool_decls(self) -> list[str]:
        out = []
        for (ctype, guard, _), pool in (self.pools or {}).items():
            rows = [", ".join(pool["items"][k:k + 16]) for k in range(0, len(pool["items"]), 16)]
            decl = f"static const {ctype} {pool['name']}[{len(pool['items'])}] = {{\n  " + ",\n  ".join(rows) + "\n};\n"
            out.append(f"#if {guard}\n{decl}#endif\n" if guard else decl)
        return out

    def struct(self, ctype: str, name: str, values: list) -> str:
        def lit(v):
            return "{" + ", ".join(lit(x) for x in v) + "}" if isinstance(v, (list, tuple)) else str(int(v))

        if self.pools is not None:
            key = (ctype, repr(values))  # equal structs are pooled once: format each only once
            if key not in self.structs:
                self.structs[key] = self.pooled(ctype, None, [lit(values)], 0, struct=True)
            return self.structs[key]
        cname = f"{self.prefix}_{name}"
        self.decls.append(f"static const {ctype} {cname} = {lit(values)};\n")
        return cname

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

    def per_image(self, op) -> tuple[str, str, int]:
        """(x, y, batch) of an image op: with a batch above 1, x and y point at image `b` (see batched)."""
        x, y = self.buf(op.inputs[0], const=True), self.buf(op.outputs[0])
        n = self.g.tensors[op.inputs[0]].shape[0]
        if n == 1:
            return x, y, 1
        xs, ys = (self.g.tensors[t].size // n for t in (op.inputs[0], op.outputs[0]))
        return f"{x} + b * {xs}", f"{y} + b * {ys}", n

    @staticmethod
    def batched(code: str, n: int) -> str:
        """Run the kernel call(s) `code` once per image (NHWC: images are contiguous)."""
        if n == 1:
            return code
        return f"{{\n  int32_t b;\n  for (b = 0; b < {n}; ++b) {{\n  {code}\n  }}\n  }}"


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


CHUNK = 128  # calls per function in long graphs: gcc's -O2 time grows faster than linearly in one body
TABLE_FROM = 1000  # steps past which the run function is an op table (see table_driven)


def run_function(g, prefix: str, calls: list[str]) -> str:
    """`<prefix>_run`: the calls in order. Past CHUNK calls they go into noinline parts of CHUNK calls
    each, so that a 100k-node graph compiles in linear time (small models keep one body)."""
    sig, mark = signature(g), f"  EC_MARK({len(g.ops)});\n"
    if len(calls) <= CHUNK:
        return f"\nint {prefix}_run({sig}) {{\n  (void)arena;\n" + "\n".join(calls) + f"\n{mark}  return 0;\n}}\n"
    params = [p.split("*")[-1].strip() for p in sig.split(", ")]
    unused = "".join(f"  (void){n};\n" for n in params)
    out = ["\n#if defined(__GNUC__)\n#define EC_PART static __attribute__((noinline)) void\n#else\n"
           "#define EC_PART static void\n#endif\n"]
    parts = [calls[k:k + CHUNK] for k in range(0, len(calls), CHUNK)]
    for n, chunk in enumerate(parts):
        out.append(f"EC_PART {prefix}_part{n}({sig}) {{\n{unused}" + "\n".join(chunk) + "\n}\n")
    args = ", ".join(params)
    body = "".join(f"  {prefix}_part{n}({args});\n" for n in range(len(parts)))
    out.append(f"\nint {prefix}_run({sig}) {{\n{body}{mark}  return 0;\n}}\n")
    return "".join(out)


def table_driven(steps: int, options: dict) -> bool:
    """The run function's form: straight-line calls (fastest on a microcontroller) up to TABLE_FROM steps,
    an op table with a dispatch loop (dispatch.py) beyond, where gcc's time would grow with the graph."""
    mode = options.get("dispatch") or "auto"
    return mode == "table" or (mode == "auto" and steps > TABLE_FROM)


def generate(g, plan, prefix: str, provenance: str, io_quant: dict, options: dict) -> tuple[str, str, dict]:
    e = Emitter(g, plan, options, prefix)
    table = table_driven(sum(op.kind != "alias" for op in g.ops), options)  # only aliases emit no code
    if table:
        e.pools = {}
    steps, layers = [], []
    kinds = {k: emitter(k) for k in {op.kind for op in g.ops}}
    for i, op in enumerate(g.ops):
        macs = e.macs
        code = kinds[op.kind].emit(e, op, i)
        if code:
            steps.append((i, f"{op.kind} {_comment(op.source)}", code))
            layers.append([i, op.kind, _comment(op.source), e.macs - macs])
    up = prefix.upper()
    header = (TEMPLATES / "model.h.in").read_text().format(
        provenance=provenance, prefix=prefix, PREFIX=up, arena=plan.arena_bytes, lower_bound=plan.lower_bound,
        io_defines=io_defines(g, up, io_quant), signature=signature(g))
    parts = [f"/* {provenance} */\n", '#include <stdint.h>\n#include "model.h"\n', PROFILE.format(prefix=prefix, PREFIX=up)]
    if e.libm:
        parts.append("#include <math.h>\n")
    parts.append(AMALGAMATED)
    parts += e.protos
    parts += ["\n" + e.kernel_text(k) for k in e.uses]
    parts += ["\n" + d for d in e.decls + e.pool_decls()]
    if table:
        parts.append(dispatch.run_function(g, prefix, steps, signature(g)))
    else:
        # EC_MARK: a no-op unless built with -DEC_PROFILE (per-layer instruction counts on the emulator)
        parts.append(run_function(g, prefix, [f"  /* {i}: {c} */\n  EC_MARK({i});\n  {code}" for i, c, code in steps]))
    source = "".join(parts)
    stats = {"macs": e.macs, "const_bytes": e.const_bytes, "libm": e.libm, "kernels": sorted(e.uses), "layers": layers,
             "dispatch": "table" if table else "calls"}
    return header, source, stats
