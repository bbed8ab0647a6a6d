"""edgecompile targets"""
from __future__ import annotations

import click

from edgecompile.cli.options import echo_json, json_option


def collect() -> dict:
    from edgecompile.backends import NOT_BUILT, REGISTRY, get_backend, implemented
    from edgecompile.targets import profiles

    backends, status = {}, {}
    present = implemented()
    for name in REGISTRY:
        if name not in present:
            backends[name] = {"available": False, "reason": NOT_BUILT.get(name, "not part of this edgecompile build"),
                              "precisions": []}
            continue
        b = get_backend(name)
        ok, why = b.available()
        backends[name] = {"available": ok, ("version" if ok else "reason"): why, "summary": b.info.summary,
                          "precisions": list(b.info.precisions), "extra": b.info.extra}
        status[name] = ok
    prof = {p.name: {"backend": p.backend, "description": p.description,
                     "available": status.get(p.backend, p.backend == "auto"),  # auto: whatever is available
                     "precisions": list(p.precisions), "budget": p.budget, "bench": p.bench.get("runner", "host"),
                     "file": p.path}
            for p in profiles().values()}
    return {"backends": backends, "profiles": prof}


@click.command("targets")
@json_option
def command(as_json):
    """Every backend and device profile, whether it is available here, and how to enable it."""
    from rich.table import Table

    from edgecompile.cli.render import console, fmt_bytes

    data = collect()
    if as_json:
        echo_json(data)
        return
    t = Table(title="backends", title_justify="left")
    for col in ("backend", "status", "precisions", "what"):
        t.add_column(col)
    for name, b in data["backends"].items():
        status = f"available ({b['version']})" if b["available"] else f"not available: {b['reason']}"
        t.add_row(name, status, ", ".join(b["precisions"]), b.get("summary", ""))
    t2 = Table(title="device profiles (targets/*.toml)", title_justify="left")
    for col in ("profile", "backend", "available", "precisions", "RAM / flash budget", "bench", "description"):
        t2.add_column(col)
    for name, p in data["profiles"].items():
        budget = " / ".join(fmt_bytes(p["budget"].get(k)) for k in ("ram", "flash")) if p["budget"] else "-"
        t2.add_row(name, p["backend"], "yes" if p["available"] else "no", ", ".join(p["precisions"]) or "-",
                   budget, p["bench"], p["description"])
    c = console()
    c.print(t)
    c.print(t2)
