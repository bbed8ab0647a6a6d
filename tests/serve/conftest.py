"""Fixtures: small artifacts, and one `edgecompile serve` subprocess shared by most tests."""
import importlib.util
import sys
from pathlib import Path

import pytest

from conftest import need

# Importable by name without putting this folder on sys.path (see tests/quant/conftest.py)
for _name in ("serve_models", "serve_support"):
    _spec = importlib.util.spec_from_file_location(_name, Path(__file__).with_name(f"{_name}.py"))
    sys.modules.setdefault(_name, importlib.util.module_from_spec(_spec))
    _spec.loader.exec_module(sys.modules[_name])

from serve_support import TOKEN, Server  # noqa: E402


def _need_serve() -> None:
    missing = [m for m in ("fastapi", "uvicorn", "prometheus_client", "httpx") if importlib.util.find_spec(m) is None]
    need("serve", not missing, f"{', '.join(missing)} not installed: pip install 'edgecompile[serve,test]'")


@pytest.fixture(scope="session")
def artifacts(tmp_path_factory) -> dict[str, Path]:
    """cnn4 (batch 4: stacks), cnn1 (batch 1: loops), gather (fails on an index >= 5), slow (batch 2)."""
    _need_serve()
    from serve_models import cnn, gather, slow

    from edgecompile.driver import build

    d = tmp_path_factory.mktemp("serve_artifacts")
    jobs = {"cnn4": (cnn, {"x": (4, 1, 8, 8)}, True), "cnn1": (cnn, None, True),
            "gather": (gather, None, False),  # random indices would fail verification: it is not the point here
            "slow": (slow, {"x": (2, 1, 256)}, False)}  # verification would run it 16 times for nothing
    out = {}
    for name, (make, shapes, verify) in jobs.items():
        report = build(str(make(d / f"{name}.onnx")), ["onnxruntime"], out=d / name, force=True,
                       input_shapes=shapes, verify=verify)
        assert report.results[0].ok, report.results[0].error
        out[name] = report.results[0].path
    return out


@pytest.fixture(scope="session")
def server(artifacts, tmp_path_factory):
    """One server for most tests: --max-queue 6, 3 priority levels, a 64 KiB body limit, a token."""
    a = artifacts
    srv = Server([f"cnn4={a['cnn4']}", f"cnn1={a['cnn1']}", f"gather={a['gather']}", f"slow={a['slow']}",
                  "--max-delay-ms", "20", "--max-queue", "6", "--priority-levels", "3", "--max-body-mb", "0.0625"],
                 tmp_path_factory.mktemp("server"), token=TOKEN)
    yield srv
    assert srv.stop() == 0, srv.log.read_text()
