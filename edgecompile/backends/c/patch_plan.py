"""Which patch-based plan (patch.py) a C build takes: the option `patch` (auto | off | a number of bands |
a grid RxC) against the RAM budget.

auto: the plain plan, unless its arena + I/O is over the budget (--max-ram or the profile's); then every
      stage at the start of the network in 2..32 bands or grids up to 8x8 is tried and the one that fits with
      the fewest recomputed MACs is taken (none fits: the plain plan, and the budget error says how far
      patching got). Graphs past SEARCHED_OPS ops are not searched.
N:    N bands (whole rows), or RxC: a grid of tiles; of the stages, the one with the smallest arena (then the
      fewest recomputed MACs).
off:  never.
`inspect` asks for "smallest": the smallest arena any stage and tiling gives.
"""
from __future__ import annotations

from edgecompile.backends.c import patch, planner
from edgecompile.errors import UsageError

# bands (whole rows), then grids that cut columns too
TILES = (2, 3, 4, 6, 8, 12, 16, 24, 32, (2, 2), (3, 3), (4, 4), (6, 6), (8, 8), (3, 2), (4, 2), (6, 3), (8, 4))


def mode(value):
    """'auto', 'off', 'smallest', a number of bands (>= 2) or a grid (rows, columns) from "RxC"."""
    text = str(value if value is not None else "auto").strip().lower()
    if text in ("auto", "off", "smallest"):
        return text
    if text.isdigit() and int(text) >= 2:
        return int(text)
    parts = text.split("x")
    if len(parts) == 2 and all(p.isdigit() and int(p) >= 1 for p in parts) and int(parts[0]) * int(parts[1]) >= 2:
        return (int(parts[0]), int(parts[1])) if int(parts[1]) > 1 else int(parts[0])
    raise UsageError(f"c: option 'patch' is {value!r}; choose auto, off, a number of bands (2 or more) or a grid "
                     "of tiles such as 3x3.")


def _fixed(want) -> bool:
    return not isinstance(want, str)


def candidates(g, tiles=TILES) -> list[tuple]:
    """(patched graph, its info, a quick arena estimate) for every stage and band count."""
    out = []
    for stage in patch.stages(g):
        _, _, rows, cols = g.tensors[stage.y].shape
        for grid in tiles:
            ty, tx = (grid, 1) if isinstance(grid, int) else grid
            if ty <= rows and tx <= cols:
                h, info = patch.apply(g, stage, grid)
                if h is not None:
                    out.append((h, info, _estimate(h)))
    return out


def _estimate(h) -> int:
    """A quick arena for h, at or above what the full plan (backend._plan_whole) reaches: the plain plan, and
    with depthwise convs by rows (the rewrite that shrinks MobileNet-like models most)."""
    from edgecompile.backends.c import inplace_rows

    rows, n = inplace_rows.apply(h)
    return min(planner.plan(h).arena_bytes, planner.plan(rows).arena_bytes if n else 1 << 62)


SEARCHED_OPS = 3000  # auto and inspect search graphs up to this size (each candidate plans the whole graph)


def choose(g, plan_whole, default, want, ram: int | None, io: int) -> tuple:
    """(graph, plan) for the build: `default` (the plain (graph, plan)) or a patched one; the plan carries
    `patch` (what was chosen, arena before and after) or None. plan_whole: graph -> (graph, plan)."""
    g0, p0 = default
    p0.patch = None
    if want == "off" or (want == "auto" and (not ram or p0.arena_bytes + io <= ram)) \
            or (not _fixed(want) and len(g.ops) > SEARCHED_OPS):
        return g0, p0
    tries = candidates(g, (want,) if _fixed(want) else TILES)
    if not tries:
        if not _fixed(want):
            return g0, p0
        raise UsageError(f"c: option patch={_what(want)}: no stage at the start of this model runs in {_what(want)} (a "
                         "stage is a run of conv/pool/element-wise ops on images, with at least as many output rows "
                         "and columns as the grid).")
    macs = lambda c: c[1]["recomputed_macs"]  # noqa: E731
    if want == "auto":
        # the quick estimate bounds the full plan from above: the cheapest candidate that fits by it surely fits;
        # cheaper ones that miss by it may still fit once fully planned (residual Adds fused): those within 2x are
        # planned, the 16 cheapest
        fit = [c for c in tries if c[2] + io <= ram]
        first = min(fit, key=macs) if fit else None
        cheaper = [c for c in tries if ram < c[2] + io <= 2 * ram and (first is None or macs(c) < macs(first))]
        order = sorted(cheaper, key=macs)[:16] + [first] * (first is not None)
        if not order:  # nothing comes close: the smallest estimates, for the error message
            order = sorted(tries, key=lambda c: c[2])[:4]
    else:
        order = sorted(tries, key=lambda c: (c[2], macs(c)))[:6]
    best = None
    for h, info, _ in order:
        hg, hp = plan_whole(h)
        if want == "auto" and hp.arena_bytes + io <= ram:
            best = (hg, hp, info)
            break
        if best is None or (hp.arena_bytes, info["recomputed_macs"]) < (best[1].arena_bytes, best[2]["recomputed_macs"]):
            best = (hg, hp, info)
    hg, hp, info = best
    if want == "auto" and hp.arena_bytes + io > ram:  # nothing fits: the plain plan fails the budget, saying this
        p0.patch_best = {"arena_bytes": hp.arena_bytes, "chosen": _what(tuple(info["grid"]))}
        return g0, p0
    if not _fixed(want) and hp.arena_bytes >= p0.arena_bytes:
        return g0, p0
    hp.patch = {**info, "arena_before": p0.arena_bytes, "arena_after": hp.arena_bytes, "strategy": "patch-based",
                "asked": want if isinstance(want, str) else _option(want), "chosen": _what(tuple(info["grid"]))}
    hp.strategy = f"{hp.strategy}, patch-based: {len(info['layers'])} ops in {_what(tuple(info['grid']))}"
    hp.lower_bound = p0.lower_bound  # the whole-tensor bound stays the unpatched graph's
    return hg, hp


def _option(grid) -> str:
    """The option's text for a band count or grid."""
    return str(grid) if isinstance(grid, int) else f"{grid[0]}x{grid[1]}"


def _what(grid) -> str:
    ty, tx = (grid, 1) if isinstance(grid, int) else grid
    return f"{ty} bands" if tx == 1 else f"{ty}x{tx} tiles"


def note(info: dict) -> str:
    """One line for the build output."""
    return (f"patch-based execution: a stage of {len(info['layers'])} ops ({', '.join(info['layers'][:6])}"
            f"{', ...' if len(info['layers']) > 6 else ''}) run in {_what(tuple(info['grid']))}; arena "
            f"{info['arena_before']:,} B -> {info['arena_after']:,} B; recomputed {info['recomputed_macs']:,} MACs "
            f"(+{info['recomputed_pct']}% of the stage's {info['macs']:,})")
