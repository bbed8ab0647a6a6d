"""The checkpoint bundle: one file, RUN/checkpoint.pt, that rebuilds the model with no other input.

It holds the weights, the architecture and its arguments (or a Hugging Face config), the layer
sizes after pruning, LoRA settings, preprocessing, class names, metrics and, while training,
the optimizer/scheduler/RNG state that `--resume` needs. It is written to a temporary file and
renamed into place, so an interrupted run leaves the previous checkpoint, never a truncated one.
RUN/run.json repeats everything but the tensors for people and tools.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from edgecompile.errors import ModelLoadError

FORMAT = "edgecompile-run"
VERSION = 1
CHECKPOINT = "checkpoint.pt"
SUMMARY = "run.json"
ADAPTER_DIR = "adapter"


def checkpoint_path(run: Path) -> Path:
    return Path(run) / CHECKPOINT


def save(run: Path, bundle: dict) -> Path:
    """Write atomically: save to a temporary name in the same folder, fsync, rename over."""
    import torch

    run = Path(run)
    run.mkdir(parents=True, exist_ok=True)
    final = run / CHECKPOINT
    tmp = run / f".{CHECKPOINT}.tmp-{os.getpid()}"
    try:
        with open(tmp, "wb") as f:
            torch.save({"format": FORMAT, "version": VERSION, **bundle}, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, final)
    finally:
        tmp.unlink(missing_ok=True)
    summary = {k: v for k, v in bundle.items() if k not in ("state_dict", "train_state")}
    tmp_json = run / f".{SUMMARY}.tmp-{os.getpid()}"
    tmp_json.write_text(json.dumps(summary, indent=2, sort_keys=True, default=str) + "\n")
    os.replace(tmp_json, run / SUMMARY)
    return final


def load(run: Path) -> dict:
    """Read and validate a bundle; a missing, corrupt or foreign file is a ModelLoadError."""
    import torch

    run = Path(run)
    path = run / CHECKPOINT if run.is_dir() else run
    if not path.is_file():
        raise ModelLoadError(f"'{run}' holds no {CHECKPOINT}: it is not an edgecompile training run folder.")
    try:
        bundle = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:
        raise ModelLoadError(f"Checkpoint '{path}' is corrupt or truncated: {str(e).splitlines()[0]}") from e
    if not isinstance(bundle, dict) or bundle.get("format") != FORMAT:
        raise ModelLoadError(f"Checkpoint '{path}' is not an edgecompile run bundle (a foreign checkpoint: "
                             f"no format '{FORMAT}'). Build plain PyTorch weights with 'file.py:Class --weights'.")
    if bundle.get("version", 0) > VERSION:
        raise ModelLoadError(f"Checkpoint '{path}' has bundle version {bundle['version']}; this edgecompile reads {VERSION}.")
    for key in ("kind", "state_dict", "in_shape", "classes"):
        if key not in bundle:
            raise ModelLoadError(f"Checkpoint '{path}' lacks '{key}': the bundle is damaged.")
    return bundle


# Structural attributes torch-pruning changes; stored so a pruned model can be rebuilt.
_ATTRS = {"Conv2d": ("in_channels", "out_channels", "groups"), "BatchNorm2d": ("num_features",),
          "Linear": ("in_features", "out_features")}


def structure(model) -> dict:
    import torch.nn as nn

    kinds = {nn.Conv2d: "Conv2d", nn.BatchNorm2d: "BatchNorm2d", nn.Linear: "Linear"}
    return {name: {a: getattr(m, a) for a in _ATTRS[kind]}
            for name, m in model.named_modules() for cls, kind in kinds.items() if isinstance(m, cls)}


def apply_structure(model, struct: dict, state_dict: dict) -> None:
    """Resize layers to the stored (pruned) sizes; tensors get their shapes from the state dict."""
    import torch

    modules = dict(model.named_modules())
    for name, attrs in struct.items():
        for a, v in attrs.items():
            setattr(modules[name], a, v)
    for key, value in state_dict.items():
        owner, _, leaf = key.rpartition(".")
        m = modules.get(owner)
        current = getattr(m, leaf, None) if m is not None else None
        if isinstance(current, torch.Tensor) and current.shape != value.shape:
            fresh = torch.empty(value.shape, dtype=value.dtype)
            if isinstance(current, torch.nn.Parameter):
                setattr(m, leaf, torch.nn.Parameter(fresh, requires_grad=current.requires_grad))
            else:
                m.register_buffer(leaf, fresh)


def hf_classifier(hf: dict, model=None):
    """A logits-only wrapper around a transformers classifier (its output objects confuse exporters)."""
    import torch
    import transformers

    if model is None:
        cls = getattr(transformers, hf["class"])
        config = cls.config_class.from_dict(hf["config"])
        config._attn_implementation = "eager"  # the exportable attention
        model = cls(config)

    class HFClassifier(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.hf = model

        def forward(self, x):
            key = "pixel_values" if x.is_floating_point() else "input_ids"
            return self.hf(**{key: x}).logits

    return HFClassifier()


def base_model(bundle: dict):
    """The network without LoRA: a zoo architecture (resized if pruned) or a transformers classifier."""
    from edgecompile.train import zoo

    if bundle.get("hf"):
        return hf_classifier(bundle["hf"])
    net = zoo.build(bundle["arch"], bundle["arch_args"])
    if bundle.get("structure"):
        sd = bundle["state_dict"]
        if bundle.get("lora"):  # peft keys: base_model.model.<name>[.base_layer].weight
            sd = {k.removeprefix("base_model.model.").replace(".base_layer.", "."): v
                  for k, v in sd.items() if "lora_" not in k}
        apply_structure(net, bundle["structure"], sd)
    return net


def build_model(bundle: dict, source: str = "checkpoint"):
    """nn.Module with the bundle's weights loaded (LoRA runs come back as the peft model)."""
    net = base_model(bundle)
    if bundle.get("lora"):
        net = wrap(net, bundle["lora"])
    try:
        net.load_state_dict(bundle["state_dict"])
    except RuntimeError as e:
        raise ModelLoadError(f"The weights in {source} do not fit its architecture: {str(e).splitlines()[0]}") from e
    return net


def wrap(net, lora: dict):
    """The peft model for `net` with the stored LoRA settings."""
    from peft import LoraConfig, get_peft_model

    cfg = LoraConfig(r=lora["r"], lora_alpha=lora["alpha"], target_modules=list(lora["target_modules"]),
                     lora_dropout=0.0, bias="none", modules_to_save=list(lora.get("modules_to_save") or []) or None)
    return get_peft_model(net, cfg)


def model_record(net, bundle_like: dict) -> dict:
    """The fields that describe a plain (non-LoRA) model, for a new bundle."""
    return {"kind": "hf" if bundle_like.get("hf") else "model", "arch": bundle_like.get("arch"),
            "arch_args": bundle_like.get("arch_args"), "hf": bundle_like.get("hf"), "structure": structure(net),
            "state_dict": {k: v.detach().clone() for k, v in net.state_dict().items()},
            "in_shape": bundle_like["in_shape"], "classes": bundle_like["classes"],
            "preprocessing": bundle_like.get("preprocessing", {})}
