"""edgecompile prune RUN/ --ratio 0.5 [--method l1|taylor] [--finetune-epochs N] --out RUN3/"""
from __future__ import annotations

import click

from edgecompile.cli.options import FiniteFloat, SEED


@click.command("prune")
@click.argument("source")
@click.option("--ratio", type=FiniteFloat(0, 0.99), default=0.5, show_default=True, help="Fraction of channels removed per layer.")
@click.option("--method", type=click.Choice(["l1", "taylor"]), default="l1", show_default=True)
@click.option("--global", "global_ranking", is_flag=True,
              help="Rank channels across all layers (uneven widths, each layer keeps >= 20%) instead of per layer.")
@click.option("--finetune-epochs", type=click.IntRange(0, 10_000_000), default=3, show_default=True, help="Recovery fine-tuning epochs.")
@click.option("--data", default=None, help="Recovery/evaluation data (default: the run's own).")
@click.option("--measure-on", default="onnxruntime", show_default=True,
              help="Target whose measured latency goes in the report ('none' to skip).")
@click.option("--lr", type=FiniteFloat(0, lo_open=True), default=3e-3, show_default=True)
@click.option("--seed", type=SEED, default=0, show_default=True)
@click.option("--force", is_flag=True, help="Replace an existing run in OUT.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--out", "-o", required=True)
def command(source, ratio, method, global_ranking, finetune_epochs, data, measure_on, lr, seed, force, as_json, out):
    """Remove channels from SOURCE (coupled layers included), recover, and report before/after."""
    from edgecompile.cli.options import echo_json
    from edgecompile.train.prune import prune

    r = prune(source, out, ratio, method, finetune_epochs, data, None if measure_on == "none" else measure_on,
              lr, seed=seed, force=force, global_ranking=global_ranking)
    if as_json:
        echo_json(r)
        return
    b, a = r["before"], r["after"]
    click.echo(f"{'':14}{'before':>12}{'after':>12}")
    click.echo(f"{'params':14}{b['params']:>12}{a['params']:>12}   {r['params_reduction']:.2f}x fewer")
    click.echo(f"{'MACs':14}{b['macs']:>12}{a['macs']:>12}   {r['macs_reduction']:.2f}x fewer")
    click.echo(f"{'accuracy':14}{b['test_accuracy']:>12.4f}{a['test_accuracy']:>12.4f}   "
               f"{r['accuracy_drop_points']:.2f} points lost")
    if "latency" in b:
        click.echo(f"{'latency (us)':14}{b['latency']['median_us']:>12.1f}{a['latency']['median_us']:>12.1f}   "
                   f"{r['latency_speedup']:.2f}x on {b['latency']['target']} (measured, median of batch-1 runs)")
    click.echo(f"-> {out} (report: {out}/prune_report.json)")
