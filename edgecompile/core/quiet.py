"""Silence TensorFlow/LiteRT's native logging (written straight to file descriptor 2) for a block."""
from __future__ import annotations

import os
import sys
import warnings
from contextlib import contextmanager


@contextmanager
def quiet():
    """stderr -> /dev/null and Python warnings off, inside the block only. Errors still raise."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
