"""Quant tests share one cache folder per test session, never the user's ~/.cache."""
import importlib.util
import sys
from pathlib import Path

import pytest

# quant_models.py is importable by name without putting this folder on sys.path (which would let
# `from conftest import ...` elsewhere find this file instead of tests/conftest.py)
_spec = importlib.util.spec_from_file_location("quant_models", Path(__file__).with_name("quant_models.py"))
sys.modules.setdefault("quant_models", importlib.util.module_from_spec(_spec))
_spec.loader.exec_module(sys.modules["quant_models"])


@pytest.fixture(autouse=True)
def _quant_cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("EDGECOMPILE_CACHE", str(tmp_path_factory.getbasetemp() / "edgecompile-cache"))
