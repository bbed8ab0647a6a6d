"""What `edgecompile serve` was asked for, checked once."""
from __future__ import annotations

from dataclasses import dataclass

from edgecompile.errors import UsageError

LOOPBACK = ("127.0.0.1", "localhost", "::1")


@dataclass(frozen=True)
class ServeOptions:
    host: str = "127.0.0.1"  # interface to bind; anything but loopback exposes the server to the network
    port: int = 8000
    max_batch: int | None = None  # samples per batch; None: the artifact's batch dimension (stack) or 1 (loop)
    max_delay_ms: float = 0.0  # how long a stacked batch may wait for more requests after its first arrived
    max_queue: int = 128  # queued requests per model beyond which requests are answered 503
    workers: int = 1  # runner threads per model, each with its own loaded copy of the artifact
    priority_levels: int = 4  # request priorities 0..levels-1, higher served first
    max_body_bytes: int = 16 << 20  # larger request bodies are answered 400
    token: str | None = None  # bearer token every request but the health checks must carry; None: no auth

    def __post_init__(self):
        checks = [(self.max_batch is None or self.max_batch >= 1, "--max-batch must be at least 1"),
                  (self.max_delay_ms >= 0, "--max-delay-ms must be 0 or more"),
                  (self.max_queue >= 1, "--max-queue must be at least 1"),
                  (self.workers >= 1, "--workers must be at least 1"),
                  (self.priority_levels >= 1, "--priority-levels must be at least 1"),
                  (self.max_body_bytes >= 1, "--max-body-mb must be above 0"),
                  (0 <= self.port <= 65535, "--port must be from 0 to 65535"),
                  (self.token is None or self.token != "", "the --token-file is empty")]
        for ok, why in checks:
            if not ok:
                raise UsageError(why + ".")
