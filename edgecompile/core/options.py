"""Typed backend options: what a backend declares, and the one check every value goes through.

A backend lists its `Option`s; `build` turns them into `--option KEY=VALUE` (and a flag of its
own where `flag` is set), and a profile's `[options]` / `[bench]` tables are checked against them.
An unknown key names the closest valid one; a wrong type says which type it needs.
"""
from __future__ import annotations

import difflib
import math
from dataclasses import dataclass
from typing import Any, Iterable

from edgecompile.errors import UsageError

TYPES = {bool: "a boolean (true/false)", int: "an integer", float: "a number", str: "a string"}


@dataclass(frozen=True)
class Option:
    name: str  # key in profiles and --option, e.g. "c_prefix"
    type: type  # bool, int, float or str
    default: Any  # None = unset (the backend decides)
    help: str  # one line for --help and `edgecompile targets --options`
    choices: tuple | None = None  # allowed values, when a closed set
    flag: str | None = None  # a `build` flag of its own, e.g. "--c-prefix"
    minimum: float | None = None  # least allowed value for int/float

    def coerce(self, value: Any, where: str) -> Any:
        """`value` as this option's type (strings from the command line are parsed), or a UsageError."""
        v = self._parse(value, where) if isinstance(value, str) and self.type is not str else value
        if self.type is float and isinstance(v, int) and not isinstance(v, bool):
            v = float(v)
        if not isinstance(v, self.type) or (self.type is int and isinstance(v, bool)):
            raise UsageError(f"{where}: option '{self.name}' must be {TYPES[self.type]}, got {value!r}.")
        if self.type is float and not math.isfinite(v):
            raise UsageError(f"{where}: option '{self.name}' must be a finite number, got {value!r}.")
        if self.choices is not None:
            folded = v.lower() if isinstance(v, str) else v
            match = [c for c in self.choices if (c.lower() if isinstance(c, str) else c) == folded]
            if not match:
                raise UsageError(f"{where}: option '{self.name}' is {value!r}; choose {', '.join(map(str, self.choices))}.")
            v = match[0]
        if self.minimum is not None and v < self.minimum:
            raise UsageError(f"{where}: option '{self.name}' must be at least {self.minimum:g}, got {value!r}.")
        return v

    def _parse(self, text: str, where: str) -> Any:
        try:
            if self.type is bool:
                low = text.strip().lower()
                if low in ("true", "1", "yes", "on"):
                    return True
                if low in ("false", "0", "no", "off"):
                    return False
                raise ValueError(text)
            return self.type(text.strip().replace("_", "") if self.type is int else text.strip())
        except ValueError:
            raise UsageError(f"{where}: option '{self.name}' must be {TYPES[self.type]}, got '{text}'.") from None


# Declared by the backends that honour a dynamic batch (the driver opens the batch dimension for them).
BATCH = Option("batch", str, None, "'dynamic' keeps a symbolic batch dimension (default: the model's fixed batch)",
               choices=("dynamic",), flag="--batch")


def unknown_key(key: str, known: Iterable[str], where: str, what: str = "option") -> UsageError:
    names = sorted(known)
    close = difflib.get_close_matches(key, names, n=1)
    hint = f" Did you mean '{close[0]}'?" if close else ""
    listed = ", ".join(names) if names else "none"
    return UsageError(f"{where}: unknown {what} '{key}'.{hint} Valid: {listed}.")


def validate(values: dict[str, Any], declared: Iterable[Option], where: str, what: str = "option") -> dict[str, Any]:
    """The values checked and coerced (no defaults added). Raises UsageError on the first bad key."""
    table = {o.name: o for o in declared}
    out = {}
    for key, value in values.items():
        if key not in table:
            raise unknown_key(key, table, where, what)
        out[key] = table[key].coerce(value, where)
    return out


def with_defaults(values: dict[str, Any], declared: Iterable[Option]) -> dict[str, Any]:
    return {**{o.name: o.default for o in declared if o.default is not None}, **values}
