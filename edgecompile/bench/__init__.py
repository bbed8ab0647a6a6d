"""Benchmarking. Each runner is declared by the artifact's backend (Backend.bench_runners) and
returns one metrics dict of a common schema (see bench/suite.py):

runner, size_bytes, load_ms, runs, latency_ms {p50, p90, p99, p99_9, mean, stdev, min, max,
p50_ci95}, warnings, throughput {from_median_ips, from_wall_ips}, samples_ms, and runner-specific
figures (peak_rss_bytes; flash_bytes, ram_bytes, instructions_per_inference ...; loadgen).
The host and ssh runners (this package) take the full BenchSettings; a backend's own runner
(qemu for c) runs the plain timer and is adapted by bench/backend_runner.py.
"""
from __future__ import annotations

import importlib

from edgecompile.errors import UsageError


def _local_profile_bench(target: str) -> dict:
    from edgecompile.errors import EdgeCompileError
    from edgecompile.targets import resolve

    try:
        return dict(resolve(target).bench)
    except EdgeCompileError:
        return {}


def measure(artifact, runs: int = 1000, warmup: int = 50, runner: str | None = None, remote: str | None = None,
            settings=None, **remote_settings) -> dict:
    """Benchmark one artifact with the runner its profile names, or `runner`; `remote` ([user@]host[:port])
    selects the ssh runner, with settings (key_file, known_hosts, python, workdir, timeout) from here or the
    profile. `settings` (BenchSettings) overrides runs/warmup and adds threads, batch, LoadGen scenarios.

    The runners are the artifact's backend's (Backend.bench_runners), with the profile's [bench] keys
    checked against the chosen runner's declared keys."""
    from edgecompile.artifact import sha256_file
    from edgecompile.backends import get_backend
    from edgecompile.bench.settings import BenchSettings
    from edgecompile.core.options import validate

    st = (settings or BenchSettings(runs=runs, warmup=warmup)).check()
    backend = get_backend(artifact.backend)
    profile_bench = dict(artifact.manifest.get("profile", {}).get("bench", {}))
    named = profile_bench.pop("runner", None)
    spec = backend.runner(runner or ("ssh" if remote else named or backend.bench_runners[0].name))
    # the profile's settings belong to the profile's runner; another runner starts from its defaults
    rs = profile_bench if spec.name == (named or backend.bench_runners[0].name) else {}
    if spec.name == "ssh":
        # where to connect and which remote folders to write come from the user or this machine's profile
        # of that target, never from the artifact's manifest (someone else may have written it)
        local = {k: v for k, v in _local_profile_bench(artifact.target).items() if k != "runner"}
        rs = {**local, **{k: v for k, v in remote_settings.items() if v}, **({"host": remote} if remote else {})}
    rs = validate(rs, spec.keys, f"{artifact.path}: [bench] of the {spec.name} runner", "key")
    module, fn = spec.entry.split(":")
    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError as e:
        raise UsageError(f"The '{spec.name}' benchmark runner is not part of this edgecompile build.") from e
    if spec.name in ("host", "ssh"):
        metrics = getattr(mod, fn)(artifact, st.runs, st.warmup, rs, run=st)
    else:
        from edgecompile.bench.backend_runner import run

        metrics = run(spec.name, getattr(mod, fn), artifact, rs, st)
    return {"artifact": str(artifact.path), "name": artifact.path.name, "target": artifact.target,
            "backend": artifact.backend, "precision": artifact.precision,
            "manifest_sha256": sha256_file(artifact.path / "manifest.json"),
            "parity": artifact.manifest.get("parity"), "artifact_tools": artifact.manifest.get("tool_versions", {}),
            **metrics}
