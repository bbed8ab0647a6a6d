"""A generated model repository served by a real Triton server on 127.0.0.1.

The only server installable here is the `tritonserver` 2.51 binary inside `nvidia-pytriton` 0.7.0
(its own venv: it pins numpy<2), built with just the python backend. So the repository's
`platform: "onnxruntime_onnx"` line becomes `backend: "python"` with a model.py that runs the
artifact's own model.onnx in ONNX Runtime; everything else in config.pbtxt (max_batch_size, dynamic
batching, preferred sizes, queue delay, priority levels, instance group, I/O) is edgecompile's, as
generated. Point EDGECOMPILE_TRITONSERVER at that binary (.ci/run sets it up).
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from conftest import built_artifacts, need, need_backend

MODEL_PY = '''
import os
import numpy as np
import onnxruntime as ort
import triton_python_backend_utils as pb_utils


class TritonPythonModel:
    def initialize(self, args):
        path = os.path.join(os.path.dirname(__file__), "model.onnx")
        self.sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])

    def execute(self, requests):
        # DLPack in and out: the stub was built against numpy 1, the interpreter it embeds may have numpy 2
        xs = [np.from_dlpack(pb_utils.get_input_tensor_by_name(r, "input")).copy() for r in requests]
        y = self.sess.run(None, {"input": np.concatenate(xs)})[0]
        out, i = [], 0
        for x in xs:
            out.append(pb_utils.InferenceResponse([pb_utils.Tensor.from_dlpack("output", y[i:i + len(x)].copy())]))
            i += len(x)
        return out
'''


def _server() -> Path:
    path = os.environ.get("EDGECOMPILE_TRITONSERVER") or shutil.which("tritonserver") or ""
    need("tritonserver", bool(path) and Path(path).is_file(),
         "set EDGECOMPILE_TRITONSERVER to the tritonserver of `pip install nvidia-pytriton==0.7.0` in its own venv")
    return Path(path)


def _ports(n: int) -> list[int]:
    socks = [socket.socket() for _ in range(n)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def _served_copy(art, dst: Path, server: Path) -> Path:
    """The repository with the python backend standing in for onnxruntime, plus the backend folder."""
    repo = dst / "repo"
    shutil.copytree(art.path / "digits", repo / "digits")
    cfg = repo / "digits" / "config.pbtxt"
    cfg.write_text(cfg.read_text().replace('platform: "onnxruntime_onnx"', 'backend: "python"')
                   .replace('default_model_filename: "model.onnx"', 'default_model_filename: "model.py"'))
    (repo / "digits" / "1" / "model.py").write_text(MODEL_PY)
    root = server.parent.parent  # pytriton/tritonserver
    backend = dst / "backends" / "python"
    shutil.copytree(root / "backends" / "python", backend, ignore=shutil.ignore_patterns("__pycache__"))
    version = f"{sys.version_info.major}.{sys.version_info.minor}"  # the stub embeds this interpreter
    shutil.copy(root / "python_backend_stubs" / version / "triton_python_backend_stub", backend)
    return repo


def test_repository_loads_and_batches_requests(digits_cnn, tmp_path):
    server = _server()
    need_backend("triton")
    (art,) = built_artifacts(digits_cnn, tmp_path / "build", ["triton"], ["fp32"], options={
        "batch": "dynamic", "model_name": "digits", "max_batch_size": 16, "preferred_batch_sizes": "8,16",
        "max_queue_delay_us": 20000, "priority_levels": 2})
    repo = _served_copy(art, tmp_path / "serve", server)
    http, grpc = _ports(2)
    libs = [sysconfig.get_config_var("LIBDIR"), str(server.parents[3] / "nvidia_pytriton.libs")]
    env = {**os.environ, "LD_LIBRARY_PATH": ":".join(libs + [os.environ.get("LD_LIBRARY_PATH", "")])}
    log = open(tmp_path / "server.log", "w")
    proc = subprocess.Popen([str(server), "--model-repository", str(repo), "--backend-directory",
                             str(tmp_path / "serve" / "backends"), "--http-address", "127.0.0.1",
                             "--http-port", str(http), "--grpc-address", "127.0.0.1", "--grpc-port", str(grpc),
                             "--allow-metrics", "false"], env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{http}"
    try:
        for _ in range(120):
            try:
                if urllib.request.urlopen(f"{base}/v2/health/ready", timeout=1).status == 200:
                    break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("tritonserver did not become ready: " + (tmp_path / "server.log").read_text()[-2000:])
        x = np.random.default_rng(0).random((64, 1, 1, 8, 8), dtype=np.float32)

        def infer(i):
            body = {"inputs": [{"name": "input", "shape": [1, 1, 8, 8], "datatype": "FP32",
                                "data": x[i].ravel().tolist()}]}
            req = urllib.request.Request(f"{base}/v2/models/digits/infer", json.dumps(body).encode(),
                                         {"Content-Type": "application/json"})
            out = json.loads(urllib.request.urlopen(req, timeout=60).read())["outputs"][0]
            return np.array(out["data"], np.float32).reshape(out["shape"])

        with ThreadPoolExecutor(32) as pool:
            got = np.concatenate(list(pool.map(infer, range(64))))
        import onnxruntime as ort

        sess = ort.InferenceSession(str(art.path / "digits/1/model.onnx"), providers=["CPUExecutionProvider"])
        np.testing.assert_allclose(got, sess.run(None, {"input": x.reshape(64, 1, 8, 8)})[0], atol=1e-5)
        stats = json.loads(urllib.request.urlopen(f"{base}/v2/models/digits/stats").read())["model_stats"][0]
        assert int(stats["inference_count"]) == 64
        assert int(stats["execution_count"]) < 64  # dynamic batching merged requests
        assert max(int(b["batch_size"]) for b in stats["batch_stats"]) <= 16
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()
