"""Prometheus metrics: `edgecompile_` prefix, seconds, `_total` counters.

Labels are the served models' names and versions and a fixed set of outcomes, so their
cardinality is bounded by the command line (requests for unknown models are not counted).
Each server has its own registry, so several servers can live in one process (tests).
"""
from __future__ import annotations

import prometheus_client
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

OUTCOMES = ("ok", "bad_request", "rejected", "timeout", "error")  # 200, 400, 503, 504, 500
SECONDS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
SAMPLES = (1, 2, 4, 8, 16, 32, 64, 128, 256)


class Metrics:
    def __init__(self):
        prometheus_client.disable_created_metrics()  # no `_created` twin of every series: scrapes stay short
        self.registry = CollectorRegistry()
        labels = ("model", "version")
        kw = {"registry": self.registry}
        self.requests = Counter("edgecompile_requests", "Inference requests by outcome.", labels + ("outcome",), **kw)
        self.request_time = Histogram("edgecompile_request_duration_seconds",
                                      "Time from receiving an inference request to its answer.", labels,
                                      buckets=SECONDS, **kw)
        self.queue_time = Histogram("edgecompile_queue_duration_seconds",
                                    "Time a request waited in the queue before its batch started.", labels,
                                    buckets=SECONDS, **kw)
        self.inference_time = Histogram("edgecompile_inference_duration_seconds",
                                         "Time of one run of the artifact (one stacked batch, or one looped request).",
                                         labels, buckets=SECONDS, **kw)
        self.batch_size = Histogram("edgecompile_batch_size",
                                    "Samples per formed batch (stack: rows along the batch dimension; loop: requests).",
                                    labels, buckets=SAMPLES, **kw)
        self.queue_depth = Gauge("edgecompile_queue_depth", "Requests waiting in the queue.", labels, **kw)

    def for_model(self, name: str, version: str) -> "ModelMetrics":
        for outcome in OUTCOMES:  # every series exists from the start, at 0
            self.requests.labels(name, version, outcome)
        return ModelMetrics(self, name, version)


class ModelMetrics:
    """The metrics of one served model, with its labels bound."""

    def __init__(self, m: Metrics, name: str, version: str):
        self._requests = {o: m.requests.labels(name, version, o) for o in OUTCOMES}
        self.request_time = m.request_time.labels(name, version)
        self.queue_time = m.queue_time.labels(name, version)
        self.inference_time = m.inference_time.labels(name, version)
        self.batch_size = m.batch_size.labels(name, version)
        self.queue_depth = m.queue_depth.labels(name, version)

    def answered(self, outcome: str, seconds: float) -> None:
        self._requests[outcome].inc()
        self.request_time.observe(seconds)
