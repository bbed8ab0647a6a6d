"""Load the artifacts, say how each one batches, and run uvicorn until SIGTERM or Ctrl-C.

On SIGTERM uvicorn closes the listening socket, waits for every accepted request to be
answered (no graceful-shutdown timeout), then runs the app's shutdown, which drains the
batchers; the process then exits 0.
"""
from __future__ import annotations

from edgecompile.errors import UsageError
from edgecompile.serve.app import Served, create_app
from edgecompile.serve.batcher import Batcher
from edgecompile.serve.metrics import Metrics
from edgecompile.serve.model import ServedModel
from edgecompile.serve.options import LOOPBACK, ServeOptions


def load(specs: list[str], opts: ServeOptions) -> tuple[list[Served], Metrics]:
    metrics, served, seen = Metrics(), [], set()
    for spec in specs:
        model = ServedModel.open(spec)
        if (model.name, model.version) in seen:
            raise UsageError(f"Two artifacts are served as '{model.name}' version {model.version}: "
                             "name them with NAME[:VERSION]=PATH.")
        seen.add((model.name, model.version))
        runners = [model.artifact.load() for _ in range(opts.workers)]
        max_batch = opts.max_batch or model.batch
        mm = metrics.for_model(model.name, model.version)
        served.append(Served(model, Batcher(model, runners, max_batch, opts.max_delay_ms / 1e3, opts.max_queue, mm), mm))
    return served, metrics


def describe(served: list[Served], opts: ServeOptions) -> list[str]:
    """What start-up prints: each model's batching, and a warning when reachable from the network."""
    lines = []
    for s in served:
        m, a, cap = s.model, s.model.artifact, s.batcher.capacity
        head = f"model {m.name} v{m.version} ({a.backend} {a.precision}, {a.path}):"
        if m.stacks:
            line = (f"{head} stacks requests along dimension 0 (artifact batch {m.batch}), up to {cap} samples "
                    f"per run, waiting at most {opts.max_delay_ms:g} ms for more; unfilled rows are padded")
            if opts.max_batch and opts.max_batch > m.batch:
                line += f" (--max-batch {opts.max_batch} is above the artifact's batch {m.batch})"
        else:
            line = (f"{head} no batch dimension to stack on ({_shapes(m)}): loops, one run per request, "
                    f"up to {cap} queued request(s) per batch")
        lines.append(line)
    if opts.host not in LOOPBACK:
        auth = ("there is no authentication: anyone who can reach it can use it (pass --token-file)"
                if opts.token is None else "the bearer token travels in plain HTTP: put TLS in front")
        lines.append(f"warning: --host {opts.host} accepts connections from other machines, and {auth}")
    return lines


def _shapes(m: ServedModel) -> str:
    return ", ".join(f"{t.name} {'x'.join(map(str, t.shape))}" for t in m.inputs)


def run(served: list[Served], metrics: Metrics, opts: ServeOptions) -> None:
    import signal
    import sys

    import uvicorn

    # After its graceful stop uvicorn re-raises SIGTERM through the handler that was there before
    # it started; this one turns a fully drained stop into exit status 0 rather than "killed".
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    app = create_app(served, metrics, opts)
    config = uvicorn.Config(app, host=opts.host, port=opts.port, log_level="info", access_log=False,
                            lifespan="on", timeout_graceful_shutdown=None)
    uvicorn.Server(config).run()
