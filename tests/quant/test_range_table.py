"""Streaming statistics, the four methods, and the on-disk cache of range tables."""
import numpy as np
import pytest

from edgecompile.quant.methods import METHODS, compute
from edgecompile.quant.stats import TensorStats, collect


def _stream(chunks):
    s = TensorStats()
    for c in chunks:
        s.update(c)
    return s


def test_histogram_is_independent_of_chunking_and_bounded():
    rng = np.random.default_rng(0)
    chunks = [(rng.standard_normal(1000) * (1 + 3 * k)).astype(np.float32) for k in range(8)]  # ranges keep growing
    a, b = _stream(chunks), _stream([np.concatenate(chunks)])
    assert a.radius == b.radius and np.array_equal(a.hist, b.hist)
    assert a.hist.sum() == 8000 and a.hist.nbytes <= 32 * 1024
    assert a.lo == min(c.min() for c in chunks) and a.hi == max(c.max() for c in chunks)


def test_methods_clip_a_rare_outlier_but_minmax_keeps_it():
    rng = np.random.default_rng(1)
    s = _stream([np.concatenate([rng.standard_normal(200_000), [80.0]])])
    lo, hi = compute(s, "minmax")
    assert hi == 80.0
    for m in ("percentile", "entropy"):
        clo, chi = compute(s, m)
        assert s.lo <= clo < 0 < chi < 20, (m, clo, chi)


def test_mse_clips_a_heavy_tail():
    s = _stream([np.random.default_rng(4).laplace(size=200_000)])
    lo, hi = compute(s, "mse")
    assert s.lo < lo < 0 < hi < s.hi and 8 < hi < 11  # 8-bit optimum for Laplace(1) is about 9.9


def test_nonnegative_tensor_keeps_zero_floor():
    s = _stream([np.abs(np.random.default_rng(2).standard_normal(50_000))])
    for m in METHODS:
        lo, hi = compute(s, m)
        assert lo >= 0 and hi > 1



@pytest.fixture
def cnn(tmp_path):
    import onnx

    from quant_models import small_cnn

    return onnx.load(str(small_cnn(tmp_path / "cnn.onnx")))


def _feeds(n=32):
    rng = np.random.default_rng(3)
    return [{"x": rng.random((1, 1, 8, 8), dtype=np.float32)} for _ in range(n)]


def test_cache_keyed_by_model_data_and_method(cnn):
    from edgecompile.quant.sources import data_sha256
    from edgecompile.quant.table import cache_dir, calibrate

    feeds = _feeds()
    sha = data_sha256(feeds)
    t1, hit1 = calibrate(cnn, feeds, sha, "minmax")
    t2, hit2 = calibrate(cnn, feeds, sha, "minmax")
    assert (hit1, hit2) == (False, True) and t1 == t2 and (cache_dir() / "ranges" / f"{t1.key}.json").is_file()
    t3, hit3 = calibrate(cnn, feeds, sha, "percentile")  # new method: computed from the cached histograms
    assert not hit3 and t3.key != t1.key and set(t3.ranges) == set(t1.ranges)
    other = _feeds(33)
    t4, hit4 = calibrate(cnn, other, data_sha256(other), "minmax")
    assert not hit4 and t4.key != t1.key
    assert set(t1.ranges) >= {"x", "c1", "r1", "p1", "c2", "r2", "f", "y"}
    assert t1.ranges["r1"][0] == 0.0 and t1.ranges["x"][1] <= 1.0


def test_unknown_method_is_a_usage_error(cnn):
    from edgecompile.errors import UsageError
    from edgecompile.quant.table import calibrate

    with pytest.raises(UsageError, match="minmax, percentile, entropy, mse"):
        calibrate(cnn, _feeds(), "x", "kl")
