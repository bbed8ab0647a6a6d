"""Data sources: .npz, image folder, WebDataset shards written by `edgecompile data pack`."""
import numpy as np
import pytest
from click.testing import CliRunner

from edgecompile.errors import UsageError


def test_npz_and_holdout(tmp_path):
    from edgecompile.train.data import open_data

    rng = np.random.default_rng(0)
    np.savez(tmp_path / "d.npz", x=rng.integers(0, 255, (50, 6, 6), dtype=np.uint8), y=rng.integers(0, 3, 50))
    d = open_data(str(tmp_path / "d.npz"))
    assert d.in_shape == (1, 6, 6) and d.n_train == 40 and len(d.y_test) == 10
    assert d.preprocessing["scale"] == pytest.approx(1 / 255) and float(d.x_train.max()) <= 1.0
    np.savez(tmp_path / "bad.npz", images=np.zeros((4, 2, 2)))
    with pytest.raises(UsageError, match="must hold arrays 'x' and 'y'"):
        open_data(str(tmp_path / "bad.npz"))


def test_image_folder_trains(tmp_path):
    from PIL import Image

    from edgecompile.datasets import digits_split
    from edgecompile.train.data import open_data
    from edgecompile.train.train import TrainConfig, train

    x, y = digits_split("train")
    for i, (img, label) in enumerate(zip(x[:300], y[:300])):
        folder = tmp_path / "imgs" / f"digit{label}"
        folder.mkdir(parents=True, exist_ok=True)
        Image.fromarray((img[0] * 255).astype(np.uint8), "L").save(folder / f"{i}.png")
    d = open_data(str(tmp_path / "imgs"))
    assert d.in_shape == (1, 8, 8) and d.classes[0] == "digit0" and d.preprocessing["color"] == "L"
    m = train(TrainConfig(out=str(tmp_path / "run"), arch="mlp", data=str(tmp_path / "imgs"), epochs=5, batch_size=16))
    assert m["test_accuracy"] > 0.5


def test_pack_then_stream_shards(tmp_path):
    from edgecompile.cli.main import cli
    from edgecompile.train import bundle
    from edgecompile.train.data import open_data

    res = CliRunner().invoke(cli, ["data", "pack", "digits", "--out", str(tmp_path / "sh"), "--shard-size", "500"])
    assert res.exit_code == 0, res.output
    pattern = str(tmp_path / "sh" / "{000000..000003}.tar")
    d = open_data(pattern)
    ref = open_data("digits")
    assert d.n_train == ref.n_train and np.array_equal(np.sort(d.y_test), np.sort(ref.y_test))
    assert len(d.shards) == 4 and d.x_train is None  # streamed, not held
    res = CliRunner().invoke(cli, ["train", "--arch", "mlp", "--data", pattern, "--epochs", "2",
                                   "--out", str(tmp_path / "run")])
    assert res.exit_code == 0, res.output
    b = bundle.load(tmp_path / "run")
    assert b["metrics"]["test_accuracy"] > 0.7 and b["preprocessing"]["scale"] == pytest.approx(1 / 16)


def test_shard_pattern_that_matches_nothing(tmp_path):
    from edgecompile.train.data import open_data

    with pytest.raises(UsageError, match="matches no files"):
        open_data(str(tmp_path / "none-{000000..000003}.tar"))


def test_damaged_shard(tmp_path):
    from edgecompile.train.data import open_data

    (tmp_path / "000000.tar").write_bytes(b"not a tar file at all" * 50)
    with pytest.raises(UsageError, match="Reading shards"):
        open_data(str(tmp_path / "{000000..000000}.tar"))
