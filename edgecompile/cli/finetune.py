"""edgecompile finetune RUN/ --data DATA --lora-r 8 --lora-alpha 16 [--merge] --out RUN2/"""
from __future__ import annotations

import click

from edgecompile.cli.options import COUNT, FiniteFloat, SEED


@click.command("finetune")
@click.argument("source")
@click.option("--data", required=True, help="Data to fine-tune on (same forms as 'train --data').")
@click.option("--lora-r", type=click.IntRange(1, 4096), default=8, show_default=True, help="LoRA rank.")
@click.option("--lora-alpha", type=FiniteFloat(0, lo_open=True), default=16, show_default=True, help="LoRA scaling numerator (alpha / r).")
@click.option("--target-modules", multiple=True, help="Layer names to adapt (repeatable; default: every Linear and Conv2d).")
@click.option("--modules-to-save", multiple=True, help="Layers trained in full beside the adapters (e.g. classifier).")
@click.option("--merge", is_flag=True, help="Merge the adapters: OUT holds a plain checkpoint (adapters kept in OUT/adapter).")
@click.option("--epochs", type=COUNT, default=5, show_default=True)
@click.option("--batch-size", type=COUNT, default=64, show_default=True)
@click.option("--lr", type=FiniteFloat(0, lo_open=True), default=1e-2, show_default=True)
@click.option("--seed", type=SEED, default=0, show_default=True)
@click.option("--force", is_flag=True, help="Replace an existing run in OUT.")
@click.option("--out", "-o", required=True)
def command(source, data, lora_r, lora_alpha, target_modules, modules_to_save, merge, epochs, batch_size, lr, seed,
            force, out):
    """LoRA fine-tune SOURCE: a run folder, a Hugging Face model folder, or a transformers config.json."""
    from edgecompile.train.lora import finetune

    m = finetune(source, data, out, lora_r, lora_alpha, list(target_modules) or None,
                 list(modules_to_save) if modules_to_save else None, merge, epochs, batch_size, lr, seed, force)
    click.echo(f"LoRA r={lora_r}: {m['trainable_params']} of {m['total_params']} parameters trainable "
               f"({100 * m['trainable_fraction']:.2f}%); test accuracy {m['test_accuracy']:.4f}"
               + (f"; merged (max abs error {m['merge_max_abs_err']:.2g})" if merge else "") + f" -> {out}")
