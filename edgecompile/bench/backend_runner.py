"""A backend's own benchmark runner (qemu for c) under bench's settings. Such a runner times one
inference at a time; a deterministic one (instruction-counted) answers SingleStream itself,
since LoadGen's clock is wall time and emulated time is not."""
from __future__ import annotations

from edgecompile.errors import UsageError


def run(name: str, fn, artifact, runner_settings: dict, st) -> dict:
    if st.scenario not in (None, "single-stream"):
        raise UsageError(f"{artifact.path}: the {name} runner supports --scenario single-stream only (one inference "
                         f"at a time); '{st.scenario}' needs the host or ssh runner.")
    m = fn(artifact, st.runs, st.warmup, runner_settings)
    if st.scenario and not m.get("deterministic"):
        raise UsageError(f"{artifact.path}: the {name} runner is not deterministic and LoadGen cannot drive it.")
    m["budget"] = artifact.manifest.get("profile", {}).get("budget", {})  # ram/flash bytes, for the report
    m["notes"] = []
    if m.get("deterministic"):
        m["notes"].append(f"deterministic: every {name} run executes the same instructions, so there is no "
                          "distribution to sample; the latency is an estimate at the profile's clock")
    if st.threads or st.batch not in (None, 1):
        m["notes"].append(f"--threads/--batch do not apply to the {name} runner (one core, batch 1)")
    if st.eval_src:  # the host build of the same code: the runner checks its outputs match (output_matches_host)
        from edgecompile.bench.evalset import accuracy

        m["accuracy"] = {**accuracy(artifact.load(), artifact, st.eval_src), "runner": "host build of the same code"}
    if st.scenario == "single-stream":
        m["loadgen"] = {"scenario": "SingleStream", "result": "deterministic (LoadGen not run)",
                        "metric": "90.0th percentile latency (ns)", "metric_value": m["latency_ms"]["p90"] * 1e6,
                        "latency_ms": m["latency_ms"], "summary_lines": []}
    return m
