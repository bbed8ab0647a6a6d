"""edgecompile targets"""
from __future__ import annotations

import click

from edgecompile.cli.options import echo_json, json_option


def collect() -> dict:
    from edgecompile.backends import NOT_BUILT, get_backend, implemented, registry
    from edgecompile.targets import profiles

    backends, status = {}, {}
    present = implemented()
    for name in registry():
        if name not in present:
            backends[name] = {"available": False, "reason": NOT_BUILT.get(name, "not part of this edgecompile build"),
                              "precisions": []}
            continue
        b = get_backend(name)
        ok, why = b.available()
        backends[name] = {"available": ok, ("version" if ok else "reason"): why, "summary": b.info.summary,
                          "precisions": list(b.info.precisions), "extra": b.info.extra,
                          "options": [_option_json(o) for o in b.options],
                          "bench_runners": {r.name: [_option_json(o) for o in r.keys] for r in b.bench_runners},
                          "int8_flavor": b.int8_flavor.to_json() if b.int8_flavor else None}
        status[name] = ok
    prof = {p.name: {"backend": p.backend, "description": p.description,
                     "available": status.get(p.backend, p.backend == "auto"),  # auto: whatever is available
                     "precisions": list(p.precisions), "budget": p.budget, "bench": p.bench.get("runner", "host"),
                     "file": p.path}
            for p in profiles().values()}
    return {"backends": backends, "profiles": prof}


def _option_json(o) -> dict:
    return {"name": o.name, "type": o.type.__name__, "default": o.default, "help": o.help,
            "choices": list(o.choices) if o.choices else None, "flag": o.flag}


def print_options(data: dict) -> None:
    """Every backend's options and bench runners' [bench] keys: what profiles and --option accept."""
    from rich.table import Table

    from edgecompile.cli.render import console

    t = Table(title="backend options ([options] in a profile, or build --option KEY=VALUE)", title_justify="left")
    for col in ("backend", "option", "type", "default", "what"):
        t.add_column(col)
    for name, b in data["backends"].items():
        for o in b.get("options", []):
            what = o["help"] + (f" ({' | '.join(map(str, o['choices']))})" if o["choices"] else "")
            t.add_row(name, o["name"] + (f"\n{o['flag']}" if o["flag"] else ""), o["type"],
                      "-" if o["default"] is None else str(o["default"]), what)
    r = Table(title="bench runners ([bench] runner = ..., and their keys)", title_justify="left")
    for col in ("backend", "runner", "keys"):
        r.add_column(col)
    for name, b in data["backends"].items():
        for runner, keys in b.get("bench_runners", {}).items():
            r.add_row(name, runner, ", ".join(k["name"] for k in keys) or "-")
    console().print(t)
    console().print(r)


@click.command("targets")
@click.option("--options", "show_options", is_flag=True, help="List every backend's options and bench runners.")
@json_option
def command(show_options, as_json):
    """Every backend and device profile, whether it is available here, and how to enable it."""
    from rich.table import Table

    from edgecompile.cli.render import console, fmt_bytes

    data = collect()
    if as_json:
        echo_json(data)
        return
    if show_options:
        print_options(data)
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
