"""Calibration sources: every format, and a clear CalibrationError for each bad input."""
import hashlib
import textwrap

import numpy as np
import pytest

from edgecompile.core.tensor import TensorSpec
from edgecompile.errors import CalibrationError
from edgecompile.quant.sources import load_samples

IMG = [TensorSpec("x", (1, 3, 16, 16), "float32", "NCHW")]
FLAT = [TensorSpec("x", (1, 64), "float32")]


def _images(folder, n=20, size=(24, 20)):
    from PIL import Image

    rng = np.random.default_rng(0)
    for k in range(n):
        sub = folder / f"class{k % 2}"
        sub.mkdir(parents=True, exist_ok=True)
        Image.fromarray(rng.integers(0, 255, (*size, 3), dtype=np.uint8)).save(sub / f"{k}.png")
    return folder


def test_npy_wrong_shape_names_file_and_expectation(tmp_path):
    p = tmp_path / "bad.npy"
    np.save(p, np.zeros((30, 65), np.float32))
    with pytest.raises(CalibrationError, match=r"bad\.npy.*shape \(30, 65\).*N x 64"):
        load_samples(str(p), FLAT)


def test_wrong_dtype_is_refused(tmp_path):
    p = tmp_path / "pixels.npy"
    np.save(p, np.zeros((30, 64), np.uint8))
    with pytest.raises(CalibrationError, match=r"pixels\.npy.*dtype uint8.*floating-point"):
        load_samples(str(p), FLAT)


def test_too_few_samples(tmp_path):
    p = tmp_path / "few.npy"
    np.save(p, np.zeros((20, 64), np.float32))
    with pytest.raises(CalibrationError, match="holds 20 samples; at least 50"):
        load_samples(str(p), FLAT, 50)
    np.save(p, np.zeros((3, 64), np.float32))
    with pytest.raises(CalibrationError, match="holds 3 samples"):
        load_samples(str(p), FLAT)


def test_seeded_shuffle_and_data_hash(tmp_path):
    p = tmp_path / "ok.npy"
    np.save(p, np.arange(40 * 64, dtype=np.float32).reshape(40, 64))
    a, info_a = load_samples(str(p), FLAT, 10)
    b, info_b = load_samples(str(p), FLAT, 10)
    assert [f["x"][0, 0] for f in a] == [f["x"][0, 0] for f in b] != sorted(f["x"][0, 0] for f in a)
    assert info_a["sha256"] == info_b["sha256"] and info_a["samples"] == 10
    _, info_c = load_samples(str(p), FLAT, 11)
    assert info_c["sha256"] != info_a["sha256"]


def test_random_only_with_a_warning():
    feeds, info = load_samples("random", FLAT, 5)
    assert len(feeds) == 5 and "random" in info["warning"]


def test_image_folder_with_manifest_preprocessing(tmp_path):
    _images(tmp_path / "imgs")
    m = tmp_path / "set.toml"
    m.write_text(textwrap.dedent("""
        name = "mine"
        source = "imgs"
        samples = 12
        [preprocess]
        resize = [18, 18]
        crop = [16, 16]
        mean = [0.5, 0.5, 0.5]
        std = [0.25, 0.25, 0.25]
        channels = "BGR"
    """))
    feeds, info = load_samples(str(m), IMG)
    assert len(feeds) == 12 and feeds[0]["x"].shape == (1, 3, 16, 16) and feeds[0]["x"].dtype == np.float32
    assert -2.01 <= feeds[0]["x"].min() < 0 < feeds[0]["x"].max() <= 2.01  # (x/255 - 0.5) / 0.25
    assert info["manifest_sha256"] == hashlib.sha256(m.read_bytes()).hexdigest() and info["manifest"] == "mine"


def test_image_folder_nhwc_default(tmp_path):
    feeds, _ = load_samples(str(_images(tmp_path / "imgs")), [TensorSpec("x", (1, 16, 16, 3), "float32")], 16)
    assert feeds[0]["x"].shape == (1, 16, 16, 3) and 0 <= feeds[0]["x"].min() and feeds[0]["x"].max() <= 1


def test_unreadable_image_names_the_file(tmp_path):
    folder = _images(tmp_path / "imgs")
    (folder / "class0" / "broken.png").write_bytes(b"not a png")
    with pytest.raises(CalibrationError, match=r"broken\.png"):
        load_samples(str(folder), IMG, 21)


def test_module_function_source(tmp_path, monkeypatch):
    (tmp_path / "mycalib.py").write_text(textwrap.dedent("""
        import numpy as np
        def samples():
            rng = np.random.default_rng(1)
            while True:
                yield {"x": rng.standard_normal((1, 64)).astype("float32")}
        def wrong():
            return [{"x": np.zeros((1, 63), "float32")}] * 20
    """))
    monkeypatch.chdir(tmp_path)
    feeds, info = load_samples("mycalib:samples", FLAT, 30)
    assert len(feeds) == 30 and info["samples"] == 30
    with pytest.raises(CalibrationError, match=r"mycalib:wrong item 0.*shape"):
        load_samples("mycalib:wrong", FLAT)
    with pytest.raises(CalibrationError, match="could not be called"):
        load_samples("mycalib:missing", FLAT)


def test_shipped_digits_manifest():
    feeds, info = load_samples("calibration/digits.toml", [TensorSpec("input", (1, 1, 8, 8), "float32", "NCHW")])
    assert len(feeds) == 200 and info["manifest"] == "digits" and len(info["manifest_sha256"]) == 64


def test_digits_says_what_it_fits():
    from edgecompile.errors import CalibrationError
    from edgecompile.quant.sources import load_samples

    with pytest.raises(CalibrationError, match=r"8x8 grey images .* not this one \(input 1x3x32x32\)"):
        load_samples("digits", [TensorSpec("input", (1, 3, 32, 32), "float32", "NCHW")], None)
