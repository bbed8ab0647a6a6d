"""edgecompile data pack SRC --out DIR --shard-size N"""
from __future__ import annotations

import click


@click.group("data")
def command():
    """Dataset tools."""


@command.command("pack")
@click.argument("source")
@click.option("--out", "-o", required=True, help="Folder for the shards (000000.tar, ...) and dataset.json.")
@click.option("--shard-size", type=click.IntRange(1, 10_000_000), default=1000, show_default=True, help="Samples per shard.")
def pack_command(source, out, shard_size):
    """Write SOURCE ('digits', an .npz, an image folder) as WebDataset tar shards."""
    from edgecompile.train.pack import pack

    meta = pack(source, out, shard_size)
    click.echo(f"{meta['counts']['train']} train + {meta['counts']['test']} test samples in {meta['shards']} "
               f"shards: --data '{meta['pattern']}'")
