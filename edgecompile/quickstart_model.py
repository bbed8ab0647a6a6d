"""The quickstart's model: a small CNN trained on scikit-learn's digits, exported to ONNX."""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from edgecompile.datasets import DIGITS_SHAPE, digits_split


@dataclass
class TrainedDigits:
    onnx_path: Path
    test_accuracy: float  # PyTorch model on the digits test split
    train_seconds: float


def digits_cnn():
    import torch.nn as nn

    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(),
        nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(),
        nn.MaxPool2d(2),  # 8x8 -> 4x4
        nn.Conv2d(32, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(),
        nn.Flatten(), nn.Dropout(0.2), nn.Linear(32 * 4 * 4, 10),
    )


def train_digits_cnn(out_dir: Path, epochs: int = 12, seed: int = 0) -> TrainedDigits:
    import torch

    from edgecompile.frontends import sha256_bytes
    from edgecompile.frontends.torch import export

    torch.manual_seed(seed)
    start = time.perf_counter()
    xtr, ytr = (torch.from_numpy(a) for a in digits_split("train"))
    xte, yte = digits_split("test")
    net = digits_cnn()
    opt = torch.optim.AdamW(net.parameters(), lr=3e-3, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=epochs * ((len(xtr) + 63) // 64))
    g = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        net.train()
        for idx in torch.randperm(len(xtr), generator=g).split(64):
            opt.zero_grad()
            torch.nn.functional.cross_entropy(net(xtr[idx]), ytr[idx]).backward()
            opt.step()
            sched.step()
    net.eval()
    with torch.no_grad():
        acc = float((net(torch.from_numpy(xte)).argmax(1).numpy() == yte).mean())
    seconds = time.perf_counter() - start
    example = (torch.from_numpy(np.zeros(DIGITS_SHAPE, np.float32)) + torch.randn(DIGITS_SHAPE, generator=g),)
    loaded = export(net, example, "digits_cnn", sha256_bytes(b"digits_cnn", str(seed).encode()), "pytorch")
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "digits_cnn.onnx"
    path.write_bytes(loaded.model.SerializeToString())
    return TrainedDigits(path, acc, seconds)
