"""Answers over real HTTP equal `edgecompile.load(artifact).run(...)`, alone, concurrent and stacked."""
import json
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from serve_support import infer_body, outputs

import edgecompile

RNG = np.random.default_rng(7)


def test_startup_says_how_each_model_batches(server):
    log = server.log.read_text()
    assert "model cnn4 v1" in log and "stacks requests along dimension 0 (artifact batch 4)" in log
    assert "model cnn1 v1" in log and "no batch dimension to stack on (x 1x1x8x8): loops" in log
    assert "warning" not in log  # 127.0.0.1 is not reachable from other machines


def test_single_request_loop_artifact(server, artifacts):
    x = RNG.standard_normal((1, 1, 8, 8)).astype(np.float32)
    got = outputs(server.post("cnn1", infer_body({"x": x})))
    np.testing.assert_array_equal(got["y"], edgecompile.load(artifacts["cnn1"]).run({"x": x})["y"])


@pytest.mark.parametrize("route", ["infer", "versions/1/infer"])
def test_single_request_stacked_artifact(server, artifacts, route):
    xs = RNG.standard_normal((4, 1, 8, 8)).astype(np.float32)
    want = edgecompile.load(artifacts["cnn4"]).run({"x": xs})["y"]
    got = outputs(server.post("cnn4", infer_body({"x": xs[1:3]}), path=route))  # k=2 of 4 rows, padded
    np.testing.assert_array_equal(got["y"], want[1:3])


def test_concurrent_requests_equal_unbatched(server, artifacts):
    """16 requests from 6 clients at once (the server queues up to 6): however the batcher groups
    them, each gets its own rows."""
    runner = edgecompile.load(artifacts["cnn4"])
    xs = RNG.standard_normal((16, 1, 8, 8)).astype(np.float32)
    want = np.concatenate([runner.run({"x": xs[i:i + 4]})["y"] for i in range(0, 16, 4)])
    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(lambda i: server.post("cnn4", infer_body({"x": xs[i:i + 1]})), range(16)))
    for i, r in enumerate(answers):
        np.testing.assert_array_equal(outputs(r)["y"], want[i:i + 1])


def test_queued_requests_are_stacked_into_one_run(server, artifacts):
    """While one run of `slow` (batch 2) is busy, two single-sample requests queue; they then run
    as one stacked batch and each answer equals the unbatched run's row."""
    xs = RNG.standard_normal((4, 1, 256)).astype(np.float32)
    runner = edgecompile.load(artifacts["slow"])
    want = np.concatenate([runner.run({"x": xs[:2]})["y"], runner.run({"x": xs[2:]})["y"]])
    batches = server.metric("edgecompile_batch_size_count", "slow")
    pairs = server.metric("edgecompile_batch_size_bucket", "slow", le="2.0") - \
        server.metric("edgecompile_batch_size_bucket", "slow", le="1.0")
    with ThreadPoolExecutor(4) as pool:
        first = pool.submit(server.post, "slow", infer_body({"x": xs[:1]}))
        server.wait_metric("edgecompile_batch_size_count", "slow", batches + 1)  # its run has started
        rest = [pool.submit(server.post, "slow", infer_body({"x": xs[i:i + 1]})) for i in (1, 2)]
        server.wait_metric("edgecompile_queue_depth", "slow", 2)
        answers = [first.result()] + [f.result() for f in rest]
    for i, r in enumerate(answers):
        np.testing.assert_array_equal(outputs(r)["y"], want[i:i + 1])
    assert server.metric("edgecompile_batch_size_count", "slow") == batches + 2
    assert server.metric("edgecompile_batch_size_bucket", "slow", le="2.0") - \
        server.metric("edgecompile_batch_size_bucket", "slow", le="1.0") == pairs + 1


def test_binary_tensor_extension(server, artifacts):
    """Triton's binary tensor extension: raw little-endian bytes after a JSON header, both ways."""
    xs = RNG.standard_normal((4, 1, 8, 8)).astype(np.float32)
    want = edgecompile.load(artifacts["cnn4"]).run({"x": xs})["y"]
    head = json.dumps({"inputs": [{"name": "x", "shape": [2, 1, 8, 8], "datatype": "FP32",
                                   "parameters": {"binary_data_size": xs[:2].nbytes}}],
                       "outputs": [{"name": "y", "parameters": {"binary_data": True}}]}).encode()
    r = server.post("cnn4", content=head + xs[:2].astype("<f4").tobytes(),
                    headers={"Inference-Header-Content-Length": str(len(head)),
                             "Content-Type": "application/octet-stream"})
    assert r.status_code == 200, r.text
    n = int(r.headers["Inference-Header-Content-Length"])
    meta = json.loads(r.content[:n])["outputs"][0]
    assert meta["shape"] == [2, 3] and meta["parameters"] == {"binary_data_size": 2 * 3 * 4}
    np.testing.assert_array_equal(np.frombuffer(r.content[n:], "<f4").reshape(2, 3), want[:2])
    bad = server.post("cnn4", content=head + b"\0" * 8, headers={"Inference-Header-Content-Length": str(len(head))})
    assert bad.status_code == 400 and "binary_data_size" in bad.json()["error"]


def test_requested_outputs_and_id(server):
    x = RNG.standard_normal((1, 1, 8, 8)).astype(np.float32)
    r = server.post("cnn1", {**infer_body({"x": x}), "id": "req-1", "outputs": [{"name": "y"}]})
    assert r.status_code == 200 and r.json()["id"] == "req-1"
    assert r.json()["model_name"] == "cnn1" and r.json()["model_version"] == "1"


def test_health_and_metadata(server):
    assert server.get("/v2/health/live", headers={}).json() == {"live": True}
    assert server.get("/v2/health/ready", headers={}).json() == {"ready": True}
    meta = server.get("/v2/models/cnn4").json()
    assert meta["inputs"] == [{"name": "x", "datatype": "FP32", "shape": [4, 1, 8, 8]}]
    assert meta["outputs"] == [{"name": "y", "datatype": "FP32", "shape": [4, 3]}]
    assert meta["versions"] == ["1"] and meta["platform"] == "edgecompile_onnxruntime"
    assert server.get("/v2/models/cnn4/versions/1").json() == meta
    assert server.get("/v2/models/cnn4/ready").json() == {"ready": True}
    assert server.get("/v2/models/nope").status_code == 404
    assert server.get("/v2/models/cnn4/versions/2").status_code == 404


def test_bearer_token(server):
    x = RNG.standard_normal((1, 1, 8, 8)).astype(np.float32)
    for headers in ({"Authorization": ""}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic abc"}):
        r = server.post("cnn1", infer_body({"x": x}), headers=headers)
        assert r.status_code == 401 and r.headers["WWW-Authenticate"] == "Bearer"
        assert server.get("/metrics", headers=headers).status_code == 401
        assert server.get("/v2/models/cnn1", headers=headers).status_code == 401
    assert server.post("cnn1", infer_body({"x": x})).status_code == 200
