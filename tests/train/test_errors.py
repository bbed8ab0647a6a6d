"""Bad input: each a clear error (exit 2 or 1) before training starts, and nothing written."""
import os

import numpy as np
import pytest
from click.testing import CliRunner


def _run(args):
    from edgecompile.cli.main import cli

    return CliRunner().invoke(cli, args)


def test_unknown_architecture(tmp_path):
    res = _run(["train", "--arch", "vgg99", "--out", str(tmp_path / "r")])
    assert res.exit_code == 2 and "Unknown architecture 'vgg99'" in res.output
    assert not (tmp_path / "r").exists()


def test_shard_pattern_matches_nothing(tmp_path):
    res = _run(["train", "--arch", "mlp", "--data", str(tmp_path / "{000000..000009}.tar"), "--out", str(tmp_path / "r")])
    assert res.exit_code == 2 and "matches no files" in res.output
    assert not (tmp_path / "r").exists()


def test_nproc_above_cpu_count(tmp_path):
    n = len(os.sched_getaffinity(0)) + 1
    res = _run(["train", "--arch", "mlp", "--nproc", str(n), "--out", str(tmp_path / "r")])
    assert res.exit_code == 2 and f"--nproc {n} is more than" in res.output and "--force" in res.output
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize("command", ["finetune", "prune"])
def test_data_that_does_not_fit_the_checkpoint(digits_run, tmp_path, command):
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "shape.npz", x=rng.random((40, 1, 12, 12), dtype=np.float32), y=rng.integers(0, 10, 40))
    np.savez(tmp_path / "classes.npz", x=rng.random((40, 1, 8, 8), dtype=np.float32), y=np.arange(40) % 4)
    extra = ["--lora-r", "4"] if command == "finetune" else []
    res = _run([command, str(digits_run), "--data", str(tmp_path / "shape.npz"), "--out", str(tmp_path / "a")] + extra)
    assert res.exit_code == 2 and "(1, 12, 12) but the checkpoint takes (1, 8, 8)" in res.output
    res = _run([command, str(digits_run), "--data", str(tmp_path / "classes.npz"), "--out", str(tmp_path / "b")] + extra)
    assert res.exit_code == 2 and "4 classes but the checkpoint has 10" in res.output
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_resume_with_data_that_does_not_fit(digits_run, tmp_path):
    import shutil

    run = tmp_path / "run"
    shutil.copytree(digits_run, run)
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "shape.npz", x=rng.random((40, 1, 12, 12), dtype=np.float32), y=rng.integers(0, 10, 40))
    before = (run / "checkpoint.pt").read_bytes()
    res = _run(["train", "--arch", "tinycnn", "--data", str(tmp_path / "shape.npz"), "--resume", "--out", str(run)])
    assert res.exit_code == 2 and "--resume" in res.output and "(1, 12, 12)" in res.output
    assert (run / "checkpoint.pt").read_bytes() == before


@pytest.mark.parametrize("damage", ["truncated", "foreign"])
def test_corrupt_or_foreign_checkpoint(digits_run, tmp_path, damage):
    import shutil

    import torch

    run = tmp_path / "run"
    shutil.copytree(digits_run, run)
    if damage == "truncated":
        data = (run / "checkpoint.pt").read_bytes()
        (run / "checkpoint.pt").write_bytes(data[:1000])
    else:
        torch.save({"state_dict": {"w": torch.ones(1)}}, run / "checkpoint.pt")
    for args in (["build", str(run), "-t", "onnxruntime", "--out", str(tmp_path / "b")],
                 ["finetune", str(run), "--data", "digits", "--out", str(tmp_path / "f")],
                 ["prune", str(run), "--out", str(tmp_path / "p")]):
        res = _run(args)
        assert res.exit_code == 1, res.output
        assert ("corrupt or truncated" if damage == "truncated" else "foreign checkpoint") in res.output
    assert not (tmp_path / "f").exists() and not (tmp_path / "p").exists()
