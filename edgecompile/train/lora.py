"""LoRA fine-tuning through `peft` on Linear and Conv2d layers, with an optional merge.

Sources: an edgecompile run folder, or a Hugging Face `transformers` classifier from a local
folder (config.json + weights) or from a config.json alone (fresh weights). Nothing is
downloaded: transformers is asked for local files only.
"""
from __future__ import annotations

import json
from pathlib import Path

from edgecompile.errors import ModelLoadError, UsageError
from edgecompile.train import bundle as bundles

MERGE_TOL = 1e-5  # merged model vs adapter model, max abs error on the test split
_HF_HEADS = {"vit": "ViTForImageClassification", "deit": "ViTForImageClassification",
             "bert": "BertForSequenceClassification"}


def default_targets(net) -> list[str]:
    """Every Linear and non-grouped Conv2d (peft's Conv LoRA does not take depthwise groups)."""
    import torch.nn as nn

    return [n for n, m in net.named_modules()
            if isinstance(m, nn.Linear) or (isinstance(m, nn.Conv2d) and m.groups == 1)]


def check_targets(net, names: list[str]) -> list[str]:
    import torch.nn as nn

    modules = dict(net.named_modules())
    found = [n for n in modules if any(n == t or n.endswith("." + t) for t in names)]
    bad = [n for n in found if not isinstance(modules[n], (nn.Linear, nn.Conv2d))]
    missing = [t for t in names if not any(n == t or n.endswith("." + t) for n in modules)]
    if missing or bad:
        raise UsageError(f"--target-modules: {', '.join(missing + bad)} "
                         f"{'are not' if len(missing + bad) > 1 else 'is not'} Linear or Conv2d layers of the model. "
                         f"Candidates: {', '.join(default_targets(net)[:20])}.")
    return found


def open_source(source: str) -> tuple[object, dict]:
    """(base network, bundle fields) for a run folder, a HF model folder or a HF config.json."""
    path = Path(source)
    if (path / bundles.CHECKPOINT).is_file() or path.suffix == ".pt":
        b = bundles.load(path)
        net = bundles.build_model(b, f"'{source}'")
        if b.get("lora"):
            net = net.merge_and_unload()  # LoRA on LoRA: start from the merged weights
        return net, {k: b.get(k) for k in ("arch", "arch_args", "hf", "in_shape", "classes", "preprocessing")}
    if (path.is_dir() and (path / "config.json").is_file()) or path.name.endswith(".json"):
        return _hf_source(path)
    if not path.exists():
        raise ModelLoadError(f"'{source}' does not exist.")
    raise ModelLoadError(f"'{source}' is neither a training run folder (checkpoint.pt) nor a Hugging Face model "
                         f"folder or config.json.")


def _hf_source(path: Path) -> tuple[object, dict]:
    import transformers

    folder = path if path.is_dir() else path.parent
    cfg_file = path / "config.json" if path.is_dir() else path
    try:
        raw = json.loads(cfg_file.read_text())
        config = transformers.AutoConfig.for_model(**raw)
    except Exception as e:
        raise ModelLoadError(f"'{cfg_file}' is not a readable transformers config: {e}") from e
    name = (raw.get("architectures") or [_HF_HEADS.get(config.model_type, "")])[0]
    cls = getattr(transformers, name, None)
    if cls is None or not name.endswith(("ForImageClassification", "ForSequenceClassification")):
        raise ModelLoadError(f"'{cfg_file}': need an image or sequence classifier, not '{name or config.model_type}'.")
    config._attn_implementation = "eager"  # exportable attention
    has_weights = path.is_dir() and any((folder / f).is_file() for f in ("model.safetensors", "pytorch_model.bin"))
    try:
        model = (cls.from_pretrained(str(folder), config=config, local_files_only=True) if has_weights
                 else cls(config))
    except Exception as e:
        raise ModelLoadError(f"Loading the transformers model in '{folder}' failed: {str(e).splitlines()[0]}") from e
    if not name.endswith("ForImageClassification"):
        raise UsageError(f"'{name}' takes token ids; the training data sources here are images. "
                         f"Use an image classifier (e.g. ViTForImageClassification).")
    in_shape = [config.num_channels, config.image_size, config.image_size]
    classes = [config.id2label[i] for i in range(config.num_labels)]
    hf = {"class": name, "config": config.to_dict()}
    return bundles.hf_classifier(hf, model), {"hf": hf, "in_shape": in_shape, "classes": classes,
                                              "preprocessing": {"layout": "NCHW", "scale": 1.0, "mean": 0.0, "std": 1.0}}


def trainable(net) -> tuple[int, int]:
    return (sum(p.numel() for p in net.parameters() if p.requires_grad), sum(p.numel() for p in net.parameters()))


def finetune(source: str, data_spec: str, out: str, r: int = 8, alpha: int = 16, target_modules=None,
             modules_to_save=None, merge: bool = False, epochs: int = 5, batch_size: int = 64, lr: float = 1e-2,
             seed: int = 0, force: bool = False) -> dict:
    """LoRA fine-tune `source` on `data_spec` into `out`; with `merge`, `out` holds a plain checkpoint."""
    import torch

    from edgecompile.train.data import open_data
    from edgecompile.train.train import TrainConfig, check, evaluate, fit, fits

    if r < 1 or alpha <= 0:
        raise UsageError(f"--lora-r must be >= 1 and --lora-alpha > 0 (got {r}, {alpha}).")
    base, record = open_source(source)
    data = open_data(data_spec)
    fits(record, data, "finetune")
    targets = check_targets(base, list(target_modules) if target_modules else default_targets(base))
    if modules_to_save is None and record.get("hf"):
        modules_to_save = ["classifier"]  # a fresh HF head must learn the classes
    cfg = TrainConfig(out=out, data=data_spec, epochs=epochs, batch_size=batch_size, lr=lr, seed=seed, force=force,
                      extra={"base_source": str(source)})
    check(cfg, data, fresh_arch=False)
    lora = {"r": r, "alpha": alpha, "target_modules": targets, "modules_to_save": list(modules_to_save or [])}
    structure = bundles.structure(base)
    torch.manual_seed(seed)
    net = bundles.wrap(base, lora)
    n_train, n_all = trainable(net)
    metrics = fit(cfg, net, data, {"kind": "lora", **record, "lora": lora, "structure": structure})
    metrics.update(trainable_params=n_train, total_params=n_all, trainable_fraction=n_train / n_all)
    net.save_pretrained(str(Path(out) / bundles.ADAPTER_DIR))
    saved = bundles.load(Path(out))
    if merge:
        net.eval()
        x = torch.from_numpy(data.x_test[:256])
        with torch.no_grad():
            adapter_out = net(x)
            merged = net.merge_and_unload()
            err = float((merged(x) - adapter_out).abs().max())
        if err > MERGE_TOL:
            raise ModelLoadError(f"Merged LoRA weights differ from the adapter model by {err:.3g} (> {MERGE_TOL}).")
        metrics.update(merge_max_abs_err=err, merged=True, test_accuracy=evaluate(merged, data.x_test, data.y_test))
        plain = bundles.model_record(merged, record)
        bundles.save(Path(out), {**plain, "lora_merged": lora, "metrics": metrics, "history": saved["history"],
                                 "data": saved.get("data"), "base_source": str(source)})
    else:
        bundles.save(Path(out), {**saved, "metrics": metrics})
    return metrics
