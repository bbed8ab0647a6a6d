"""Static memory plan: one arena, offsets from tensor lifetimes (greedy by size, first fit).

Views (free reshapes/transposes) share their source's buffer; element-wise ops write over their
first input when that input dies at them (in-place). Graph inputs and outputs live in the
caller's buffers, not in the arena. The activation-memory lower bound is the peak of bytes
live at once in execution order (every computed tensor in its own buffer, no in-place reuse).
"""
from __future__ import annotations

from dataclasses import dataclass, field

ALIGN = 4


def _align(n: int) -> int:
    return (n + ALIGN - 1) // ALIGN * ALIGN


@dataclass
class Buffer:
    tensors: list[str]
    nbytes: int
    first: int  # step that writes it (-1: before the first op)
    last: int  # last step that reads it
    home: str = "arena"  # "arena", "in:<i>" or "out:<i>"
    offset: int = 0


@dataclass
class Plan:
    buffers: list[Buffer]
    of: dict[str, int]  # tensor -> index into buffers
    scratch: dict[int, int] = field(default_factory=dict)  # op index -> arena offset of its scratch
    arena_bytes: int = 0
    lower_bound: int = 0  # peak live bytes, no sharing beyond views
    peak_step: int = 0
    peak_tensors: list[tuple[str, int]] = field(default_factory=list)


class _Groups:
    def __init__(self):
        self.parent: dict[str, str] = {}

    def find(self, a: str) -> str:
        while self.parent.setdefault(a, a) != a:
            a = self.parent[a]
        return a

    def union(self, a: str, b: str) -> None:
        self.parent[self.find(b)] = self.find(a)


def _spans(g, groups: _Groups) -> dict[str, list[int]]:
    end = len(g.ops)
    spans: dict[str, list[int]] = {}
    for name in g.inputs:
        spans.setdefault(groups.find(name), [-1, -1])
    for step, op in enumerate(g.ops):
        for t in op.inputs:
            s = spans.setdefault(groups.find(t), [step, step])
            s[1] = max(s[1], step)
        for t in op.outputs:
            s = spans.setdefault(groups.find(t), [step, step])
            s[0], s[1] = min(s[0], step), max(s[1], step)
    for name in g.outputs:
        spans.setdefault(groups.find(name), [end, end])[1] = end
    return spans


def _homes(g, groups) -> dict[str, str]:
    homes = {}
    for i, n in enumerate(g.inputs):
        homes[groups.find(n)] = f"in:{i}"
    for i, n in enumerate(g.outputs):
        homes[groups.find(n)] = f"out:{i}"
    return homes


def plan(g, inplace: bool = True) -> Plan:
    groups = _Groups()
    for op in g.ops:
        if op.kind == "alias":
            groups.union(op.inputs[0], op.outputs[0])
    lower_bound, peak_step, peak_live = _lower_bound(g, groups)
    if inplace:
        # spans and homes are kept up to date as groups merge (recomputing them per op was quadratic)
        spans, homes = _spans(g, groups), _homes(g, groups)
        for step, op in enumerate(g.ops):
            if not op.inplace or not op.inputs:
                continue
            src, dst = groups.find(op.inputs[0]), groups.find(op.outputs[0])
            a, b = g.tensors[op.inputs[0]], g.tensors[op.outputs[0]]
            if (src != dst and spans[src][1] == step and a.nbytes == b.nbytes and a.perm == b.perm
                    and a.dtype == b.dtype and not homes.get(src, "").startswith("in:")
                    and not (homes.get(src, "").startswith("out:") and homes.get(dst, "").startswith("out:"))):
                groups.union(src, dst)
                s_src, s_dst = spans.pop(src), spans.pop(dst)
                spans[src] = [min(s_src[0], s_dst[0]), max(s_src[1], s_dst[1])]
                if dst in homes:
                    homes[src] = homes.pop(dst)
    spans, homes = _spans(g, groups), _homes(g, groups)
    used = {t for op in g.ops for t in (*op.inputs, *op.outputs)} | set(g.inputs)
    members: dict[str, list[str]] = {}
    for name in g.tensors:
        if name in used:
            members.setdefault(groups.find(name), []).append(name)
    buffers, of = [], {}
    for root, names in members.items():
        b = Buffer(names, _align(max(g.tensors[n].nbytes for n in names)), *spans[root], home=homes.get(root, "arena"))
        for n in names:
            of[n] = len(buffers)
        buffers.append(b)
    temps = [Buffer([f"scratch of op {i}"], _align(op.scratch), i, i) for i, op in enumerate(g.ops) if op.scratch]
    arena = _place([b for b in buffers if b.home == "arena"] + temps)
    p = Plan(buffers, of, {int(b.first): b.offset for b in temps}, arena, lower_bound, peak_step, peak_live)
    return p


def _place(bufs: list[Buffer]) -> int:
    """Greedy by size (largest first), lowest offset that overlaps nothing alive at the same time.

    Placed buffers are indexed by the steps they live in, so finding the ones alive with the next
    buffer costs its lifetime, not the number placed (linear for chains, was quadratic)."""
    alive_at: dict[int, list[Buffer]] = {}
    for b in sorted(bufs, key=lambda b: (-b.nbytes, b.first)):
        seen = {id(o): o for s in range(b.first, b.last + 1) for o in alive_at.get(s, ())}
        busy = sorted((o.offset, o.offset + o.nbytes) for o in seen.values())
        off = 0
        for lo, hi in busy:
            if off + b.nbytes <= lo:
                break
            off = max(off, hi)
        b.offset = off
        for s in range(b.first, b.last + 1):
            alive_at.setdefault(s, []).append(b)
    return max((b.offset + b.nbytes for b in bufs), default=0)


def _lower_bound(g, groups) -> tuple[int, int, list]:
    """Peak bytes live at once over the arena's tensors (views share a buffer; I/O excluded)."""
    spans, homes = _spans(g, groups), _homes(g, groups)
    sizes: dict[str, int] = {}
    for name, t in g.tensors.items():
        r = groups.find(name)
        if r in spans and r not in homes:
            sizes[r] = max(sizes.get(r, 0), t.nbytes)
    delta = [0] * (len(g.ops) + 1)  # a sweep over steps: +bytes where a tensor starts, - after it ends
    for r, n in sizes.items():
        lo, hi = max(spans[r][0], 0), min(spans[r][1], len(g.ops) - 1)
        if lo <= hi:
            delta[lo] += n
            delta[hi + 1] -= n
    best, best_step, total = 0, 0, 0
    for step in range(len(g.ops)):
        total += delta[step]
        if total > best:
            best, best_step = total, step
    if best == 0:
        return 0, 0, []
    live = [(r, n) for r, n in sizes.items() if spans[r][0] <= best_step <= spans[r][1]]
    return best, best_step, sorted(live, key=lambda x: -x[1])
