"""MLPerf LoadGen scenarios (mlcommons-loadgen) around one loaded runner, inside the worker process.

A LoadGen sample is one input of the artifact (a batch of its batch size). LoadGen schedules the
queries and judges the run (VALID/INVALID); its summary and detail logs stay in `log_dir`.
"""
from __future__ import annotations

import json
import queue
import re
import threading
import time
from pathlib import Path

import numpy as np

from edgecompile.errors import MissingExtraError

LG_SCENARIO = {"single-stream": "SingleStream", "multi-stream": "MultiStream", "offline": "Offline", "server": "Server"}
# the line that carries each scenario's headline figure in mlperf_log_summary.txt
METRIC = {"SingleStream": "90.0th percentile latency (ns)", "MultiStream": "99.0th percentile latency (ns)",
          "Offline": "Samples per second", "Server": "Completed samples per second"}
SAMPLES_PER_QUERY = 8  # MultiStream, as MLPerf Inference sets it


def _lg():
    try:
        import mlperf_loadgen
    except ImportError as e:
        raise MissingExtraError("LoadGen scenarios", "bench", f"mlcommons-loadgen: {e}") from e
    return mlperf_loadgen


def test_settings(lg, settings, scenario: str, est_s: float, n_samples: int):
    s = lg.TestSettings()
    s.scenario = getattr(lg.TestScenario, scenario)
    s.mode = lg.TestMode.AccuracyOnly if settings.mode == "accuracy" else lg.TestMode.PerformanceOnly
    s.min_duration_ms = int((settings.duration_s or 10.0) * 1000)
    s.min_query_count = settings.min_queries or (1 if scenario == "Offline" else 100)
    s.performance_sample_count_override = n_samples
    s.single_stream_expected_latency_ns = max(int(est_s * 1e9), 1)
    s.multi_stream_expected_latency_ns = max(int(est_s * 1e9 * SAMPLES_PER_QUERY), 1)
    s.multi_stream_samples_per_query = SAMPLES_PER_QUERY
    # Offline sizes its one query from this rate: far off, and the run misses its minimum duration
    s.offline_expected_qps = settings.target_qps or 1.0 / est_s
    s.server_target_qps = settings.target_qps or 1.0
    s.server_target_latency_ns = int((settings.target_latency_ms or 10.0) * 1e6)
    return s


class Sut:
    """Runs queries on one thread: synchronously for SingleStream/MultiStream, from a queue for
    Server and Offline so LoadGen's issuing thread never waits on inference."""

    def __init__(self, lg, runner, samples: list[dict], output_name: str, asynchronous: bool):
        self.lg, self.runner, self.samples, self.output_name = lg, runner, samples, output_name
        self.times: list[float] = []
        self.q: queue.Queue = queue.Queue()
        self.thread = threading.Thread(target=self._loop, daemon=True) if asynchronous else None
        if self.thread:
            self.thread.start()

    def _one(self, q) -> None:
        t = time.perf_counter()
        out = np.ascontiguousarray(self.runner.run(self.samples[q.index])[self.output_name])
        self.times.append(time.perf_counter() - t)
        # LoadGen copies the response bytes (accuracy log) before QuerySamplesComplete returns
        self.lg.QuerySamplesComplete([self.lg.QuerySampleResponse(q.id, out.ctypes.data, out.nbytes)])

    def _loop(self) -> None:
        while (q := self.q.get()) is not None:
            self._one(q)

    def issue(self, queries) -> None:
        for q in queries:
            self.q.put(q) if self.thread else self._one(q)

    def stop(self) -> None:
        if self.thread:
            self.q.put(None)
            self.thread.join()


