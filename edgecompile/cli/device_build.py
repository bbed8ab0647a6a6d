"""edgecompile device-build ARTIFACT"""
from __future__ import annotations

import click

from edgecompile.cli.options import echo_json, json_option


@click.command("device-build")
@click.argument("artifact")
@json_option
def command(artifact, as_json):
    """Finish ARTIFACT on the machine it is for: tensorrt builds its engine here (TensorRT + an NVIDIA GPU),
    checks it against ONNX Runtime and records GPU, compute capability and TensorRT version."""
    from edgecompile.artifact import Artifact
    from edgecompile.backends import get_backend
    from edgecompile.errors import UsageError

    art = Artifact.open(artifact)
    backend = get_backend(art.backend)
    if not hasattr(backend, "device_build"):
        raise UsageError(f"{artifact} ({art.backend}) is complete as built; device-build only finishes tensorrt artifacts.")
    block = backend.device_build(art)
    if as_json:
        echo_json(block)
        return
    engine = Artifact.open(artifact).manifest["backend_details"]["engine"]
    click.echo(f"{artifact}: engine built for {engine['gpu']} (compute {engine['compute_capability']}, "
               f"TensorRT {engine['tensorrt']})")
    for c in block["checks"]:
        click.echo(f"  batch {c['batch']} {c['output']}: max abs {c['max_abs_err']:.3g}, cosine {c['cosine']:.6f}"
                   + (f", top-1 {c['top1_agreement']:.3f}" if c["top1_agreement"] is not None else ""))
