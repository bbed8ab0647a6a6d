"""Built-in data: scikit-learn's 8x8 digits (1,797 labelled images, shipped with the package, no download)."""
from __future__ import annotations

from functools import lru_cache

import numpy as np

DIGITS_SHAPE = (1, 1, 8, 8)  # NCHW, one sample
TEST_FRACTION = 0.2
SPLIT_SEED = 0


@lru_cache(maxsize=1)
def digits() -> tuple[np.ndarray, np.ndarray]:
    """All images as float32 N x 1 x 8 x 8 scaled to [0, 1], and int64 labels."""
    from sklearn.datasets import load_digits

    d = load_digits()
    x = (d.images.astype(np.float32) / 16.0)[:, None, :, :]
    return x, d.target.astype(np.int64)


def digits_split(split: str) -> tuple[np.ndarray, np.ndarray]:
    """'train' or 'test': a fixed seeded 80/20 split, the same everywhere in edgecompile."""
    x, y = digits()
    order = np.random.default_rng(SPLIT_SEED).permutation(len(x))
    n_test = int(len(x) * TEST_FRACTION)
    idx = order[:n_test] if split == "test" else order[n_test:]
    return x[idx], y[idx]
