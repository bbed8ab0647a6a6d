"""edgecompile serve ARTIFACT..."""
from __future__ import annotations

import click


@click.command("serve")
@click.argument("artifacts", nargs=-1, required=True, metavar="[NAME[:VERSION]=]ARTIFACT...")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind (0.0.0.0: every one).")
@click.option("--port", default=8000, show_default=True, help="TCP port.")
@click.option("--max-batch", type=int, help="Samples per batch. [default: the artifact's batch dimension, or 1]")
@click.option("--max-delay-ms", default=0.0, show_default=True,
              help="How long a batch may wait for more requests after its first one arrived.")
@click.option("--max-queue", default=128, show_default=True, help="Queued requests per model before answering 503.")
@click.option("--workers", default=1, show_default=True, help="Runner threads per model, each with its own copy.")
@click.option("--priority-levels", default=4, show_default=True,
              help="Request priorities 0..N-1 (parameters.priority); higher is served first.")
@click.option("--max-body-mb", default=16.0, show_default=True, help="Larger request bodies are answered 400.")
@click.option("--token-file", type=click.Path(exists=True, dir_okay=False),
              help="File holding a bearer token that every request but the health checks must carry.")
def command(artifacts, host, port, max_batch, max_delay_ms, max_queue, workers, priority_levels, max_body_mb,
            token_file):
    """Serve artifacts over HTTP with the KServe v2 protocol (the JSON Triton speaks), with dynamic
    batching, priorities, timeouts and Prometheus metrics at /metrics.

    Each ARTIFACT is served as /v2/models/NAME/versions/VERSION/infer (NAME defaults to the
    folder's name, VERSION to 1). Requests may carry parameters.priority and parameters.timeout
    (microseconds). SIGTERM stops accepting, answers every accepted request, then exits."""
    from pathlib import Path

    from edgecompile.errors import MissingExtraError
    from edgecompile.serve.options import ServeOptions

    token = Path(token_file).read_text().strip() if token_file else None
    opts = ServeOptions(host, port, max_batch, max_delay_ms, max_queue, workers, priority_levels,
                        int(max_body_mb * (1 << 20)), token)
    try:
        from edgecompile.serve import server
    except ImportError as e:
        raise MissingExtraError("serve", "serve", str(e)) from e
    served, metrics = server.load(list(artifacts), opts)
    for line in server.describe(served, opts):
        click.echo(line, err=True)
    server.run(served, metrics, opts)
