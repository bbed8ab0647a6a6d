"""Training run folders (edgecompile train / finetune / prune) -> ONNX, with no other flags.

The checkpoint bundle says how to rebuild the network; LoRA runs are merged before export.
Preprocessing and class names travel on in LoadedModel.metadata.
"""
from __future__ import annotations

from pathlib import Path

from edgecompile.errors import MissingExtraError, UsageError
from edgecompile.frontends import LoadedModel, sha256_bytes


def load(path: Path, weights, input_shapes: dict) -> LoadedModel:
    import importlib.util

    if weights:
        raise UsageError("--weights does not apply to a training run folder: its checkpoint carries the weights.")
    if importlib.util.find_spec("torch") is None:
        raise MissingExtraError("run-folder", "train", "torch is not installed")
    import torch

    from edgecompile.frontends.torch import export
    from edgecompile.train import bundle as bundles

    b = bundles.load(path)
    net = bundles.build_model(b, f"'{path}'")
    notes = []
    if b.get("lora"):
        net = net.merge_and_unload()
        notes.append("LoRA adapters merged into the base weights for export")
    if input_shapes:
        shape = input_shapes.get("*") or next(iter(input_shapes.values()))
    else:
        shape = (1, *b["in_shape"])
    g = torch.Generator().manual_seed(0)
    example = (torch.rand(*shape, generator=g),)  # inputs in the preprocessed range, [0, 1) for images
    digest = sha256_bytes(bundles.checkpoint_path(path).read_bytes())
    loaded = export(net, example, str(path), digest, "run-folder", notes)
    loaded.metadata = {"preprocessing": b.get("preprocessing", {}), "class_names": list(b["classes"]),
                       "arch": b.get("arch") or (b.get("hf") or {}).get("class"), "run_kind": b["kind"],
                       "metrics": b.get("metrics", {})}
    return loaded
