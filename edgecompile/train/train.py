"""The training loop. Reads top to bottom: config, checks, setup, resume, loop, checkpoint.

One process:    edgecompile train --arch tinycnn --data digits --out runs/a
Several (CPU):  edgecompile train ... --nproc 2           (spawns workers, gloo)
torchrun:       torchrun --nproc-per-node 2 -m edgecompile.cli.train --arch tinycnn --data digits --out runs/a
`finetune` (LoRA) and `prune` (recovery) call `fit` with a model of their own.
"""
from __future__ import annotations

import dataclasses
import os
import shutil
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path

from edgecompile.errors import UsageError
from edgecompile.train import bundle as bundles


@dataclass(frozen=True)
class TrainConfig:
    out: str  # run folder: checkpoint.pt, run.json, tb/ (TensorBoard events)
    arch: str = "tinycnn"  # a name from zoo.ARCHS
    data: str = "digits"  # data.open_data spec
    epochs: int = 15  # passes over the training split
    batch_size: int = 64  # global batch: split across processes
    lr: float = 3e-3  # peak learning rate of the one-cycle schedule
    weight_decay: float = 1e-4  # AdamW
    width: int | None = None  # architecture width (None: the zoo default)
    seed: int = 0  # model init, data order, dropout
    amp: str | None = None  # None, "bf16" (CPU or CUDA autocast) or "fp16" (CUDA, with a grad scaler)
    nproc: int = 1  # processes for DistributedDataParallel
    device: str = "auto"  # "auto", "cpu" or "cuda"
    resume: bool = False  # continue the run in `out` from its last checkpoint
    force: bool = False  # allow --nproc above the CPU count; replace a finished run in `out`
    stop_after: int | None = None  # stop after this many epochs in this call, as if interrupted (tests)
    tensorboard: bool = True  # write tb/ event files (needs the tensorboard package, extra [train])
    threads: int | None = None  # intra-op threads per process; None: 1 for tiny inputs, else cores / processes
    extra: dict = field(default_factory=dict)  # fields copied into the bundle (finetune/prune provenance)


def cpu_count() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def check(cfg: TrainConfig, data=None, fresh_arch: bool = True):
    """Every refusal happens here, before a process starts or a weight moves."""
    from edgecompile.train import zoo
    from edgecompile.train.data import open_data

    if cfg.amp not in (None, "bf16", "fp16"):
        raise UsageError(f"--amp takes bf16 or fp16, not '{cfg.amp}'.")
    if cfg.amp == "fp16" and _device(cfg) == "cpu":
        raise UsageError("--amp fp16 needs a CUDA GPU (it uses a grad scaler); on CPU use --amp bf16.")
    if cfg.nproc < 1 or (cfg.nproc > cpu_count() and not cfg.force):
        raise UsageError(f"--nproc {cfg.nproc} is more than the {cpu_count()} CPU cores here; "
                         f"pass --force to oversubscribe.")
    if cfg.epochs < 1 or cfg.batch_size < cfg.nproc or cfg.batch_size % cfg.nproc:
        raise UsageError(f"Need --epochs >= 1 and a --batch-size divisible by --nproc ({cfg.batch_size}, {cfg.nproc}).")
    data = data or open_data(cfg.data)
    if fresh_arch:  # finetune and prune bring their own model
        zoo.arch_args(cfg.arch, data.in_shape, len(data.classes), cfg.width)
    ckpt = bundles.checkpoint_path(Path(cfg.out))
    if cfg.resume:
        if not ckpt.is_file():
            raise UsageError(f"--resume: '{cfg.out}' holds no checkpoint to continue.")
        prev = bundles.load(Path(cfg.out))
        if "train_state" not in prev:
            raise UsageError(f"--resume: '{cfg.out}' is a finished export with no training state.")
        fits(prev, data, "--resume")
    elif ckpt.is_file() and not cfg.force:
        raise UsageError(f"'{cfg.out}' already holds a run: pass --resume to continue it or --force to replace it.")
    if data.n_train < cfg.batch_size:
        raise UsageError(f"--batch-size {cfg.batch_size} exceeds the {data.n_train} training samples of '{cfg.data}'.")
    return data


