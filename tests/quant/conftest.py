"""Quant tests share one cache folder per test session, never the user's ~/.cache."""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # quant_models.py, under --import-mode=importlib


@pytest.fixture(autouse=True)
def _quant_cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("EDGECOMPILE_CACHE", str(tmp_path_factory.getbasetemp() / "edgecompile-cache"))
