"""Training-pipeline goals (issue 6), measured. Not a test.

    python benchmarks/train_goals.py [--out train_goals.json] [--quick]

1. tinycnn on digits with the CLI defaults: test accuracy and wall time of the whole
   `edgecompile train` process (interpreter start-up included). Goal: >= 97% in <= 60 s on 2 cores.
2. Pruning 50% of channels (l1, 3 recovery epochs): MACs ratio (goal >= 1.8x), accuracy drop
   (goal <= 1 point), and batch-1 onnxruntime latency before/after, measured in interleaved rounds.
   Run on tinycnn width 32 and on the default width 16 (l1 and taylor per layer, l1 ranked globally).
3. LoRA on digits-shifted (rotated 20-40 degrees + noise) from a tinycnn-32 trained on clean
   digits: <= 5% trainable parameters; accuracy vs full fine-tuning with the same epochs (goal >= 90%).
4. DDP: 2 gloo processes vs 1 with the same global batch, max step-loss difference.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def goal_train(tmp: Path) -> dict:
    t0 = time.perf_counter()
    subprocess.run(["edgecompile", "train", "--arch", "tinycnn", "--data", "digits", "--out", str(tmp / "t16")],
                   check=True, capture_output=True)
    wall = time.perf_counter() - t0
    m = json.loads((tmp / "t16" / "run.json").read_text())["metrics"]
    return {"test_accuracy": m["test_accuracy"], "wall_seconds": round(wall, 1), "loop_seconds": m["train_seconds"],
            "epochs": m["epochs"], "load_avg_1min": os.getloadavg()[0],
            "goal_met": m["test_accuracy"] >= 0.97 and wall <= 60}


def goal_prune(tmp: Path, base: Path, name: str, method: str = "l1", global_ranking: bool = False) -> dict:
    from edgecompile.train.prune import prune

    r = prune(str(base), str(tmp / f"p-{name}-{method}-{global_ranking}"), ratio=0.5, method=method,
              finetune_epochs=3, global_ranking=global_ranking)
    return {"base": name, "method": method, "global": global_ranking, "params": [r["before"]["params"], r["after"]["params"]],
            "macs": [r["before"]["macs"], r["after"]["macs"]], "macs_reduction": round(r["macs_reduction"], 2),
            "accuracy": [r["before"]["test_accuracy"], r["after"]["test_accuracy"]],
            "accuracy_drop_points": round(r["accuracy_drop_points"], 2),
            "ort_latency_us": [r["before"]["latency"]["median_us"], r["after"]["latency"]["median_us"]],
            "ort_latency_speedup": round(r["latency_speedup"], 2),
            "goal_met": r["macs_reduction"] >= 1.8 and r["accuracy_drop_points"] <= 1.0}


def goal_lora(tmp: Path, base: Path, epochs: int) -> dict:
    from edgecompile.train import bundle
    from edgecompile.train.data import open_data
    from edgecompile.train.lora import finetune
    from edgecompile.train.train import TrainConfig, evaluate, fit

    shifted = open_data("digits-shifted")
    b = bundle.load(base)
    before = evaluate(bundle.build_model(b), shifted.x_test, shifted.y_test)
    lora = finetune(str(base), "digits-shifted", str(tmp / "lora"), r=3, alpha=16, target_modules=["3", "7"],
                    merge=True, epochs=epochs)
    full = fit(TrainConfig(out=str(tmp / "full"), data="digits-shifted", epochs=epochs, lr=3e-3),
               bundle.build_model(b), shifted, {"kind": "model", "arch": b["arch"], "arch_args": b["arch_args"]})
    ratio = lora["test_accuracy"] / full["test_accuracy"]
    return {"base_on_shifted": before, "lora_accuracy": lora["test_accuracy"], "full_accuracy": full["test_accuracy"],
            "ratio": round(ratio, 3), "trainable_params": lora["trainable_params"],
            "total_params": lora["total_params"], "trainable_fraction": round(lora["trainable_fraction"], 4),
            "merge_max_abs_err": lora["merge_max_abs_err"], "epochs": epochs,
            "goal_met": ratio >= 0.9 and lora["trainable_fraction"] <= 0.05}


def ddp(tmp: Path) -> dict:
    import numpy as np

    from edgecompile.train import bundle
    from edgecompile.train.train import TrainConfig, train

    train(TrainConfig(out=str(tmp / "d1"), arch="mlp", epochs=2))
    train(TrainConfig(out=str(tmp / "d2"), arch="mlp", epochs=2, nproc=2, force=True))
    a, b = (np.array(bundle.load(tmp / d)["train_state"]["step_loss"]) for d in ("d1", "d2"))
    return {"steps": len(a), "max_step_loss_diff": float(np.max(np.abs(a - b)))}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=None, help="Write the figures as JSON here.")
    ap.add_argument("--quick", action="store_true", help="Skip the width-16 pruning rows and DDP.")
    args = ap.parse_args()
    from edgecompile.train.train import TrainConfig, train

    res: dict = {"cpus": len(os.sched_getaffinity(0))}
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        res["train_tinycnn_digits"] = goal_train(tmp)
        print(json.dumps(res["train_tinycnn_digits"]), flush=True)
        train(TrainConfig(out=str(tmp / "t32"), arch="tinycnn", width=32, epochs=15))
        res["prune"] = [goal_prune(tmp, tmp / "t32", "tinycnn-32")]
        if not args.quick:
            res["prune"] += [goal_prune(tmp, tmp / "t16", "tinycnn-16", m) for m in ("l1", "taylor")]
            res["prune"].append(goal_prune(tmp, tmp / "t16", "tinycnn-16", "l1", global_ranking=True))
        for row in res["prune"]:
            print(json.dumps(row), flush=True)
        res["lora"] = goal_lora(tmp, tmp / "t32", epochs=8)
        print(json.dumps(res["lora"]), flush=True)
        if not args.quick:
            res["ddp"] = ddp(tmp)
            print(json.dumps(res["ddp"]), flush=True)
    if args.out:
        Path(args.out).write_text(json.dumps(res, indent=2) + "\n")
    sys.exit(0 if all(r.get("goal_met", True) for r in [res["train_tinycnn_digits"], res["prune"][0], res["lora"]]) else 1)


if __name__ == "__main__":
    main()
