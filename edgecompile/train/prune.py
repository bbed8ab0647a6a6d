"""Structured channel pruning with torch-pruning's dependency graph, recovery fine-tuning, and a
before/after report of params, MACs, accuracy and latency measured on a real backend.

The dependency graph removes coupled channels together: both sides of a residual add, a
depthwise conv's groups with its input, and the Linear that reads a flattened feature map.
"""
from __future__ import annotations

import copy
import json
import tempfile
import time
from pathlib import Path

import numpy as np

from edgecompile.errors import UsageError
from edgecompile.train import bundle as bundles

METHODS = ("l1", "taylor")
LATENCY_RUNS = 600  # batch-1 runs timed per model after warm-up; the median is reported
LATENCY_ROUNDS = 20  # before/after alternate in this many rounds
TAYLOR_BATCHES = 8  # batches whose gradients score channels for --method taylor


def prune_model(net, in_shape, ratio: float, method: str, data=None, seed: int = 0, global_ranking: bool = False):
    """Physically remove `ratio` of the channels (the classifier keeps its outputs): of every layer, or
    with `global_ranking` of all layers together, ranked across layers (each keeps at least 20%)."""
    import torch
    import torch.nn.functional as F
    import torch_pruning as tp

    from edgecompile.train.zoo import classifier

    example = torch.rand(1, *in_shape)
    importance = tp.importance.GroupMagnitudeImportance(p=1) if method == "l1" else tp.importance.GroupTaylorImportance()
    pruner = tp.pruner.MetaPruner(net, example, importance=importance, pruning_ratio=ratio,
                                  global_pruning=global_ranking, max_pruning_ratio=0.8,
                                  ignored_layers=[classifier(net)])
    if method == "taylor":  # first-order saliency needs gradients of the loss
        net.train()
        net.zero_grad()
        for i, (x, y) in enumerate(data.batches(0, 64, seed)):
            if i == TAYLOR_BATCHES:
                break
            F.cross_entropy(net(x), y).backward()
    pruner.step()
    net.zero_grad(set_to_none=True)
    return net


def cost(net, in_shape) -> dict:
    import torch
    import torch_pruning as tp

    net.eval()
    macs, params = tp.utils.count_ops_and_params(net, torch.rand(1, *in_shape))
    return {"params": int(params), "macs": int(macs)}


def _runner(net, in_shape, target: str, tmp: Path):
    """A zero-argument callable running `net` once at batch 1 on `target`.

    onnxruntime: an InferenceSession in this process (one intra-op thread: batch-1 edge latency);
    any other target: the build driver (compile + verify) and that artifact's runner.
    """
    import torch

    from edgecompile.frontends import sha256_bytes
    from edgecompile.frontends.torch import export

    net.eval()
    loaded = export(net, (torch.rand(1, *in_shape),), "pruning candidate", sha256_bytes(b"prune"), "pytorch")
    x = np.random.default_rng(0).random((1, *in_shape), dtype=np.float32)
    if target == "onnxruntime":
        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 1
        sess = ort.InferenceSession(loaded.model.SerializeToString(), opts, providers=["CPUExecutionProvider"])
        return lambda: sess.run(None, {"input": x})
    from edgecompile import build
    from edgecompile.core.tensor import encode

    tmp.mkdir(parents=True)
    (tmp / "m.onnx").write_bytes(loaded.model.SerializeToString())
    report = build(str(tmp / "m.onnx"), [target], out=tmp / "out", force=True)
    if not report.ok:
        raise UsageError(f"--measure-on {target}: the build failed: {report.results[0].error}")
    art = report.artifacts()[0]
    runner = art.load()
    feeds = {s.name: encode(x, s) for s in art.inputs}
    return lambda: runner.run(feeds)


