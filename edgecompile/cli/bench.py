"""edgecompile bench ARTIFACT..."""
from __future__ import annotations

import click

from edgecompile.cli.options import echo_json, json_option


@click.command("bench")
@click.argument("artifacts", nargs=-1, required=True, type=click.Path(exists=True, file_okay=False))
@click.option("--runs", default=200, show_default=True, help="Timed inferences per artifact.")
@click.option("--warmup", default=20, show_default=True, help="Untimed inferences before timing.")
@click.option("--runner", type=click.Choice(["host", "qemu"]), help="Override the profile's runner.")
@json_option
def command(artifacts, runs, warmup, runner, as_json):
    """Benchmark each artifact in its own process: load time, latency p50/p90/p99, throughput, size."""
    from edgecompile.artifact import Artifact
    from edgecompile.bench import measure
    from edgecompile.cli.render import print_bench
    from edgecompile.errors import UsageError

    if runs < 1 or warmup < 0:
        raise UsageError("--runs must be at least 1 and --warmup at least 0.")
    results = [measure(Artifact.open(a), runs, warmup, runner) for a in artifacts]
    if as_json:
        echo_json(results)
    else:
        print_bench(results)
