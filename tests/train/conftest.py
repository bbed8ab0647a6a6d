"""Fixtures for the training pipeline tests: one small trained run shared by the session."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

# tests/conftest.py by path: `from conftest import ...` would find whichever conftest loaded last
_spec = importlib.util.spec_from_file_location("_edgecompile_tests_conftest", Path(__file__).parents[1] / "conftest.py")
_root = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_root)
need = _root.need

TRAIN_PACKAGES = ("torch", "peft", "torch_pruning", "webdataset", "tensorboard", "transformers")


@pytest.fixture(autouse=True)
def _train_extra():
    missing = [p for p in TRAIN_PACKAGES if importlib.util.find_spec(p) is None]
    need("train", not missing, f"pip install 'edgecompile[train]' (missing: {', '.join(missing)})")


@pytest.fixture(scope="session")
def digits_run(tmp_path_factory):
    """tinycnn trained 4 epochs on digits: a run folder."""
    from edgecompile.train.train import TrainConfig, train

    out = tmp_path_factory.mktemp("runs") / "tinycnn"
    train(TrainConfig(out=str(out), arch="tinycnn", data="digits", epochs=4))
    return out
