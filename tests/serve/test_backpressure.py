"""Priorities, and every refusal: 503 full queue, 504 timeout, 400 malformed, 500 runtime error.

`slow` runs long enough (about a second on an idle 2-core machine) that requests sent while it runs are queued;
the tests wait on /metrics (batches started, queue depth) rather than on the clock.
"""
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from serve_support import infer_body, outputs

RNG = np.random.default_rng(11)


def _slow_body(**parameters):
    return infer_body({"x": RNG.standard_normal((1, 1, 256)).astype(np.float32)}, **parameters)


def _occupy(server, pool):
    """Start one `slow` request and return once its batch is running (the queue is then empty)."""
    started = server.metric("edgecompile_batch_size_count", "slow")
    future = pool.submit(server.post, "slow", _slow_body())
    server.wait_metric("edgecompile_batch_size_count", "slow", started + 1)
    return future


def test_higher_priority_is_served_first_fifo_within_a_level(server):
    """`slow` stacks 2 samples per run. low1 queues, then low2 and low3, then high: the next run
    takes high and the oldest low one (low1); low2 and low3 wait for the run after."""
    done, lock = [], threading.Lock()

    def send(tag, priority):
        r = server.post("slow", _slow_body(priority=priority))
        with lock:
            done.append(tag)
        return r

    with ThreadPoolExecutor(5) as pool:
        busy = _occupy(server, pool)
        futures = [pool.submit(send, "low1", 0)]
        server.wait_metric("edgecompile_queue_depth", "slow", 1)
        futures += [pool.submit(send, "low2", 0), pool.submit(send, "low3", 0)]
        server.wait_metric("edgecompile_queue_depth", "slow", 3)
        futures.append(pool.submit(send, "high", 2))
        server.wait_metric("edgecompile_queue_depth", "slow", 4)
        assert busy.result().status_code == 200
        assert all(f.result().status_code == 200 for f in futures)
    assert set(done[:2]) == {"high", "low1"} and set(done[2:]) == {"low2", "low3"}, done


def test_full_queue_answers_503_with_retry_after(server):
    with ThreadPoolExecutor(8) as pool:
        busy = _occupy(server, pool)
        queued = [pool.submit(server.post, "slow", _slow_body()) for _ in range(6)]  # --max-queue 6
        server.wait_metric("edgecompile_queue_depth", "slow", 6)
        rejected = server.metric("edgecompile_requests_total", "slow", outcome="rejected")
        r = server.post("slow", _slow_body())
        assert r.status_code == 503 and int(r.headers["Retry-After"]) >= 1, r.text
        assert "queue is full" in r.json()["error"]
        assert server.metric("edgecompile_requests_total", "slow", outcome="rejected") == rejected + 1
        assert all(f.result().status_code == 200 for f in [busy] + queued)  # nothing accepted was lost


def test_timeout_answers_504_and_does_not_run(server):
    with ThreadPoolExecutor(2) as pool:
        samples = server.metric("edgecompile_batch_size_sum", "slow")
        timeouts = server.metric("edgecompile_requests_total", "slow", outcome="timeout")
        busy = _occupy(server, pool)
        r = server.post("slow", _slow_body(timeout=1000))  # 1 ms, while the queue is busy for much longer
        assert r.status_code == 504 and "not run" in r.json()["error"], r.text
        assert busy.result().status_code == 200
    server.wait_metric("edgecompile_queue_depth", "slow", 0)
    assert server.metric("edgecompile_requests_total", "slow", outcome="timeout") == timeouts + 1
    assert server.metric("edgecompile_batch_size_sum", "slow") == samples + 1  # only the busy request ran


BAD = [  # (body or raw bytes, expected words in the reason)
    ({"inputs": [{"name": "z", "shape": [1, 1, 8, 8], "datatype": "FP32", "data": [0.0] * 64}]}, "no input 'z'"),
    ({"inputs": [{"name": "x", "shape": [1, 1, 4, 16], "datatype": "FP32", "data": [0.0] * 64}]}, "has shape"),
    ({"inputs": [{"name": "x", "shape": [1, 1, 8, 8], "datatype": "FP64", "data": [0.0] * 64}]}, "datatype 'FP64'"),
    ({"inputs": [{"name": "x", "shape": [1, 1, 8, 8], "datatype": "FP32", "data": [0.0] * 63}]}, "63 values"),
    ({"inputs": [{"name": "x", "shape": [1, 1, 8, 8], "datatype": "FP32", "data": ["a"] * 64}]}, "not float32"),
    ({"inputs": []}, "missing input"),
    ({"inputs": [{"name": "x", "shape": [1, 1, 8, 8], "datatype": "FP32", "data": [0.0] * 64}],
      "parameters": {"priority": 3}}, "'priority'"),  # --priority-levels 3: 0..2
    ({"inputs": [{"name": "x", "shape": [1, 1, 8, 8], "datatype": "FP32", "data": [0.0] * 64}],
      "outputs": [{"name": "logits"}]}, "no output"),
    (b'{"inputs": [{"name": "x", "shape": [1, 1, 8, 8], "datatype": "FP32", "data": [NaN' + b", 0" * 63 + b"]}]}",
     "NaN or infinite"),
    (b'{"inputs": [{"name": "x", "shape": [1, 1, 8, 8], "datatype": "FP32", "data": [1e39' + b", 0" * 63 + b"]}]}",
     "NaN or infinite"),  # beyond float32
    (b"{not json", "not JSON"),
    (b"x" * 100_000, "over the limit"),  # --max-body-mb 0.0625 (64 KiB)
]


@pytest.mark.parametrize("body,reason", BAD, ids=[f"bad{i}" for i in range(len(BAD))])
def test_malformed_request_answers_400_with_reason(server, body, reason):
    before = server.metric("edgecompile_requests_total", "cnn1", outcome="bad_request")
    r = server.post("cnn1", content=body) if isinstance(body, bytes) else server.post("cnn1", body)
    assert r.status_code == 400 and reason in r.json()["error"], r.text
    assert server.metric("edgecompile_requests_total", "cnn1", outcome="bad_request") == before + 1


def test_streamed_body_over_the_limit_answers_400(server):
    r = server.post("cnn1", content=iter([b"x" * 50_000, b"x" * 50_000]))  # chunked: no Content-Length
    assert r.status_code == 400 and "over the limit" in r.json()["error"]


def test_inference_error_answers_500_and_the_server_keeps_serving(server):
    def ask(idx):
        return server.post("gather", infer_body({"idx": np.array([idx], dtype=np.int64)}))

    r = ask([0, 9])  # the table has 5 rows
    assert r.status_code == 500 and "out of data bounds" in r.json()["error"], r.text
    np.testing.assert_array_equal(outputs(ask([4, 1]))["rows"],
                                  np.arange(15, dtype=np.float32).reshape(5, 3)[[4, 1]][None])
    assert server.metric("edgecompile_requests_total", "gather", outcome="error") >= 1