def measure_latency(nets: dict, in_shape, target: str = "onnxruntime") -> dict:
    """Median and p90 batch-1 latency (us) per named model, measured in interleaved rounds so
    that load on the machine falls on every model alike."""
    with tempfile.TemporaryDirectory() as tmp:
        runs = {name: _runner(net, in_shape, target, Path(tmp) / name) for name, net in nets.items()}
        times: dict[str, list[float]] = {name: [] for name in runs}
        for run in runs.values():
            for _ in range(30):  # warm-up
                run()
        for _ in range(LATENCY_ROUNDS):
            for name, run in runs.items():
                for _ in range(LATENCY_RUNS // LATENCY_ROUNDS):
                    t0 = time.perf_counter()
                    run()
                    times[name].append(time.perf_counter() - t0)
    return {name: {"target": target, "median_us": round(float(np.median(t)) * 1e6, 2),
                   "p90_us": round(float(np.percentile(t, 90)) * 1e6, 2), "runs": len(t)} for name, t in times.items()}


def prune(source: str, out: str, ratio: float = 0.5, method: str = "l1", finetune_epochs: int = 3,
          data_spec: str | None = None, measure_on: str | None = "onnxruntime", lr: float = 3e-3,
          batch_size: int = 64, seed: int = 0, force: bool = False, global_ranking: bool = False) -> dict:
    """Prune the run in `source` into `out`; returns the before/after report (also saved as prune_report.json)."""
    import torch

    from edgecompile.train.data import open_data
    from edgecompile.train.train import TrainConfig, check, evaluate, fit, fits

    if not 0 < ratio < 1:
        raise UsageError(f"--ratio must be between 0 and 1 (exclusive), not {ratio}.")
    if method not in METHODS:
        raise UsageError(f"--method must be one of {', '.join(METHODS)}, not '{method}'.")
    if finetune_epochs < 0:
        raise UsageError("--finetune-epochs must be >= 0.")
    b = bundles.load(Path(source))
    if b.get("hf") or b.get("lora"):
        raise UsageError(f"prune takes runs of the built-in architectures; '{source}' is a "
                         f"{'transformers' if b.get('hf') else 'LoRA (merge it first with finetune --merge)'} run.")
    data = open_data(data_spec or (b.get("data") or {}).get("spec") or "digits")
    fits(b, data, "prune")
    cfg = TrainConfig(out=out, data=data.spec, epochs=max(1, finetune_epochs), batch_size=batch_size, lr=lr,
                      seed=seed, force=force, extra={"pruned_from": str(source),
                                 "prune": {"ratio": ratio, "method": method, "global": global_ranking}})
    check(cfg, data, fresh_arch=False)
    in_shape = tuple(b["in_shape"])
    net = bundles.build_model(b, f"'{source}'")

    def snapshot(model) -> dict:
        return {**cost(model, in_shape), "test_accuracy": evaluate(model, data.x_test, data.y_test)}

    before = snapshot(net)
    original = copy.deepcopy(net)
    torch.manual_seed(seed)
    net = prune_model(net, in_shape, ratio, method, data, seed, global_ranking)
    pruned_acc = evaluate(net, data.x_test, data.y_test)
    record = {"kind": "model", "arch": b["arch"], "arch_args": b["arch_args"]}
    if finetune_epochs:
        fit(cfg, net, data, record)
    else:
        bundles.save(Path(out), {**bundles.model_record(net, b), "data": data.describe(), **cfg.extra})
    after = snapshot(net)
    if measure_on:
        lat = measure_latency({"before": original, "after": net}, in_shape, measure_on)
        before["latency"], after["latency"] = lat["before"], lat["after"]
    report = {"ratio": ratio, "method": method, "global": global_ranking, "finetune_epochs": finetune_epochs,
              "before": before,
              "after_prune_no_finetune": {"test_accuracy": pruned_acc}, "after": after,
              "macs_reduction": before["macs"] / max(1, after["macs"]),
              "params_reduction": before["params"] / max(1, after["params"]),
              "accuracy_drop_points": 100 * (before["test_accuracy"] - after["test_accuracy"])}
    if measure_on:
        report["latency_speedup"] = before["latency"]["median_us"] / max(1e-9, after["latency"]["median_us"])
    saved = bundles.load(Path(out))
    bundles.save(Path(out), {**saved, "prune_report": report,
                             "metrics": {**saved.get("metrics", {}), "test_accuracy": after["test_accuracy"]}})
    (Path(out) / "prune_report.json").write_text(json.dumps(report, indent=2) + "\n")
    return report
