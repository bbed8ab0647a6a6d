"""`edgecompile serve` under load (issue 15): throughput and p50/p99 latency of MLPerf Tiny ResNet-8
(ONNX Runtime fp32) at concurrency 1, 8 and 32, with dynamic batching off and on. Not a test.

    python benchmarks/serve_load.py [--requests 200] [--rounds 3] [--batch 8] [--delay-ms 2] [--binary] [--out r.json]

off: the batch-1 artifact, one request per run (--max-batch 1).
on:  the same model built with batch N (--input-shape input_1=Nx32x32x3), stacking up to N requests
     per run (--max-batch N, --max-delay-ms D); unfilled rows are padded and computed anyway.
Both servers run at once on 127.0.0.1 as `python -m edgecompile serve` subprocesses; the client is
httpx (asyncio) in this process, sending one pre-encoded KServe v2 JSON body (--binary: the input as
raw bytes, Triton's binary tensor extension, which spares the server the JSON number parsing). Cells are interleaved
in rounds (off and on alternate at every concurrency) so load from other processes hits both alike.
Each cell is bounded: --requests per round, and 60 s at most.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from models import MODELS  # $EDGECOMPILE_MODELS or ../shared/models/mlperf_tiny

RESNET = MODELS / "pretrainedResnet.tflite"
CONCURRENCY = (1, 8, 32)
CELL_LIMIT_S = 60.0
failures: list[str] = []  # transport errors, reported with the results


def build(batch: int, out: Path) -> Path:
    from edgecompile.driver import build as _build

    report = _build(str(RESNET), ["onnxruntime"], ["fp32"], out=out / f"b{batch}", force=True,
                    input_shapes={"input_1": (batch, 32, 32, 3)})
    r = report.results[0]
    if not r.ok:
        raise SystemExit(f"ResNet-8 batch {batch}: {r.error}")
    return r.path


def ceiling(b1: Path, bn: Path, batch: int, runs: int = 200) -> dict[str, float]:
    """Per-sample run time of the two artifacts in this process (no HTTP), interleaved: the most
    that stacking could save if the front end cost nothing."""
    import edgecompile

    r1, rn = edgecompile.load(b1), edgecompile.load(bn)
    x1 = {"input_1": np.random.default_rng(1).random((1, 32, 32, 3), dtype=np.float32)}
    xn = {"input_1": np.random.default_rng(1).random((batch, 32, 32, 3), dtype=np.float32)}
    t1, tn = [], []
    for i in range(runs + 20):
        for runner, feed, times in ((r1, x1, t1), (rn, xn, tn)):
            t = time.perf_counter()
            runner.run(feed)
            if i >= 20:  # warm-up
                times.append(time.perf_counter() - t)
    return {"batch1_ms": float(np.median(t1) * 1e3), f"batch{batch}_per_sample_ms": float(np.median(tn) * 1e3 / batch)}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(artifact: Path, args: list[str], log: Path) -> tuple[subprocess.Popen, str]:
    import httpx

    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "edgecompile", "serve", f"resnet8={artifact}", "--port", str(port),
                             *args], stdout=log.open("w"), stderr=subprocess.STDOUT, env=os.environ.copy())
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        if proc.poll() is not None:
            raise SystemExit(f"the server exited: {log.read_text()}")
        try:
            if httpx.get(url + "/v2/health/ready").status_code == 200:
                return proc, url
        except httpx.TransportError:
            time.sleep(0.2)
    raise SystemExit(f"the server did not start: {log.read_text()}")


async def load(url: str, request: tuple[bytes, dict], concurrency: int, requests: int) -> tuple[list[float], float]:
    """Latencies (s) of `requests` requests sent by `concurrency` clients, and the wall time.
    A request that fails in transport is not retried; it is reported and left out."""
    import httpx

    latencies: list[float] = []
    left = [requests]
    deadline = time.perf_counter() + CELL_LIMIT_S
    body, headers = request
    async with httpx.AsyncClient(base_url=url, timeout=60,
                                 limits=httpx.Limits(max_connections=concurrency)) as client:
        async def worker():
            while left[0] > 0 and time.perf_counter() < deadline:
                left[0] -= 1
                t = time.perf_counter()
                try:
                    r = await client.post("/v2/models/resnet8/infer", content=body, headers=headers)
                except httpx.TransportError as e:  # e.g. a kept-alive connection the server closed meanwhile
                    failures.append(f"{type(e).__name__} after {time.perf_counter() - t:.3f} s")
                    continue
                latencies.append(time.perf_counter() - t)
                if r.status_code != 200:
                    raise SystemExit(f"{url}: {r.status_code} {r.text}")

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return latencies, time.perf_counter() - start


def server_means(url: str) -> dict[str, float]:
    """Means over everything the server answered (warm-up included), from its /metrics."""
    import httpx
    from prometheus_client.parser import text_string_to_metric_families

    v = {s.name: s.value for f in text_string_to_metric_families(httpx.get(url + "/metrics").text) for s in f.samples}

    def mean(h):
        return v[f"edgecompile_{h}_sum"] / max(1.0, v[f"edgecompile_{h}_count"])

    return {"request_ms": mean("request_duration_seconds") * 1e3, "queue_ms": mean("queue_duration_seconds") * 1e3,
            "run_ms": mean("inference_duration_seconds") * 1e3, "samples_per_run": mean("batch_size")}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=200, help="requests per cell per round")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--batch", type=int, default=8, help="batch of the 'on' artifact")
    ap.add_argument("--delay-ms", type=float, default=2.0, help="--max-delay-ms of the 'on' server")
    ap.add_argument("--binary", action="store_true", help="send the input as raw bytes (binary tensor extension)")
    ap.add_argument("--out", type=Path)
    a = ap.parse_args()
    if not RESNET.is_file():
        raise SystemExit(f"{RESNET} not found (the MLPerf Tiny models; set EDGECOMPILE_MODELS to their folder)")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        b1, bn = build(1, tmp), build(a.batch, tmp)
        runs = ceiling(b1, bn, a.batch)
        servers = {"off": start(b1, ["--max-batch", "1"], tmp / "off.log"),
                   "on": start(bn, ["--max-batch", str(a.batch), "--max-delay-ms", str(a.delay_ms)], tmp / "on.log")}
        try:
            results = run_cells(servers, encode(a.binary), a.requests, a.rounds)
            results["server"] = {mode: server_means(url) for mode, (_, url) in servers.items()}
            results["in_process"] = runs
        except BaseException:
            for mode in servers:
                print(f"--- {mode} server log:\n" + (tmp / f"{mode}.log").read_text()[-3000:], file=sys.stderr)
            raise
        finally:
            for proc, _ in servers.values():
                proc.send_signal(signal.SIGTERM)
                proc.wait(timeout=60)
    report(results, a)


def encode(binary: bool) -> tuple[bytes, dict]:
    x = np.random.default_rng(0).random((1, 32, 32, 3), dtype=np.float32)
    tensor = {"name": "input_1", "shape": [1, 32, 32, 3], "datatype": "FP32"}
    if not binary:
        return json.dumps({"inputs": [{**tensor, "data": x.ravel().tolist()}]}).encode(), \
            {"Content-Type": "application/json"}
    head = json.dumps({"inputs": [{**tensor, "parameters": {"binary_data_size": x.nbytes}}]}).encode()
    return head + x.astype("<f4").tobytes(), {"Content-Type": "application/octet-stream",
                                              "Inference-Header-Content-Length": str(len(head))}


def run_cells(servers: dict, body: tuple[bytes, dict], requests: int, rounds: int) -> dict:
    for _, url in servers.values():  # warm-up: ORT's first runs, connection setup
        asyncio.run(load(url, body, 8, 64))
    cells = {(mode, c): {"lat": [], "wall": 0.0, "n": 0} for c in CONCURRENCY for mode in servers}
    for _ in range(rounds):
        for c in CONCURRENCY:
            for mode, (_, url) in servers.items():
                lat, wall = asyncio.run(load(url, body, c, requests))
                cell = cells[(mode, c)]
                cell["lat"] += lat
                cell["wall"] += wall
                cell["n"] += len(lat)
    return {f"{mode}@{c}": {"requests": v["n"], "throughput_rps": v["n"] / v["wall"],
                            "p50_ms": float(np.percentile(v["lat"], 50) * 1e3),
                            "p99_ms": float(np.percentile(v["lat"], 99) * 1e3)}
            for (mode, c), v in cells.items()}


def report(results: dict, a) -> None:
    print(f"ResNet-8 (MLPerf Tiny, onnxruntime fp32) behind edgecompile serve, loopback, {a.rounds} rounds x "
          f"{a.requests} requests per cell, {'binary' if a.binary else 'JSON'} inputs; "
          f"on = batch-{a.batch} artifact, --max-delay-ms {a.delay_ms:g}")
    print(f"{'concurrency':>11}  {'off req/s':>9} {'p50 ms':>7} {'p99 ms':>7}   {'on req/s':>9} {'p50 ms':>7} "
          f"{'p99 ms':>7}   {'thru on/off':>11} {'p50 on/off':>10} {'p99 on/off':>10}")
    for c in CONCURRENCY:
        off, on = results[f"off@{c}"], results[f"on@{c}"]
        print(f"{c:>11}  {off['throughput_rps']:>9.0f} {off['p50_ms']:>7.2f} {off['p99_ms']:>7.2f}   "
              f"{on['throughput_rps']:>9.0f} {on['p50_ms']:>7.2f} {on['p99_ms']:>7.2f}   "
              f"{on['throughput_rps'] / off['throughput_rps']:>11.2f} {on['p50_ms'] / off['p50_ms']:>10.2f} "
              f"{on['p99_ms'] / off['p99_ms']:>10.2f}")
    per_sample = results["in_process"][f"batch{a.batch}_per_sample_ms"]
    print(f"in-process medians, no HTTP: batch 1 {results['in_process']['batch1_ms']:.3f} ms per run; batch {a.batch} "
          f"{per_sample:.3f} ms per sample (stacking's ceiling: "
          f"{results['in_process']['batch1_ms'] / per_sample:.2f}x throughput)")
    for mode, m in results["server"].items():
        print(f"server-side means, {mode:>3} (all cells): request {m['request_ms']:.2f} ms, queue {m['queue_ms']:.2f} ms, "
              f"run {m['run_ms']:.2f} ms, samples per run {m['samples_per_run']:.2f}")
    print(f"transport errors (left out): {len(failures)} {failures[:5]}")
    results["transport_errors"] = failures
    if a.out:
        a.out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