def fits(bundle: dict, data, what: str) -> None:
    """Data must match the checkpoint's input shape and class count."""
    if list(data.in_shape) != list(bundle["in_shape"]):
        raise UsageError(f"{what}: the data's samples are {tuple(data.in_shape)} but the checkpoint takes "
                         f"{tuple(bundle['in_shape'])}.")
    if len(data.classes) != len(bundle["classes"]):
        raise UsageError(f"{what}: the data has {len(data.classes)} classes but the checkpoint has "
                         f"{len(bundle['classes'])}.")


def _device(cfg: TrainConfig) -> str:
    import torch

    if cfg.device == "cuda" and not torch.cuda.is_available():
        raise UsageError("--device cuda: no CUDA GPU is visible.")
    return "cuda" if cfg.device == "cuda" or (cfg.device == "auto" and torch.cuda.is_available()) else "cpu"


def train(cfg: TrainConfig) -> dict:
    """Train (or resume) `cfg.arch` on `cfg.data` into `cfg.out`; returns the final metrics."""
    data = check(cfg)
    if cfg.nproc > 1 and "WORLD_SIZE" not in os.environ:
        import torch.multiprocessing as mp

        with socket.socket() as s:  # a free port for the rendezvous
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        mp.spawn(_spawned, args=(cfg, port), nprocs=cfg.nproc, join=True)
        return bundles.load(Path(cfg.out))["metrics"]
    return fit(cfg, data=data)


def _spawned(rank: int, cfg: TrainConfig, port: int) -> None:
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), RANK=str(rank), LOCAL_RANK=str(rank),
                      WORLD_SIZE=str(cfg.nproc), LOCAL_WORLD_SIZE=str(cfg.nproc))
    fit(cfg)


