"""The serve tests' client side: `edgecompile serve` as a subprocess, request bodies, answers."""
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

TOKEN = "s3cret-test-token"
DATATYPE = {"float32": "FP32", "int64": "INT64"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`python -m edgecompile serve ...` on a free port; its stdout and stderr go to `log`."""

    def __init__(self, args: list[str], folder: Path, token: str | None = None):
        import httpx

        self.port, self.log = free_port(), folder / "serve.log"
        cmd = [sys.executable, "-m", "edgecompile", "serve", *map(str, args), "--port", str(self.port)]
        if token:
            (folder / "token").write_text(token + "\n")
            cmd += ["--token-file", str(folder / "token")]
        self.url = f"http://127.0.0.1:{self.port}"
        # one client for every thread: creating one per request costs tens of ms (SSL context)
        self.client = httpx.Client(timeout=60, limits=httpx.Limits(max_connections=64))
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.proc = subprocess.Popen(cmd, stdout=self.log.open("w"), stderr=subprocess.STDOUT, env=os.environ.copy())
        deadline = time.monotonic() + 120
        while True:
            assert self.proc.poll() is None, f"the server exited: {self.log.read_text()}"
            assert time.monotonic() < deadline, f"the server did not become ready: {self.log.read_text()}"
            try:
                if self.client.get(self.url + "/v2/health/ready").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)

    def post(self, model: str, body=None, content: bytes | None = None, headers: dict | None = None,
             path: str = "infer"):
        return self.client.post(f"{self.url}/v2/models/{model}/{path}", json=body, content=content,
                                headers={**self.headers, **(headers or {})})

    def get(self, path: str, headers: dict | None = None):
        return self.client.get(self.url + path, headers=self.headers if headers is None else headers)

    def metrics(self) -> dict[tuple, float]:
        """{(sample name, sorted label items...): value} from /metrics, parsed by prometheus_client."""
        from prometheus_client.parser import text_string_to_metric_families

        r = self.get("/metrics")
        assert r.status_code == 200, r.text
        return {(s.name, *sorted(s.labels.items())): s.value
                for fam in text_string_to_metric_families(r.text) for s in fam.samples}

    def metric(self, name: str, model: str, **labels) -> float:
        return self.metrics().get((name, *sorted({"model": model, "version": "1", **labels}.items())), 0.0)

    def wait_metric(self, name: str, model: str, value: float, **labels) -> None:
        deadline = time.monotonic() + 60
        while self.metric(name, model, **labels) != value:
            assert time.monotonic() < deadline, f"{name} of {model} never reached {value}"
            time.sleep(0.01)

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        self.client.close()
        return self.proc.wait(timeout=120)


def infer_body(feeds: dict[str, np.ndarray], **parameters) -> dict:
    body = {"inputs": [{"name": n, "shape": list(a.shape), "datatype": DATATYPE[a.dtype.name], "data": a.ravel().tolist()}
                       for n, a in feeds.items()]}
    if parameters:
        body["parameters"] = parameters
    return body


def outputs(response) -> dict[str, np.ndarray]:
    assert response.status_code == 200, response.text
    return {o["name"]: np.asarray(o["data"], dtype=np.float32).reshape(o["shape"]) for o in response.json()["outputs"]}
