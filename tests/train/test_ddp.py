"""DistributedDataParallel on CPU (gloo): 2 processes match 1 with the same global batch.

Tolerance: every logged step loss within 1e-4 absolute, final weights within 1e-4. The MLP has
no BatchNorm and no dropout, so the only difference is float summation order in the gradient
all-reduce (each rank takes half of every global batch of 64).
"""
import numpy as np
import pytest

from conftest import need_tool

STEP_LOSS_TOL = 1e-4


@pytest.mark.slow
def test_two_processes_match_one(tmp_path):
    from edgecompile.train import bundle
    from edgecompile.train.train import TrainConfig, train

    one = train(TrainConfig(out=str(tmp_path / "one"), arch="mlp", epochs=2, batch_size=64))
    two = train(TrainConfig(out=str(tmp_path / "two"), arch="mlp", epochs=2, batch_size=64, nproc=2, force=True))
    assert one["world_size"] == 1 and two["world_size"] == 2
    a, b = bundle.load(tmp_path / "one"), bundle.load(tmp_path / "two")
    la, lb = np.array(a["train_state"]["step_loss"]), np.array(b["train_state"]["step_loss"])
    assert len(la) == len(lb) == 2 * (1438 // 64)
    assert np.max(np.abs(la - lb)) <= STEP_LOSS_TOL, np.max(np.abs(la - lb))
    for k, v in a["state_dict"].items():
        np.testing.assert_allclose(b["state_dict"][k].numpy(), v.numpy(), atol=1e-4)
    assert abs(one["test_accuracy"] - two["test_accuracy"]) <= 0.01



@pytest.mark.slow
def test_torchrun_module_entry(tmp_path):
    """`torchrun --nproc-per-node 2 -m edgecompile.cli.train ...`: the documented multi-process form."""
    import subprocess
    import sys

    from edgecompile.train import bundle

    torchrun = need_tool("torchrun", "train")
    res = subprocess.run([torchrun, "--nproc-per-node", "2", "-m", "edgecompile.cli.train", "--arch", "mlp",
                          "--epochs", "1", "--out", str(tmp_path / "r")], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-3000:]
    assert bundle.load(tmp_path / "r")["metrics"]["world_size"] == 2
    bad = subprocess.run([sys.executable, "-m", "edgecompile.cli.train", "--arch", "vgg99", "--out",
                          str(tmp_path / "x")], capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "Unknown architecture" in bad.stderr
