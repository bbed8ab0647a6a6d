"""Static memory plan: one arena, offsets from tensor lifetimes (greedy by size, first fit).

Views (free reshapes/transposes) share their source's buffer; element-wise ops write over their
first input when that input dies at them (in-place). Graph inputs and outputs live in the
caller's buffers, not in the arena. The whole-tensor liveness bound is the peak of bytes live at
once in execution order (every computed tensor in its own buffer, no in-place reuse).

Below that bound: an op's output may also start a safe distance below an input that dies at it and
overlap it (overlap.py proves the distance per kernel family). The planner packs the arena three ways
(whole tensors; with overlaps, largest first; with overlaps, in execution order) and keeps the smallest,
so it is never above whole-tensor packing.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from edgecompile.backends.c import overlap

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
    lower_bound: int = 0  # the whole-tensor liveness bound: peak live bytes, no sharing beyond views
    strategy: str = "whole tensors"  # which packing gave arena_bytes
    candidates: dict = field(default_factory=dict)  # strategy -> the arena it needed
    overlaps: list = field(default_factory=list)  # (op index, output, input, bytes shared) used by the plan
    peak_step: int = 0
    peak_tensors: list[tuple[str, int]] = field(default_factory=list)


class _Groups:
    def __init__(self):
        self.parent: dict[str, str] = {}

    def find(self, a: str) -> str:
        parent, root = self.parent, a
        while (up := parent.get(root, root)) != root:
            root = up
        while a != root:  # path compression: later finds on a long chain of in-place ops take one step
            parent[a], a = root, parent[a]
        return root

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


def plan(g, inplace: bool = True, overlaps: bool = True) -> Plan:
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
            k = op.attrs.get("over", 0)  # which input it writes over (fuse_residual: the Add's other operand)
            src, dst = groups.find(op.inputs[k]), groups.find(op.outputs[0])
            a, b = g.tensors[op.inputs[k]], g.tensors[op.outputs[0]]
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
    bufs = [b for b in buffers if b.home == "arena"] + temps
    pairs = _overlap_pairs(g, buffers, of) if overlaps else {}
    tries = {"whole tensors": _place(sorted(bufs, key=lambda b: (-b.nbytes, b.first)))}
    if pairs:
        tries["overlap, largest first"] = _place(sorted(bufs, key=lambda b: (-b.nbytes, b.first)), pairs)
        tries["overlap, execution order"] = _place(sorted(bufs, key=lambda b: (b.first, -b.nbytes)), pairs, True)
    best = min(tries, key=lambda k: (tries[k][0], k != "whole tensors"))
    for b, off in tries[best][1]:
        b.offset = off
    p = Plan(buffers, of, {int(b.first): b.offset for b in temps}, tries[best][0], lower_bound, peak_step=peak_step,
             peak_tensors=peak_live, strategy=best, candidates={k: v[0] for k, v in tries.items()})
    for step, (bo, bi), _ in pairs.values():
        shared = min(bo.offset + bo.nbytes, bi.offset + bi.nbytes) - max(bo.offset, bi.offset)
        if shared > 0:
            p.overlaps.append((step, bo.tensors[0], bi.tensors[0], shared))
    return p


def _overlap_pairs(g, buffers, of) -> dict:
    """(output, input) buffer ids -> (step, the buffers, distance): the output may start `distance` below
    the input."""
    pairs = {}
    for step, op in enumerate(g.ops):
        if len(op.outputs) != 1 or op.kind == "alias":
            continue
        o = of.get(op.outputs[0])
        for k, t in enumerate(op.inputs):
            i = of.get(t)
            if o is None or i is None or i == o or buffers[i].home != "arena" or buffers[o].home != "arena":
                continue
            if buffers[i].last != step or buffers[o].first != step:
                continue
            d = overlap.distance(g, op, k)
            if d is not None and (id(buffers[o]), id(buffers[i])) not in pairs:
                pairs[(id(buffers[o]), id(buffers[i]))] = (step, (buffers[o], buffers[i]), _align(d))
    return pairs


def _place(bufs: list[Buffer], pairs: dict | None = None, spread: bool = False) -> tuple[int, list]:
    """Offsets for `bufs`, placed in the given order, and the arena they need. Without `spread`: the lowest
    offset that overlaps nothing alive at the same time, except as `pairs` allow (first fit). With it:
    any offset, negative too, that keeps the arena smallest so far (an output can sit below its input);
    the offsets are shifted to start at 0 afterwards."""
    pairs = pairs or {}
    off: dict[int, int] = {}
    alive_at: dict[int, list[Buffer]] = {}  # step -> buffers placed so far that live then (no quadratic scan)
    lo_all, hi_all = 0, 0
    for b in bufs:
        forbid = []
        for o in {id(o): o for t in range(b.first, b.last + 1) for o in alive_at.get(t, ())}.values():
            oo = off[id(o)]
            d = _pair(pairs, b, o)
            if d is not None:  # b is written over o: b may start d below o
                forbid.append((oo - min(d, b.nbytes), oo + o.nbytes))
            elif (d := _pair(pairs, o, b)) is not None:  # o was written over b
                forbid.append((oo - b.nbytes, oo + min(d, o.nbytes)))
            else:
                forbid.append((oo - b.nbytes, oo + o.nbytes))
        cands = {0} | {hi for _, hi in forbid} | ({lo for lo, _ in forbid} if spread else set())
        ok = [c for c in cands if (spread or c >= 0) and not any(lo < c < hi for lo, hi in forbid)]
        if spread and off:
            c = min(ok, key=lambda c: (max(hi_all, c + b.nbytes) - min(lo_all, c), c))  # below: room for outputs
        else:
            c = min(ok)
        off[id(b)] = c
        lo_all, hi_all = min(lo_all, c), max(hi_all, c + b.nbytes)
        for t in range(b.first, b.last + 1):
            alive_at.setdefault(t, []).append(b)
    base = min(off.values(), default=0)
    return hi_all - lo_all, [(b, off[id(b)] - base) for b in bufs]


def _pair(pairs: dict, out: Buffer, inp: Buffer) -> int | None:
    hit = pairs.get((id(out), id(inp)))
    return hit[2] if hit else None


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
