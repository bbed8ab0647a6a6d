"""`build`'s backend options, generated from what each backend declares (Backend.options):
`--option KEY=VALUE` for every option, plus the flags backends ask for (e.g. --c-prefix)."""
from __future__ import annotations

import click

from edgecompile.errors import UsageError

CLICK_TYPES = {bool: click.BOOL, int: click.INT, float: click.FLOAT, str: click.STRING}


def declared_flags() -> dict[str, tuple]:
    """flag -> (Option, [backend names]); only backends whose module is in this installation."""
    from edgecompile.backends import get_backend, implemented

    flags: dict[str, tuple] = {}
    for name in implemented():
        for opt in get_backend(name).options:
            if opt.flag:
                flags.setdefault(opt.flag, (opt, []))[1].append(name)
    return flags


def add_backend_options(fn):
    """Decorate a click command with --option and every declared flag (values end up in `backend_options`)."""
    for flag, (opt, owners) in sorted(declared_flags().items(), reverse=True):
        kind = click.Choice(opt.choices, case_sensitive=False) if opt.choices else CLICK_TYPES[opt.type]
        fn = click.option(flag, f"flag_{opt.name}", type=kind, default=None, metavar=None if opt.choices else "VALUE",
                          help=f"{', '.join(owners)}: {opt.help}.")(fn)
    return click.option("--option", "-O", "raw_options", multiple=True, metavar="[BACKEND.]KEY=VALUE",
                        help="A backend option (repeatable); `edgecompile targets --options` lists them.")(fn)


def collect(kwargs: dict) -> dict:
    """Pop the generated parameters off a command's kwargs: {key: value} with flags over --option."""
    out = {}
    for item in kwargs.pop("raw_options", ()):
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--option '{item}': expected KEY=VALUE, e.g. --option tune_trials=64.")
        out[key.strip()] = value
    for key in [k for k in kwargs if k.startswith("flag_")]:
        value = kwargs.pop(key)
        if value is not None:
            out[key[len("flag_"):]] = value
    return out
