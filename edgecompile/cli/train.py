"""edgecompile train --arch ARCH --data DATA --out RUN/"""
from __future__ import annotations

import click

from edgecompile.cli.options import COUNT, FiniteFloat, SEED

ARCH_NAMES = ("mlp", "tinycnn", "dscnn", "mobilenet-tiny", "resnet8")  # zoo.ARCHS, without importing torch


@click.command("train")
@click.option("--arch", required=True, help=f"Architecture: {', '.join(ARCH_NAMES)}.")
@click.option("--data", default=None,
              help="'digits' (default), 'digits-shifted', x/y .npz, an image folder, or shards like "
                   "'dir/{000000..000009}.tar'. With --resume: the run's own data unless given.")
@click.option("--epochs", type=COUNT, default=15, show_default=True)
@click.option("--batch-size", type=COUNT, default=64, show_default=True, help="Global batch (split across --nproc).")
@click.option("--lr", type=FiniteFloat(0, lo_open=True), default=3e-3, show_default=True, help="Peak learning rate (one-cycle).")
@click.option("--width", type=click.IntRange(1, 4096), default=None, help="Architecture width (default: the architecture's own).")
@click.option("--amp", type=click.Choice(["bf16", "fp16"]), default=None, help="Mixed precision: bf16 (CPU/CUDA), fp16 (CUDA).")
@click.option("--seed", type=SEED, default=0, show_default=True)
@click.option("--nproc", type=click.IntRange(1, 256), default=1, show_default=True, help="Processes for DistributedDataParallel.")
@click.option("--threads", type=click.IntRange(1, 1024), default=None, help="Intra-op threads per process (default: 1 for tiny inputs, else cores / processes).")
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto", show_default=True)
@click.option("--resume", is_flag=True, help="Continue the interrupted run in --out.")
@click.option("--force", is_flag=True, help="Allow --nproc above the CPU count; replace an existing run.")
@click.option("--stop-after", type=click.IntRange(1, 10_000_000), default=None, hidden=True, help="Stop after N epochs as if interrupted.")
@click.option("--out", "-o", required=True, help="Run folder (checkpoint.pt, run.json, tb/).")
def command(arch, data, epochs, batch_size, lr, width, amp, seed, nproc, threads, device, resume, force, stop_after, out):
    """Train ARCH on DATA into a run folder that `edgecompile build RUN/` takes directly."""
    from edgecompile.train.train import TrainConfig, train

    if resume:  # the stored configuration wins; only the run folder and stop are taken from here
        from pathlib import Path

        from edgecompile.train import bundle

        prev = bundle.load(Path(out)).get("train_state", {}).get("config", {})
        if prev and prev.get("arch") != arch:
            from edgecompile.errors import UsageError

            raise UsageError(f"--resume: '{out}' trains {prev.get('arch')}, not {arch}.")
        cfg = TrainConfig(**{**prev, "out": out, "resume": True, "data": data or prev.get("data", "digits"),
                             "stop_after": stop_after,
                             "nproc": nproc, "force": force, "threads": threads or prev.get("threads")})
    else:
        cfg = TrainConfig(out=out, arch=arch, data=data or "digits", epochs=epochs, batch_size=batch_size, lr=lr, width=width,
                          seed=seed, amp=amp, nproc=nproc, threads=threads, device=device, force=force, stop_after=stop_after)
    m = train(cfg)
    if not m:  # torchrun: ranks other than 0 stay quiet
        return
    click.echo(f"{cfg.arch} on {cfg.data}: test accuracy {m['test_accuracy']:.4f} after {m['epochs']} epochs "
               f"in {m['train_seconds']:.1f} s ({m['params']} parameters) -> {out}")


if __name__ == "__main__":  # torchrun --nproc-per-node N -m edgecompile.cli.train ...
    import sys

    from edgecompile.errors import EdgeCompileError

    try:
        command(prog_name="python -m edgecompile.cli.train", standalone_mode=False)
    except EdgeCompileError as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(e.exit_code)
