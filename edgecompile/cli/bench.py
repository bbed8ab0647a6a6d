"""edgecompile bench ARTIFACT..."""
from __future__ import annotations

import click

from edgecompile.cli.options import echo_json, json_option


@click.command("bench")
@click.argument("artifacts", nargs=-1, required=True, type=click.Path(exists=True, file_okay=False))
@click.option("--runs", default=200, show_default=True, help="Timed inferences per artifact.")
@click.option("--warmup", default=20, show_default=True, help="Untimed inferences before timing.")
@click.option("--runner", help="Override the profile's runner (host, ssh, or one the backend adds, e.g. qemu for c).")
@click.option("--remote", metavar="[USER@]HOST[:PORT]", help="Benchmark on a remote machine over SSH.")
@click.option("--ssh-key", type=click.Path(exists=True, dir_okay=False), help="Private key for --remote.")
@click.option("--known-hosts", type=click.Path(exists=True, dir_okay=False), help="known_hosts file for --remote.")
@click.option("--remote-python", help="Python on the remote that has edgecompile installed (default python3).")
@json_option
def command(artifacts, runs, warmup, runner, remote, ssh_key, known_hosts, remote_python, as_json):
    """Benchmark each artifact in its own process: load time, latency p50/p90/p99, throughput, size.

    Runs on this machine, on an emulated Cortex-M (C artifacts of Cortex-M profiles), or on a
    remote machine over SSH (--remote; the remote needs edgecompile and the artifact's runtime)."""
    from edgecompile.artifact import Artifact
    from edgecompile.bench import measure
    from edgecompile.cli.render import print_bench
    from edgecompile.errors import UsageError

    if runs < 1 or warmup < 0:
        raise UsageError("--runs must be at least 1 and --warmup at least 0.")
    results = [measure(Artifact.open(a), runs, warmup, runner, remote, key_file=ssh_key,
                       known_hosts=known_hosts, python=remote_python) for a in artifacts]
    if as_json:
        echo_json(results)
    else:
        print_bench(results)
