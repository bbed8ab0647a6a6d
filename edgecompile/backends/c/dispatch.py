"""`<prefix>_run` as an op table run by a dispatch loop (as TFLite Micro's interpreter runs a model), for
long graphs: gcc's time then grows with the number of distinct call shapes, not with the node count.

Each step's C code (what ops/*.py emit) becomes a template: its decimal integer literals and float literals
become reads of two parameter tables (int32, float), in order of appearance; constants are offsets into
a few pooled arrays (Emitter.pools), so they are integers too. Steps with the same template share one
`case` of the loop's switch; the tables hold each step's values, p[0] being its step index (the profile
mark). The kernels and the values of their arguments are those of the straight-line form: outputs are
bit-identical.
"""
from __future__ import annotations

import re

# ordered: an identifier whole (in0, int32_t), then float literals (the ...f of Emitter.flt), other real
# literals (kept), decimal integers; an integer with a suffix, or with a leading dot, is kept as written
TOKEN = re.compile(r"(?P<id>[A-Za-z_]\w*)|(?P<flt>(?:\d+\.\d*(?:[eE][+-]?\d+)?|\d+[eE][+-]?\d+)[fF])"
                   r"|(?P<real>\d+\.\d*(?:[eE][+-]?\d+)?|\d+[eE][+-]?\d+)|(?P<int>\d+)(?P<suffix>\w*)|\.\d\w*")
INT32_MAX = 2**31 - 1


class Step:
    """One step's code as a template, and the values its placeholders take."""

    def __init__(self, code: str):
        self.ints: list[int] = []
        self.floats: list[str] = []
        if "#" not in code:
            self.template = TOKEN.sub(self._sub, code)
        else:  # preprocessor lines stay as written
            self.template = "\n".join(ln if ln.lstrip().startswith("#") else TOKEN.sub(self._sub, ln)
                                      for ln in code.split("\n"))

    def _sub(self, m) -> str:
        s, kind = m.group(), m.lastgroup  # lastgroup: the alternative that matched ("suffix" for an integer)
        if kind == "flt":
            self.floats.append(s)
            return f"f[{len(self.floats) - 1}]"
        # an array size must stay a constant; a literal past int32 keeps its own type
        if (kind == "suffix" and not m.group("suffix") and int(s) <= INT32_MAX
                and not m.string[max(m.start() - 8, 0):m.start()].rstrip().endswith("[")):
            self.ints.append(int(s))
            return f"p[{len(self.ints)}]"
        return s


def _array(ctype: str, name: str, n: int, rows: list[str]) -> str:
    return f"static const {ctype} {name}[{max(n, 1)}] = {{\n" + ("".join(rows) or "  0\n") + "};\n"


def run_function(g, prefix: str, steps: list[tuple[int, str, str]], signature: str) -> str:
    """The tables and the run function; steps: (op index, comment, C code) in order."""
    cases: dict[str, tuple[int, Step]] = {}  # template -> (case, its first step)
    kinds, ints, floats = [], [], []
    n_int = n_float = 0
    for i, comment, code in steps:
        s = Step(code)
        kinds.append(cases.setdefault(s.template, (len(cases), s))[0])
        ints.append(f"  /* {i}: {comment} */ {', '.join(str(v) for v in [i, *s.ints])},\n")
        if s.floats:
            floats.append(f"  {', '.join(s.floats)},\n")
        n_int, n_float = n_int + 1 + len(s.ints), n_float + len(s.floats)
    ktype = "uint8_t" if len(cases) <= 256 else "uint16_t" if len(cases) <= 65536 else "int32_t"
    rows = ["  " + ", ".join(str(k) for k in kinds[j:j + 32]) + ",\n" for j in range(0, len(kinds), 32)]
    body = []
    for template, (case, s) in cases.items():
        adv = "".join(f" {v} += {c};" for v, c in (("p", len(s.ints) + 1), ("f", len(s.floats))) if c)
        body.append(f"    case {case}: {{\n      EC_MARK(p[0]);\n      {template}\n     {adv}\n      break;\n    }}\n")
    return (_array(ktype, f"{prefix}_step_case", len(kinds), rows) + _array("int32_t", f"{prefix}_step_int", n_int, ints)
            + _array("float", f"{prefix}_step_float", n_float, floats)
            + f"\nint {prefix}_run({signature}) {{\n"
            f"  const int32_t* p = {prefix}_step_int;\n  const float* f = {prefix}_step_float;\n  int32_t s;\n"
            f"  (void)arena;\n  for (s = 0; s < {len(kinds)}; ++s) {{\n    switch ({prefix}_step_case[s]) {{\n"
            f"{''.join(body)}    default:\n      break;\n    }}\n  }}\n  (void)p;\n  (void)f;\n"
            f"  EC_MARK({len(g.ops)});\n  return 0;\n}}\n")
