"""Shared fixtures. A test whose toolchain is absent skips with the reason, unless
EDGECOMPILE_REQUIRE names that toolchain (comma-separated, or 'all'): then it fails."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parent.parent
# the MLCommons tiny repository's trained models: $EDGECOMPILE_MODELS, else ../shared/models/mlperf_tiny
MLPERF = Path(os.environ.get("EDGECOMPILE_MODELS") or REPO.parent / "shared" / "models" / "mlperf_tiny")


def required(name: str) -> bool:
    wanted = {w.strip() for w in os.environ.get("EDGECOMPILE_REQUIRE", "").split(",") if w.strip()}
    return name in wanted or "all" in wanted


def need(name: str, ok: bool, why: str) -> None:
    """Skip (or fail, when EDGECOMPILE_REQUIRE names `name`) unless `ok`."""
    if ok:
        return
    if required(name):
        pytest.fail(f"{name} is required by EDGECOMPILE_REQUIRE but unavailable: {why}")
    pytest.skip(f"{name} unavailable: {why}")


def need_backend(name: str):
    from edgecompile.backends import get_backend

    ok, why = get_backend(name).available()
    need(name, ok, why)
    return get_backend(name)


def need_tool(tool: str, name: str | None = None) -> str:
    path = shutil.which(tool)
    need(name or tool, path is not None, f"'{tool}' is not on PATH")
    return path


def mlperf_model(filename: str) -> Path:
    path = MLPERF / filename
    need("mlperf-models", path.is_file(), f"{path} not found (the MLPerf Tiny models; set EDGECOMPILE_MODELS to their folder)")
    return path


@pytest.fixture(scope="session")
def digits_cnn(tmp_path_factory) -> Path:
    """The quickstart's digits CNN, trained once per test session, as ONNX."""
    from edgecompile.quickstart_model import train_digits_cnn

    out = tmp_path_factory.mktemp("digits")
    return train_digits_cnn(out, epochs=6).onnx_path


@pytest.fixture
def tiny_onnx(tmp_path) -> Path:
    """A small Conv-BN-ReLU-Dropout-Gemm model with a dynamic batch: exercises every pass."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(0)
    init = [
        numpy_helper.from_array(rng.standard_normal((4, 1, 3, 3)).astype(np.float32), "w"),
        numpy_helper.from_array(rng.standard_normal(4).astype(np.float32), "b"),
        numpy_helper.from_array(rng.uniform(0.5, 1.5, 4).astype(np.float32), "g"),
        numpy_helper.from_array(rng.standard_normal(4).astype(np.float32), "beta"),
        numpy_helper.from_array(rng.standard_normal(4).astype(np.float32), "mean"),
        numpy_helper.from_array(rng.uniform(0.5, 2, 4).astype(np.float32), "var"),
        numpy_helper.from_array(rng.standard_normal((3, 256)).astype(np.float32), "fc_w"),
        numpy_helper.from_array(np.array([0, -1], dtype=np.int64), "flat"),
    ]
    nodes = [
        helper.make_node("Conv", ["x", "w", "b"], ["c"], name="conv", pads=[1, 1, 1, 1]),
        helper.make_node("BatchNormalization", ["c", "g", "beta", "mean", "var"], ["bn"], name="bn"),
        helper.make_node("Relu", ["bn"], ["r"], name="relu"),
        helper.make_node("Identity", ["r"], ["i"], name="ident"),
        helper.make_node("Dropout", ["i"], ["d"], name="drop"),
        helper.make_node("Reshape", ["d", "flat"], ["f"], name="flatten"),
        helper.make_node("Gemm", ["f", "fc_w"], ["y"], name="fc", transB=1),
    ]
    graph = helper.make_graph(
        nodes, "tiny",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 1, 8, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 3])], init)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    path = tmp_path / "tiny.onnx"
    onnx.save(model, str(path))
    return path


@pytest.fixture(scope="session")
def mlperf_onnx(tmp_path_factory):
    """`mlperf_onnx("pretrainedResnet.tflite")` -> the model imported through tf2onnx, as an .onnx file.

    Conversion imports TensorFlow (seconds); each model is converted once per test session.
    """
    cache: dict[str, Path] = {}
    folder = tmp_path_factory.mktemp("mlperf_onnx")

    def get(filename: str) -> Path:
        if filename not in cache:
            src = mlperf_model(filename)
            need("tflite", _tf2onnx_ok(), "tf2onnx is not installed: pip install 'edgecompile[tflite]'")
            from edgecompile.frontends import load

            out = folder / (Path(filename).stem + ".onnx")
            out.write_bytes(load(str(src)).model.SerializeToString())
            cache[filename] = out
        return cache[filename]

    return get


def _tf2onnx_ok() -> bool:
    import importlib.util

    return importlib.util.find_spec("tf2onnx") is not None


def built_artifacts(src, out, targets, precisions, **kw) -> list:
    """Build through the driver (replacing `out`'s artifacts); every target must succeed."""
    from edgecompile.artifact import Artifact
    from edgecompile.driver import build

    report = build(str(src), list(targets), list(precisions), out=out, force=True, **kw)
    for r in report.results:
        assert r.ok, r.error
    return [Artifact.open(r.path) for r in report.results]
