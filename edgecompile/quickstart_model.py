"""The quickstart's model: tinycnn trained on scikit-learn's digits by edgecompile.train, exported to ONNX."""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path


@dataclass
class TrainedDigits:
    onnx_path: Path
    test_accuracy: float  # PyTorch model on the digits test split
    train_seconds: float


def train_digits_cnn(out_dir: Path, epochs: int = 12, seed: int = 0) -> TrainedDigits:
    """tinycnn on digits through the training pipeline (edgecompile.train); the run folder is kept."""
    from edgecompile.frontends.run_folder import load
    from edgecompile.train.train import TrainConfig, train

    start = time.perf_counter()
    run = Path(out_dir) / "digits_run"
    metrics = train(TrainConfig(out=str(run), arch="tinycnn", data="digits", epochs=epochs, seed=seed,
                                force=True, tensorboard=False))
    loaded = load(run, None, {})
    seconds = time.perf_counter() - start
    path = Path(out_dir) / "digits_cnn.onnx"
    path.write_bytes(loaded.model.SerializeToString())
    return TrainedDigits(path, metrics["test_accuracy"], seconds)
