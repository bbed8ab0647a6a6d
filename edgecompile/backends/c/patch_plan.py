"""Which patch-based plan (patch.py) a C build takes: the option `patch` (auto | off | a number of bands)
against the RAM budget.

auto: the plain plan, unless its arena + I/O is over the budget (--max-ram or the profile's); then every
      stage at the start of the network in 2..32 bands is tried and the one that fits with the fewest
      recomputed MACs is taken (none fits: the smallest arena, and the budget check says by how much).
N:    N bands; of the stages, the one with the smallest arena (then the fewest recomputed MACs).
off:  never.
`inspect` asks for "smallest": the smallest arena any stage and band count gives.
"""
from __future__ import annotations

from edgecompile.backends.c import patch, planner
from edgecompile.errors import UsageError

TILES = (2, 3, 4, 6, 8, 12, 16, 24, 32)


def mode(value) -> str | int:
    """'auto', 'off', 'smallest' or a number of bands (>= 2), from the option's text."""
    text = str(value if value is not None else "auto").strip().lower()
    if text in ("auto", "off", "smallest"):
        return text
    if text.isdigit() and int(text) >= 2:
        return int(text)
    raise UsageError(f"c: option 'patch' is {value!r}; choose auto, off, or a number of bands (2 or more).")


def candidates(g, tiles=TILES) -> list[tuple]:
    """(patched graph, its info, a quick arena estimate) for every stage and band count."""
    out = []
    for stage in patch.stages(g):
        rows = g.tensors[stage.y].shape[2]
        for n in tiles:
            if n <= rows:
                h, info = patch.apply(g, stage, n)
                out.append((h, info, planner.plan(h).arena_bytes))
    return out


def choose(g, plan_whole, default, want, ram: int | None, io: int) -> tuple:
    """(graph, plan) for the build: `default` (the plain (graph, plan)) or a patched one; the plan carries
    `patch` (what was chosen, arena before and after) or None. plan_whole: graph -> (graph, plan)."""
    g0, p0 = default
    p0.patch = None
    if want == "off" or (want == "auto" and (not ram or p0.arena_bytes + io <= ram)):
        return g0, p0
    tries = candidates(g, (want,) if isinstance(want, int) else TILES)
    if not tries:
        if not isinstance(want, int):
            return g0, p0
        raise UsageError(f"c: option patch={want}: no stage at the start of this model runs in {want} bands (a "
                         "stage is a run of conv/pool/element-wise ops on images, at least as many output rows "
                         "as bands).")
    if want == "auto":  # fewest recomputed MACs first; stop at the first that fits
        order = sorted(tries, key=lambda c: (c[1]["recomputed_macs"], c[2]))
    else:
        order = sorted(tries, key=lambda c: (c[2], c[1]["recomputed_macs"]))[:6]
    best = None
    for h, info, _ in order:
        hg, hp = plan_whole(h)
        if want == "auto" and hp.arena_bytes + io <= ram:
            best = (hg, hp, info)
            break
        if best is None or (hp.arena_bytes, info["recomputed_macs"]) < (best[1].arena_bytes, best[2]["recomputed_macs"]):
            best = (hg, hp, info)
    hg, hp, info = best
    if not isinstance(want, int) and hp.arena_bytes >= p0.arena_bytes:
        return g0, p0
    hp.patch = {**info, "arena_before": p0.arena_bytes, "arena_after": hp.arena_bytes, "strategy": "patch-based",
                "asked": str(want)}
    hp.strategy = f"{hp.strategy}, patch-based: {len(info['layers'])} ops in {info['tiles']} bands"
    hp.lower_bound = p0.lower_bound  # the whole-tensor bound stays the unpatched graph's
    return hg, hp


def note(info: dict) -> str:
    """One line for the build output."""
    return (f"patch-based execution: a stage of {len(info['layers'])} ops ({', '.join(info['layers'][:6])}"
            f"{', ...' if len(info['layers']) > 6 else ''}) run in {info['tiles']} bands; arena "
            f"{info['arena_before']:,} B -> {info['arena_after']:,} B; recomputed {info['recomputed_macs']:,} MACs "
            f"(+{info['recomputed_pct']}% of the stage's {info['macs']:,})")
