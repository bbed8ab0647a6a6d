"""Benchmarking. Each runner is `bench(artifact, runs, warmup, settings) -> metrics dict`, declared by the
artifact's backend (Backend.bench_runners), with a common schema:

runner, size_bytes, load_ms, runs, latency_ms {p50, p90, p99, mean, min}, throughput_ips, and
runner-specific extras (peak_rss_bytes; flash_bytes, ram_bytes, instructions_per_inference ...).
"""
from __future__ import annotations

import importlib

from edgecompile.errors import UsageError


def measure(artifact, runs: int = 100, warmup: int = 10, runner: str | None = None, remote: str | None = None,
            **remote_settings) -> dict:
    """Benchmark one artifact with the runner its profile names, or `runner`; `remote` ([user@]host[:port])
    selects the ssh runner, with settings (key_file, known_hosts, python, workdir) from here or the profile.

    The runners are the artifact's backend's (Backend.bench_runners), with the profile's [bench] keys
    checked against the chosen runner's declared keys."""
    from edgecompile.backends import get_backend
    from edgecompile.core.options import validate

    backend = get_backend(artifact.backend)
    profile_bench = dict(artifact.manifest.get("profile", {}).get("bench", {}))
    named = profile_bench.pop("runner", None)
    spec = backend.runner(runner or ("ssh" if remote else named or backend.bench_runners[0].name))
    # the profile's settings belong to the profile's runner; another runner starts from its defaults
    settings = profile_bench if spec.name == (named or backend.bench_runners[0].name) else {}
    if spec.name == "ssh":
        settings = {**settings, **{k: v for k, v in remote_settings.items() if v}, **({"host": remote} if remote else {})}
    settings = validate(settings, spec.keys, f"{artifact.path}: [bench] of the {spec.name} runner", "key")
    module, fn = spec.entry.split(":")
    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError as e:
        raise UsageError(f"The '{spec.name}' benchmark runner is not part of this edgecompile build.") from e
    metrics = getattr(mod, fn)(artifact, runs, warmup, settings)
    return {"artifact": str(artifact.path), "target": artifact.target, "backend": artifact.backend,
            "precision": artifact.precision, **metrics}
