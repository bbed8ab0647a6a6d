"""edgecompile bench ARTIFACT..."""
from __future__ import annotations

import sys
from contextlib import contextmanager

import click

from edgecompile.cli.options import FiniteFloat, echo_json, json_option


@contextmanager
def progress(quiet: bool):
    """A spinner on stderr with the artifact and its elapsed time, for people watching a terminal."""
    if quiet or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console

    with Console(stderr=True).status("") as status:
        yield lambda k, n, name: status.update(f"measuring {name} ({k + 1}/{n}) ...")


def bench_built(build_report, quiet: bool = False) -> dict:
    """`build --bench`: the default benchmark of every artifact the build wrote."""
    from edgecompile.bench.settings import BenchSettings
    from edgecompile.bench.suite import bench_all

    paths = [str(r.path) for r in build_report.results if r.ok and r.path]
    with progress(quiet) as cb:
        return bench_all(paths, BenchSettings(), progress=cb)


@click.command("bench")
@click.argument("artifacts", nargs=-1, required=True, type=click.Path())
@click.option("--runs", default=1000, show_default=True, type=click.IntRange(1, 100_000_000),
              help="Plain timer: timed inferences (p99 needs >= 1,000).")
@click.option("--warmup", default=50, show_default=True, type=click.IntRange(0, 1_000_000),
              help="Untimed inferences before timing.")
@click.option("--max-seconds", default=600.0, show_default=True, type=FiniteFloat(0, 86400, lo_open=True),
              help="Plain timer: time budget per artifact; fewer runs are made (and said) past it.")
@click.option("--threads", type=int, help="Runtime intra-op threads (default: the runtime's choice).")
@click.option("--batch", type=int, help="Samples per inference; the artifact must be built for it (--input-shape).")
@click.option("--scenario", type=click.Choice(["single-stream", "multi-stream", "offline", "server"]),
              help="Run an MLPerf LoadGen scenario instead of the plain timer.")
@click.option("--mode", type=click.Choice(["performance", "accuracy"]), default="performance", show_default=True,
              help="LoadGen mode; accuracy needs labelled --eval data.")
@click.option("--target-qps", type=float,
              help="LoadGen: Server arrival rate (required there) / Offline expected rate (default: measured).")
@click.option("--target-latency-ms", type=float, help="LoadGen Server latency bound (default 10 ms).")
@click.option("--duration", "duration_s", type=float, metavar="S", help="LoadGen minimum duration in seconds (default 10).")
@click.option("--min-queries", type=int, help="LoadGen minimum query count.")
@click.option("--eval", "eval_src", help="Labelled data for accuracy: 'digits', .npz with x and y, class folders.")
@click.option("--report", "report_dir", type=click.Path(file_okay=False), help="Write JSON, Markdown and PNG charts here.")
@click.option("--sort", type=click.Choice(["latency", "size", "accuracy"]), default="latency", show_default=True)
@click.option("--compare", "baseline", type=click.Path(exists=True, dir_okay=False),
              help="A previous report's JSON: print per-artifact changes; exit 1 on a regression.")
@click.option("--max-regression", type=float, default=10.0, show_default=True, metavar="PCT",
              help="With --compare: the p50 increase (%) that fails, when it also exceeds the noise.")
@click.option("--runner", help="Override the profile's runner (host, ssh, or one the backend adds, e.g. qemu for c).")
@click.option("--remote", metavar="[USER@]HOST[:PORT]", help="Benchmark on a remote machine over SSH.")
@click.option("--ssh-key", type=click.Path(exists=True, dir_okay=False), help="Private key for --remote.")
@click.option("--known-hosts", type=click.Path(exists=True, dir_okay=False), help="known_hosts file for --remote.")
@click.option("--remote-python", help="Python on the remote that has edgecompile installed (default python3).")
@click.option("--ssh-timeout", type=float, default=10.0, show_default=True, help="Seconds to connect to --remote.")
@click.option("--quiet", "-q", is_flag=True, help="No progress and no per-artifact details.")
@json_option
def command(artifacts, runs, warmup, max_seconds, threads, batch, scenario, mode, target_qps, target_latency_ms, duration_s,
            min_queries, eval_src, report_dir, sort, baseline, max_regression, runner, remote, ssh_key, known_hosts,
            remote_python, ssh_timeout, quiet, as_json):
    """Benchmark each artifact in its own process: latency percentiles with a 95% interval for the
    median, throughput, load time, peak RSS, size; accuracy on --eval data; MLPerf LoadGen scenarios.

    Runs on this machine, on an emulated Cortex-M (C artifacts of Cortex-M profiles; deterministic),
    or on a remote machine over SSH (--remote; the remote needs edgecompile and the artifact's runtime).
    An artifact that cannot be measured is reported as an error; the others are still measured."""
    from edgecompile.bench.settings import BenchSettings
    from edgecompile.bench.suite import bench_all

    settings = BenchSettings(runs=runs, warmup=warmup, max_seconds=max_seconds, threads=threads, batch=batch, scenario=scenario, mode=mode,
                             target_qps=target_qps, target_latency_ms=target_latency_ms, duration_s=duration_s,
                             min_queries=min_queries, eval_src=eval_src).check()
    base = None
    if baseline:
        from edgecompile.bench.compare import load_baseline

        base = load_baseline(baseline)
    with progress(quiet) as cb:
        report = bench_all(list(artifacts), settings, runner, remote, report_dir, progress=cb, key_file=ssh_key,
                           known_hosts=known_hosts, python=remote_python, timeout=ssh_timeout)
    cmp = None
    if base is not None:
        from edgecompile.bench.compare import compare

        cmp = compare(report, base, baseline, max_regression)
    show(report, cmp, sort, quiet, as_json)
    if report_dir:
        from edgecompile.bench.report import write

        files = write(report, report_dir, sort, cmp)
        if not as_json:
            click.echo(f"report: {', '.join(str(f) for f in files)}")
    failed = any("error" in r for r in report["results"])
    raise SystemExit(1 if failed or (cmp and cmp["regressions"]) else 0)


def show(report: dict, cmp: dict | None, sort: str, quiet: bool, as_json: bool) -> None:
    from edgecompile.cli.render_bench import print_compare, print_report

    if as_json:
        echo_json({**report, **({"compare": cmp} if cmp else {})})
        for r in report["results"]:
            if "error" in r:
                click.echo(f"error: {r['name']}: {r['error']}", err=True)
        return
    print_report(report, sort, details=not quiet)
    if cmp:
        print_compare(cmp)
