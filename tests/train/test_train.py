"""The training loop: run folder contents, build with no flags, determinism, resume, bf16, atomic writes."""
import json

import numpy as np
import pytest
from click.testing import CliRunner

from edgecompile.errors import ModelLoadError


def _weights(run):
    from edgecompile.train import bundle

    return bundle.load(run)["state_dict"]


def test_run_folder_and_build(digits_run, tmp_path):
    from edgecompile.cli.main import cli
    from edgecompile.frontends import load
    from edgecompile.train.events import read_scalars

    summary = json.loads((digits_run / "run.json").read_text())
    assert summary["arch"] == "tinycnn" and summary["classes"] == [str(i) for i in range(10)]
    assert summary["metrics"]["test_accuracy"] > 0.9
    assert summary["preprocessing"]["scale"] == pytest.approx(1 / 16)
    tags = read_scalars(digits_run / "tb")
    assert {"train/loss", "train/lr", "test/accuracy"} <= set(tags)
    assert len(tags["test/accuracy"]) == 4
    loaded = load(str(digits_run))
    assert loaded.kind == "run-folder" and loaded.metadata["class_names"][3] == "3"
    res = CliRunner().invoke(cli, ["build", str(digits_run), "-t", "onnxruntime", "--out", str(tmp_path / "b")])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "b" / "onnxruntime-fp32" / "model.onnx").is_file()


def test_same_seed_same_weights(tmp_path):
    from edgecompile.train.train import TrainConfig, train

    for name in ("a", "b"):
        train(TrainConfig(out=str(tmp_path / name), arch="tinycnn", epochs=1))
    a, b = _weights(tmp_path / "a"), _weights(tmp_path / "b")
    assert a.keys() == b.keys() and all(np.array_equal(a[k].numpy(), b[k].numpy()) for k in a)
    train(TrainConfig(out=str(tmp_path / "c"), arch="tinycnn", epochs=1, seed=1))
    c = _weights(tmp_path / "c")
    assert not all(np.array_equal(a[k].numpy(), c[k].numpy()) for k in a)


def test_resume_continues_exactly(tmp_path):
    """Interrupted after epoch 1 of 2, resumed: the same weights as an uninterrupted run."""
    from edgecompile.cli.main import cli
    from edgecompile.train import bundle
    from edgecompile.train.train import TrainConfig, train

    train(TrainConfig(out=str(tmp_path / "full"), arch="mlp", epochs=2))
    args = ["train", "--arch", "mlp", "--epochs", "2", "--out", str(tmp_path / "cut")]
    res = CliRunner().invoke(cli, args + ["--stop-after", "1"])
    assert res.exit_code == 0, res.output
    assert bundle.load(tmp_path / "cut")["train_state"]["epoch"] == 1
    again = CliRunner().invoke(cli, args)
    assert again.exit_code == 2 and "--resume" in again.output  # no silent overwrite
    res = CliRunner().invoke(cli, args + ["--resume"])
    assert res.exit_code == 0, res.output
    full, cut = _weights(tmp_path / "full"), _weights(tmp_path / "cut")
    assert all(np.array_equal(full[k].numpy(), cut[k].numpy()) for k in full)
    assert len(bundle.load(tmp_path / "cut")["history"]) == 2


def test_bf16_autocast(tmp_path):
    from edgecompile.train.train import TrainConfig, train

    m = train(TrainConfig(out=str(tmp_path / "r"), arch="tinycnn", epochs=2, amp="bf16"))
    assert m["amp"] == "bf16" and np.isfinite(m["train_loss"]) and m["test_accuracy"] > 0.5


def test_checkpoint_write_is_atomic(tmp_path, monkeypatch):
    """A crash while writing leaves the previous checkpoint whole and no temporary file."""
    import torch

    from edgecompile.train import bundle

    run = tmp_path / "r"
    bundle.save(run, {"kind": "model", "state_dict": {"w": torch.ones(3)}, "in_shape": [1, 8, 8], "classes": ["a"]})
    before = (run / "checkpoint.pt").read_bytes()

    def crash(obj, f):
        f.write(b"partial bytes")
        raise KeyboardInterrupt

    monkeypatch.setattr(torch, "save", crash)
    with pytest.raises(KeyboardInterrupt):
        bundle.save(run, {"kind": "model", "state_dict": {"w": torch.zeros(3)}, "in_shape": [1, 8, 8], "classes": ["a"]})
    assert (run / "checkpoint.pt").read_bytes() == before
    assert sorted(p.name for p in run.iterdir()) == ["checkpoint.pt", "run.json"]
    monkeypatch.undo()
    assert float(bundle.load(run)["state_dict"]["w"].sum()) == 3


def test_corrupt_and_foreign_checkpoints(digits_run, tmp_path):
    import shutil

    import torch

    from edgecompile.frontends import load

    bad = tmp_path / "truncated"
    shutil.copytree(digits_run, bad)
    data = (bad / "checkpoint.pt").read_bytes()
    (bad / "checkpoint.pt").write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelLoadError, match="corrupt or truncated"):
        load(str(bad))
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    torch.save({"model": {"w": torch.ones(2)}}, foreign / "checkpoint.pt")
    with pytest.raises(ModelLoadError, match="foreign checkpoint"):
        load(str(foreign))
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ModelLoadError, match="not an edgecompile training run"):
        load(str(empty))
