"""`python -m edgecompile.bench.worker ARTIFACT RUNS WARMUP [SETTINGS_JSON]`: measure one artifact in
this process (its own, so peak RSS is this artifact's), print one JSON line of metrics. RUNS and
WARMUP stay positional so an older edgecompile on a remote machine still runs the plain timer."""
from __future__ import annotations

import json
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np

N_SAMPLES = 64  # random inputs LoadGen draws from when there is no --eval data


def random_feeds(art, n: int) -> list[dict]:
    rng = np.random.default_rng(0)
    out = []
    for _ in range(n):
        feeds = {}
        for s in art.inputs:
            if np.issubdtype(np.dtype(s.dtype), np.integer):
                info = np.iinfo(s.dtype)
                feeds[s.name] = rng.integers(info.min, info.max + 1, size=s.shape).astype(s.dtype)
            else:
                feeds[s.name] = rng.standard_normal(s.shape).astype(s.dtype)
        out.append(feeds)
    return out


def with_threads(art, threads: int | None):
    """The artifact with the runtime's thread count set where its backend reads it (the manifest's
    `threads` option); TVM's runtime reads TVM_NUM_THREADS when its pool starts."""
    from edgecompile.artifact import Artifact

    if not threads:
        return art, None
    if art.backend == "c":
        return art, "the c backend runs single-threaded; --threads ignored"
    os.environ["TVM_NUM_THREADS"] = str(threads)
    return Artifact(art.path, {**art.manifest, "options": {**(art.manifest.get("options") or {}), "threads": threads}}), None


def check_batch(art, batch: int | None) -> int:
    from edgecompile.errors import UsageError

    have = art.inputs[0].shape[0] if art.inputs[0].shape else 1
    if batch is not None and batch != have:
        s = art.inputs[0]
        raise UsageError(f"{art.path} is compiled for batch {have} (input {s.name} "
                         f"{'x'.join(map(str, s.shape))}); --batch {batch} needs an artifact built with "
                         f"--input-shape {s.name}={'x'.join(map(str, (batch, *s.shape[1:])))}.")
    return have


def within_budget(runner, feeds: dict, st) -> tuple[int, int]:
    """(runs, warmup) that fit --max-seconds, from one timed inference: a huge --runs ends, it never hangs."""
    t = time.perf_counter()
    runner.run(feeds)
    one = max(time.perf_counter() - t, 1e-7)
    if (st.runs + st.warmup) * one <= st.max_seconds:
        return st.runs, st.warmup
    warmup = min(st.warmup, int(0.1 * st.max_seconds / one))
    return max(1, int((st.max_seconds - warmup * one) / one)), warmup


def main(path: str, settings_json: str) -> dict:
    from edgecompile.artifact import Artifact
    from edgecompile.bench.settings import BenchSettings
    from edgecompile.bench.stats import latency_summary, throughput
    from edgecompile.bench.timer import time_runs, timed_loop

    os.environ["EDGECOMPILE_ISOLATED"] = "1"  # this process is the isolation: backends run native code in it
    st = BenchSettings.from_json(json.loads(settings_json))
    art = Artifact.open(path)
    batch = check_batch(art, st.batch)
    art, note = with_threads(art, st.threads)
    samples, labels = random_feeds(art, 1 if st.scenario is None else N_SAMPLES), None
    if st.mode == "accuracy":
        from edgecompile.bench.evalset import eval_batches

        samples, labels = eval_batches(art, st.eval_src)
    t0 = time.perf_counter()
    runner = art.load()
    runner.run(samples[0])  # first inference belongs to load time: lazy init, JIT, allocation
    load_ms = (time.perf_counter() - t0) * 1e3
    metrics: dict = {"runner": "host", "size_bytes": art.size_bytes(), "load_ms": load_ms, "batch": batch,
                     "threads": st.threads, "notes": [note] if note else []}
    if st.scenario is None:
        runs, warmup = within_budget(runner, samples[0], st)
        if runs < st.runs:
            metrics["notes"].append(f"--max-seconds {st.max_seconds:g}: {runs} of the {st.runs} runs asked for")
        seconds, wall = timed_loop(runner, samples[0], runs, warmup)
    else:
        from edgecompile.bench import loadgen

        est = float(np.median(time_runs(runner, samples[0], 30, st.warmup)))
        metrics["loadgen"], seconds = loadgen.run(runner, art, samples, st, Path(st.log_dir), est, labels)
        if st.scenario == "offline":
            metrics["notes"].append(f"Offline runs the artifact's fixed batch of {batch} per inference (a LoadGen "
                                    "sample is one artifact input); larger batches need a build with --input-shape")
        wall = None
    lat, warnings = latency_summary(seconds)
    metrics.update(runs=len(seconds), warmup=st.warmup, latency_ms=lat, warnings=warnings,
                   throughput=throughput(lat, len(seconds), batch, wall),
                   samples_ms=[round(s * 1e3, 6) for s in seconds])
    if st.eval_src and st.mode != "accuracy":
        from edgecompile.bench.evalset import accuracy

        metrics["accuracy"] = accuracy(runner, art, st.eval_src)
    elif "loadgen" in metrics and "accuracy" in metrics["loadgen"]:
        metrics["accuracy"] = metrics["loadgen"]["accuracy"]
    metrics["peak_rss_bytes"] = peak_rss_bytes()
    return metrics


def peak_rss_bytes() -> int:
    """This process's own peak resident memory. Linux's VmHWM belongs to this image; ru_maxrss keeps the
    forking parent's peak across exec, so a big parent would be counted against the artifact."""
    try:
        with open("/proc/self/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:")) * 1024
    except (OSError, StopIteration, ValueError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


if __name__ == "__main__":
    from edgecompile.errors import EdgeCompileError

    try:
        print(json.dumps(main(sys.argv[1], sys.argv[4] if len(sys.argv) > 4 else
                              json.dumps({"runs": int(sys.argv[2]), "warmup": int(sys.argv[3])}))))
    except EdgeCompileError as e:  # one typed line the parent turns back into the same error
        print(json.dumps({"error": str(e), "error_type": type(e).__name__}))
        sys.exit(3)
