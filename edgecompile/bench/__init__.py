"""Benchmark runners. Each returns one metrics dict of a common schema (see bench/suite.py):

runner, size_bytes, load_ms, runs, latency_ms {p50, p90, p99, p99_9, mean, stdev, min, max,
p50_ci95}, warnings, throughput {from_median_ips, from_wall_ips}, samples_ms, and runner-specific
figures (peak_rss_bytes; flash_bytes, ram_bytes, instructions_per_inference ...; loadgen).
"""
from __future__ import annotations

import importlib

from edgecompile.errors import UsageError

RUNNERS = {
    "host": "edgecompile.bench.host:bench",  # a fresh Python process on this machine
    "qemu": "edgecompile.bench.qemu:bench",  # emulated Cortex-M (C backend)
    "ssh": "edgecompile.bench.ssh:bench",  # a remote machine over SSH; takes a Remote
}


def runner_name(artifact, runner: str | None = None, remote: str | None = None) -> str:
    profile_bench = artifact.manifest.get("profile", {}).get("bench", {})
    name = runner or ("ssh" if remote else profile_bench.get("runner", "host"))
    if name not in RUNNERS:
        raise UsageError(f"Unknown benchmark runner '{name}'; known: {', '.join(RUNNERS)}.")
    return name


def measure(artifact, runs: int = 1000, warmup: int = 50, runner: str | None = None, remote: str | None = None,
            settings=None, **remote_settings) -> dict:
    """Benchmark one artifact with the runner its profile names, or `runner`; `remote` ([user@]host[:port])
    selects the ssh runner, with settings (key_file, known_hosts, python, workdir, timeout) from here or the
    profile. `settings` (BenchSettings) overrides runs/warmup and adds threads, batch, LoadGen scenarios."""
    from edgecompile.artifact import sha256_file
    from edgecompile.bench.settings import BenchSettings

    settings = (settings or BenchSettings(runs=runs, warmup=warmup)).check()
    name = runner_name(artifact, runner, remote)
    module, fn = RUNNERS[name].split(":")
    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError as e:
        raise UsageError(f"The '{name}' benchmark runner is not part of this edgecompile build.") from e
    if name == "ssh":
        from edgecompile.bench.ssh import Remote

        profile_bench = artifact.manifest.get("profile", {}).get("bench", {})
        spec = remote or profile_bench.get("host")
        if not spec:
            raise UsageError("The ssh runner needs a remote: --remote user@host[:port] or [bench] host in the profile.")
        merged = {**profile_bench, **{k: v for k, v in remote_settings.items() if v}}
        metrics = getattr(mod, fn)(artifact, settings, Remote.parse(spec, **merged))
    elif name == "qemu":
        from edgecompile.bench.qemu import bench_settings

        metrics = bench_settings(artifact, settings)
    else:
        metrics = getattr(mod, fn)(artifact, settings)
    return {"artifact": str(artifact.path), "name": artifact.path.name, "target": artifact.target,
            "backend": artifact.backend, "precision": artifact.precision,
            "manifest_sha256": sha256_file(artifact.path / "manifest.json"),
            "parity": artifact.manifest.get("parity"), "artifact_tools": artifact.manifest.get("tool_versions", {}),
            **metrics}