def parse_summary(text: str) -> dict:
    """Key figures of mlperf_log_summary.txt plus its results section verbatim, for quoting."""
    kv = {}
    for line in text.splitlines():
        m = re.match(r"\s*([^:*]+?)\s*:\s*(\S.*)$", line)
        if m:
            kv.setdefault(m.group(1), m.group(2).strip())
    head = text.split("Additional Stats")[0].splitlines()
    lines = [ln for ln in head if ln.strip() and not ln.startswith("===") and "Results Summary" not in ln]
    return {"fields": kv, "summary_lines": lines}


def _latency(fields: dict) -> dict:
    def ms(key):
        v = fields.get(key)
        return float(v) / 1e6 if v is not None else None
    return {"p50": ms("50.00 percentile latency (ns)"), "p90": ms("90.00 percentile latency (ns)"),
            "p99": ms("99.00 percentile latency (ns)"), "p99_9": ms("99.90 percentile latency (ns)"),
            "mean": ms("Mean latency (ns)"), "min": ms("Min latency (ns)"), "max": ms("Max latency (ns)")}


def accuracy_from_log(path: Path, out_spec, labels: np.ndarray) -> dict:
    """Top-1 from LoadGen's accuracy log (the response bytes it recorded per QSL index)."""
    from edgecompile.bench.evalset import top1

    entries = json.loads(path.read_text() or "[]")
    seen = {}
    for e in entries:
        seen[e["qsl_idx"]] = np.frombuffer(bytes.fromhex(e["data"]), dtype=out_spec.dtype).reshape(out_spec.shape)
    correct = sum(top1(y, out_spec, labels[i]) for i, y in seen.items())
    n = sum(labels[i].size for i in seen)
    return {"top1": correct / n if n else None, "samples": n, "source": "LoadGen accuracy log"}


def run(runner, artifact, samples: list[dict], settings, log_dir: Path, est_s: float,
        labels: np.ndarray | None = None) -> tuple[dict, list[float]]:
    """(the `loadgen` block of the metrics, the SUT's per-inference seconds)."""
    lg = _lg()
    scenario = LG_SCENARIO[settings.scenario]
    log_dir.mkdir(parents=True, exist_ok=True)
    out = artifact.outputs[0]
    sut = Sut(lg, runner, samples, out.name, asynchronous=scenario in ("Server", "Offline"))
    lg_sut = lg.ConstructSUT(sut.issue, lambda: None)
    qsl = lg.ConstructQSL(len(samples), len(samples), lambda idx: None, lambda idx: None)
    log = lg.LogSettings()
    log.log_output.outdir = str(log_dir)
    log.log_output.copy_summary_to_stdout = False
    log.enable_trace = False
    t0 = time.perf_counter()
    try:
        lg.StartTestWithLogSettings(lg_sut, qsl, test_settings(lg, settings, scenario, est_s, len(samples)), log)
    finally:
        sut.stop()
        lg.DestroyQSL(qsl)
        lg.DestroySUT(lg_sut)
    wall = time.perf_counter() - t0
    parsed = parse_summary((log_dir / "mlperf_log_summary.txt").read_text())
    f = parsed["fields"]
    batch = artifact.inputs[0].shape[0]
    block = {"scenario": scenario, "mode": settings.mode, "result": f.get("Result is"),
             "metric": METRIC[scenario], "metric_value": float(f[METRIC[scenario]]) if METRIC[scenario] in f else None,
             "latency_ms": _latency(f), "summary_lines": parsed["summary_lines"], "log_dir": str(log_dir),
             "wall_s": wall, "samples_per_inference": batch}
    if scenario == "Server":
        block["target_qps"] = float(f.get("target_qps", 0) or 0)
        block["target_latency_ms"] = (settings.target_latency_ms or 10.0)
        block["latency_bound_held"] = f.get("Performance constraints satisfied") == "Yes"
    if scenario == "Offline":
        block["expected_qps"] = settings.target_qps or 1.0 / est_s
    if settings.mode == "accuracy" and labels is not None:
        block["accuracy"] = accuracy_from_log(log_dir / "mlperf_log_accuracy.json", out, labels)
    return block, sut.times