def fit(cfg: TrainConfig, net=None, data=None, record: dict | None = None) -> dict:
    import numpy as np
    import torch
    import torch.distributed as dist
    import torch.nn.functional as F

    from edgecompile.train import zoo
    from edgecompile.train.data import open_data

    # --- processes: torchrun and --nproc both arrive here with RANK / WORLD_SIZE set
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    device = _device(cfg)
    if world > 1:
        local = int(os.environ.get("LOCAL_RANK", "0"))
        if device == "cuda":
            torch.cuda.set_device(local)
            device = f"cuda:{local}"
        dist.init_process_group("nccl" if device.startswith("cuda") else "gloo")
    data = data or open_data(cfg.data)
    # Tiny inputs are overhead-bound: one thread is as fast, and a thread pool on busy cores stalls
    # (OpenMP spin-waits; measured 10x slower epochs on a loaded 2-core machine).
    threads_before = torch.get_num_threads()
    per_proc = max(1, cpu_count() // int(os.environ.get("LOCAL_WORLD_SIZE", world)))
    small = int(np.prod(data.in_shape)) <= 1024
    torch.set_num_threads(cfg.threads or (1 if small else per_proc))
    if cfg.batch_size % world:
        raise UsageError(f"--batch-size {cfg.batch_size} does not split evenly over {world} processes.")

    # --- model, optimizer, schedule: all seeded, so the same seed and data give the same weights
    torch.manual_seed(cfg.seed)
    if net is None:
        args = zoo.arch_args(cfg.arch, data.in_shape, len(data.classes), cfg.width)
        net = zoo.build(cfg.arch, args)
        record = {"kind": "model", "arch": cfg.arch, "arch_args": args}
    record = {**(record or {}), "in_shape": list(data.in_shape), "classes": data.classes,
              "preprocessing": data.preprocessing, "data": data.describe(), **cfg.extra}
    net = net.to(device)
    steps = data.steps_per_epoch(cfg.batch_size)
    params = [p for p in net.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=cfg.lr, total_steps=cfg.epochs * steps)
    history, step_loss, start_epoch, seconds = [], [], 0, 0.0

    # --- resume: weights, optimizer, schedule, RNG and curves from the last complete epoch
    if cfg.resume:
        prev = bundles.load(Path(cfg.out))
        net.load_state_dict(prev["state_dict"])
        state = prev["train_state"]
        opt.load_state_dict(state["optimizer"])
        sched.load_state_dict(state["scheduler"])
        torch.set_rng_state(state["torch_rng"])
        start_epoch, seconds = state["epoch"], state["seconds"]
        history, step_loss = prev.get("history", []), state["step_loss"]

    ddp_devices = [torch.cuda.current_device()] if device.startswith("cuda") else None
    model = torch.nn.parallel.DistributedDataParallel(net, device_ids=ddp_devices) if world > 1 else net
    amp = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(cfg.amp)
    scaler = torch.amp.GradScaler("cuda") if cfg.amp == "fp16" else None
    writer = None
    if rank == 0 and cfg.tensorboard:
        from edgecompile.train.events import ScalarWriter

        if not cfg.resume:  # a replaced run (--force) starts a clean curve
            shutil.rmtree(Path(cfg.out) / "tb", ignore_errors=True)
        writer = ScalarWriter(Path(cfg.out) / "tb")

    # --- the loop
    for epoch in range(start_epoch, cfg.epochs):
        if cfg.stop_after is not None and epoch - start_epoch >= cfg.stop_after:
            break
        t0, epoch_losses = time.perf_counter(), []
        model.train()
        for i, (x, y) in enumerate(data.batches(epoch, cfg.batch_size, cfg.seed, rank, world)):
            x, y = x.to(device), y.to(device)
            with torch.autocast(device.split(":")[0], dtype=amp, enabled=amp is not None):
                loss = F.cross_entropy(model(x), y)
            opt.zero_grad(set_to_none=True)
            if scaler:
                scaler.scale(loss).backward()
                scaler.step(opt)
                scaler.update()
            else:
                loss.backward()
                opt.step()
            sched.step()
            logged = loss.detach().float()
            if world > 1:  # the global batch's loss: mean over ranks of equal-sized slices
                dist.all_reduce(logged)
                logged /= world
            step_loss.append(float(logged))
            epoch_losses.append(float(logged))
            if writer:
                writer.scalar("train/loss", step_loss[-1], epoch * steps + i)
                writer.scalar("train/lr", sched.get_last_lr()[0], epoch * steps + i)
        seconds += time.perf_counter() - t0
        acc = evaluate(net, data.x_test, data.y_test, device)
        history.append({"epoch": epoch + 1, "loss": sum(epoch_losses) / max(1, len(epoch_losses)),
                        "test_accuracy": acc, "lr": sched.get_last_lr()[0], "seconds": round(seconds, 3)})
        if writer:
            writer.scalar("test/accuracy", acc, (epoch + 1) * steps)
            writer.scalar("train/epoch_loss", history[-1]["loss"], (epoch + 1) * steps)
            writer.flush()
        # --- checkpoint every epoch, atomically, from rank 0 only
        if rank == 0:
            metrics = {"test_accuracy": acc, "train_loss": history[-1]["loss"], "epochs": epoch + 1,
                       "train_seconds": round(seconds, 3), "params": zoo.count_params(net),
                       "world_size": world, "amp": cfg.amp, "complete": epoch + 1 == cfg.epochs}
            state = {"epoch": epoch + 1, "optimizer": opt.state_dict(), "scheduler": sched.state_dict(),
                     "torch_rng": torch.get_rng_state(), "seconds": seconds, "step_loss": step_loss,
                     "config": {k: v for k, v in dataclasses.asdict(cfg).items() if k not in ("extra", "stop_after")}}
            sd = {k: v.detach().cpu().clone() for k, v in net.state_dict().items()}
            bundles.save(Path(cfg.out), {**record, "structure": record.get("structure") or bundles.structure(net),
                                         "state_dict": sd,
                                         "metrics": metrics, "history": history, "train_state": state})
        if world > 1:
            dist.barrier()
    if writer:
        writer.close()
    if world > 1:
        dist.destroy_process_group()
    torch.set_num_threads(threads_before)
    return bundles.load(Path(cfg.out))["metrics"] if rank == 0 else {}


def evaluate(net, x, y, device: str = "cpu", batch: int = 512) -> float:
    """Top-1 accuracy of `net` (eval mode) on arrays x, y."""
    import numpy as np
    import torch

    net.eval()
    hits = 0
    with torch.no_grad():
        for i in range(0, len(x), batch):
            out = net(torch.from_numpy(np.ascontiguousarray(x[i:i + batch])).to(device))
            hits += int((out.argmax(1).cpu().numpy() == y[i:i + batch]).sum())
    return hits / max(1, len(y))
