"""What a benchmark run measures: one frozen record, checked before anything is measured."""
from __future__ import annotations

from dataclasses import asdict, dataclass

from edgecompile.errors import UsageError

SCENARIOS = ("single-stream", "multi-stream", "offline", "server")


@dataclass(frozen=True)
class BenchSettings:
    runs: int = 1000  # plain timer: timed inferences (p99 needs >= 1,000)
    warmup: int = 50  # untimed inferences before timing
    threads: int | None = None  # runtime intra-op threads; None = the runtime's default
    batch: int | None = None  # samples per inference; None = the artifact's own batch
    scenario: str | None = None  # None = plain timer; else an MLPerf LoadGen scenario
    mode: str = "performance"  # LoadGen: performance | accuracy (needs labelled eval_src)
    target_qps: float | None = None  # Server arrival rate (required); Offline expected rate (default: measured)
    target_latency_ms: float | None = None  # Server latency bound (default 10 ms)
    duration_s: float | None = None  # LoadGen minimum duration (default 10 s)
    min_queries: int | None = None  # LoadGen minimum query count
    eval_src: str | None = None  # labelled evaluation data for accuracy (see quant/evaldata.py)
    log_dir: str | None = None  # where LoadGen writes its logs (one folder per artifact)
    max_seconds: float = 600.0  # plain timer: time budget for the timed runs; fewer runs past it (said in notes)

    def check(self) -> "BenchSettings":
        """Raise UsageError for settings no run could meet."""
        bad = []
        if not 0 < self.max_seconds <= 86400:  # also refuses nan
            bad.append("--max-seconds must be a number of seconds above 0 (at most a day)")
        if self.runs < 1 or self.warmup < 0:
            bad.append("--runs must be at least 1 and --warmup at least 0")
        if self.threads is not None and self.threads < 1:
            bad.append("--threads must be at least 1")
        if self.batch is not None and self.batch < 1:
            bad.append("--batch must be at least 1")
        if self.scenario is not None and self.scenario not in SCENARIOS:
            bad.append(f"--scenario must be one of {', '.join(SCENARIOS)}")
        if self.target_qps is not None and self.target_qps <= 0:
            bad.append(f"--target-qps {self.target_qps:g}: LoadGen needs a positive query rate")
        if self.scenario == "server" and self.target_qps is None:
            bad.append("--scenario server needs --target-qps (the Poisson arrival rate LoadGen holds the latency "
                       "bound at; try half the Offline rate)")
        if self.target_latency_ms is not None and self.target_latency_ms <= 0:
            bad.append(f"--target-latency-ms {self.target_latency_ms:g}: a latency bound must be positive")
        if self.duration_s is not None and self.duration_s <= 0:
            bad.append(f"--duration {self.duration_s:g}: LoadGen needs a positive minimum duration")
        if self.min_queries is not None and self.min_queries < 1:
            bad.append("--min-queries must be at least 1")
        if self.mode not in ("performance", "accuracy"):
            bad.append("--mode must be performance or accuracy")
        if self.mode == "accuracy" and (self.scenario is None or not self.eval_src):
            bad.append("--mode accuracy runs LoadGen's accuracy mode: it needs --scenario and labelled --eval data")
        if self.scenario is None and any(v is not None for v in (self.target_qps, self.target_latency_ms,
                                                                 self.duration_s, self.min_queries)):
            bad.append("--target-qps, --target-latency-ms, --duration and --min-queries are LoadGen settings: "
                       "add --scenario")
        if bad:
            raise UsageError("; ".join(bad) + ".")
        return self

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, d: dict) -> "BenchSettings":
        return cls(**{k: v for k, v in d.items() if k in cls.__dataclass_fields__})
