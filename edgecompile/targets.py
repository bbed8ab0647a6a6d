"""Device profiles: data in targets/*.toml, shipped inside the wheel. A user adds a board with a file."""
from __future__ import annotations

import difflib
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from edgecompile.core.options import unknown_key
from edgecompile.errors import UsageError

_HERE = Path(__file__).resolve().parent
AUTO = "auto"  # the pseudo-backend of the host profile: `--target auto` searches the backends it lists


def data_dir(name: str) -> Path:
    """targets/ or calibration/: the source checkout's copy, else the one packed into the wheel."""
    for candidate in (_HERE.parent / name, _HERE / "_data" / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"edgecompile data folder '{name}' is missing from this installation")


@dataclass(frozen=True)
class TargetProfile:
    name: str  # profile name, e.g. "cortex-m4"; for a bare backend, the backend name
    backend: str  # registry key of the backend that compiles for it
    description: str = ""
    precisions: tuple[str, ...] = ()  # precisions built by `--target all`/quickstart; empty = backend's
    options: dict[str, Any] = field(default_factory=dict)  # backend options (mcpu, hint, ...)
    budget: dict[str, int] = field(default_factory=dict)  # "ram"/"flash" in bytes
    bench: dict[str, Any] = field(default_factory=dict)  # how to benchmark: {"runner": "host"|"qemu"|"ssh", ...}
    path: str | None = None  # file it came from


PROFILE_KEYS = ("name", "backend", "description", "precisions", "options", "budget", "bench")
BUDGET_KEYS = ("ram", "flash")


def _parse(path: Path) -> TargetProfile:
    try:
        raw = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as e:
        raise UsageError(f"Target profile {path} is not valid TOML: {e}") from e
    where = f"Target profile {path}"
    for key in raw:
        if key not in PROFILE_KEYS:
            raise unknown_key(key, PROFILE_KEYS, where, "key")
    if "backend" not in raw:
        raise UsageError(f"{where} has no 'backend' key (the backend that compiles for it, e.g. backend = \"c\").")
    for key in raw.get("budget", {}):
        if key not in BUDGET_KEYS:
            raise unknown_key(key, BUDGET_KEYS, f"{where} [budget]", "key")
    prof = TargetProfile(
        name=raw.get("name", path.stem),
        backend=raw["backend"],
        description=raw.get("description", ""),
        precisions=tuple(raw.get("precisions", ())),
        options=dict(raw.get("options", {})),
        budget={k: int(v) for k, v in raw.get("budget", {}).items()},
        bench=dict(raw.get("bench", {})),
        path=str(path),
    )
    check(prof, where)
    return prof


def check(prof: TargetProfile, where: str) -> None:
    """A profile's [options] and [bench] against what its backend declares (skipped for a backend
    this installation does not have: building for it fails with that reason)."""
    from edgecompile.backends import get_backend, implemented, registry
    from edgecompile.core.options import validate

    if prof.backend == AUTO:
        return _check_auto(prof, where)
    if prof.backend not in registry():
        raise unknown_key(prof.backend, registry(), where, "backend")
    if prof.backend not in implemented():
        return
    backend = get_backend(prof.backend)
    validate(prof.options, backend.options, f"{where} [options] ({prof.backend} backend)")
    bench = dict(prof.bench)
    runner = backend.runner(str(bench.pop("runner", backend.bench_runners[0].name)))
    validate(bench, runner.keys, f"{where} [bench] ({runner.name} runner)", "key")


def _backend_of(name: str, where: str) -> str:
    """The backend a candidate (a backend, or a profile file in targets/) compiles with; read from
    the file itself, since this runs while profiles() is being filled."""
    from edgecompile.backends import registry

    if name in registry():
        return name
    path = data_dir("targets") / f"{name}.toml"
    if not path.is_file():
        raise UsageError(f"{where}: candidate '{name}' is neither a backend nor a profile in targets/.")
    return tomllib.loads(path.read_text()).get("backend", "")


def _check_auto(prof: TargetProfile, where: str) -> None:
    """The host profile: `candidates` (registered backends) and `threads` per candidate."""
    from edgecompile.backends import get_backend, implemented
    from edgecompile.core.options import validate

    extra = set(prof.options) - {"candidates", "threads"}
    if extra:
        raise UsageError(f"{where} [options]: an auto profile takes 'candidates' and 'threads', not {sorted(extra)}.")
    cands = list(prof.options.get("candidates", ()))  # profile or backend names
    backends = {_backend_of(name, where) for name in cands}
    for name, n in dict(prof.options.get("threads", {})).items():
        if name not in backends:
            raise UsageError(f"{where} [options.threads]: '{name}' is not the backend of a candidate {cands}.")
        if name in implemented():
            validate({"threads": n}, get_backend(name).options, f"{where} [options.threads] ({name} backend)")


@lru_cache(maxsize=1)
def profiles() -> dict[str, TargetProfile]:
    out = {}
    for path in sorted(data_dir("targets").glob("*.toml")):
        p = _parse(path)
        out[p.name] = p
    return out


def resolve(name: str) -> TargetProfile:
    """A profile by name, or a backend name with its default options."""
    from edgecompile.backends import registry

    table = profiles()
    if name in table:
        return table[name]
    if name in registry():
        return TargetProfile(name=name, backend=name, description=f"{name} backend defaults")
    if name.endswith(".toml") and Path(name).is_file():
        return _parse(Path(name))
    choices = sorted(set(table) | set(registry()))
    close = difflib.get_close_matches(name, choices, n=1)
    hint = f" Did you mean '{close[0]}'?" if close else ""
    raise UsageError(f"Unknown target '{name}'.{hint} Run 'edgecompile targets' to list them.")
