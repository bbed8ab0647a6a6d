"""Benchmark runners. Each is `bench(artifact, runs, warmup) -> metrics dict` with a common schema:

runner, size_bytes, load_ms, runs, latency_ms {p50, p90, p99, mean, min}, throughput_ips, and
runner-specific extras (peak_rss_bytes; flash_bytes, ram_bytes, instructions_per_inference ...).
"""
from __future__ import annotations

import importlib

from edgecompile.errors import UsageError

RUNNERS = {
    "host": "edgecompile.bench.host:bench",  # a fresh Python process on this machine
    "qemu": "edgecompile.bench.qemu:bench",  # emulated Cortex-M (C backend)
    "ssh": "edgecompile.bench.ssh:bench",  # a remote machine over SSH; takes a Remote
}


def _local_profile_bench(target: str) -> dict:
    from edgecompile.errors import EdgeCompileError
    from edgecompile.targets import resolve

    try:
        return dict(resolve(target).bench)
    except EdgeCompileError:
        return {}


def measure(artifact, runs: int = 100, warmup: int = 10, runner: str | None = None, remote: str | None = None,
            max_seconds: float = 600, **remote_settings) -> dict:
    """Benchmark one artifact with the runner its profile names, or `runner`; `remote` ([user@]host[:port])
    selects the ssh runner, with settings (key_file, known_hosts, python, workdir) from here or the profile."""
    profile_bench = artifact.manifest.get("profile", {}).get("bench", {})
    name = runner or ("ssh" if remote else profile_bench.get("runner", "host"))
    if name not in RUNNERS:
        raise UsageError(f"Unknown benchmark runner '{name}'; known: {', '.join(RUNNERS)}.")
    module, fn = RUNNERS[name].split(":")
    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError as e:
        raise UsageError(f"The '{name}' benchmark runner is not part of this edgecompile build.") from e
    if name == "ssh":
        from edgecompile.bench.ssh import Remote

        # where to connect and which remote folders to write come from the user or this machine's profile
        # of that target, never from the artifact's manifest (someone else may have written it)
        local_bench = _local_profile_bench(artifact.target)
        spec = remote or local_bench.get("host")
        if not spec:
            raise UsageError("The ssh runner needs a remote: --remote user@host[:port] or [bench] host in the profile.")
        settings = {**local_bench, **{k: v for k, v in remote_settings.items() if v}}
        metrics = getattr(mod, fn)(artifact, runs, warmup, Remote.parse(spec, **settings), max_seconds=max_seconds)
    elif name == "host":
        metrics = getattr(mod, fn)(artifact, runs, warmup, max_seconds=max_seconds)
    else:
        metrics = getattr(mod, fn)(artifact, runs, warmup)
    return {"artifact": str(artifact.path), "target": artifact.target, "backend": artifact.backend,
            "precision": artifact.precision, **metrics}
