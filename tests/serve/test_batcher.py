"""The batcher in-process, with real ONNX Runtime runners: several workers, close() drains the queue."""
import numpy as np
import pytest

import edgecompile
from edgecompile.serve.batcher import Batcher, Pending, QueueFull, ShuttingDown
from edgecompile.serve.metrics import Metrics
from edgecompile.serve.model import ServedModel


def test_two_workers_answer_every_request_and_close_drains(artifacts):
    model = ServedModel.open(f"cnn4={artifacts['cnn4']}")
    runners = [model.artifact.load() for _ in range(2)]
    batcher = Batcher(model, runners, max_batch=4, max_delay_s=0.005, max_queue=64,
                      metrics=Metrics().for_model("cnn4", "1"))
    xs = np.random.default_rng(5).standard_normal((32, 1, 8, 8)).astype(np.float32)
    pending = [Pending({"x": xs[i:i + 1]}, 1, i % 3, None) for i in range(32)]
    for p in pending:  # queued before the workers start: close() must still run them all
        batcher.submit(p)
    batcher.start()
    batcher.close()
    reference = edgecompile.load(artifacts["cnn4"])
    want = np.concatenate([reference.run({"x": xs[i:i + 4]})["y"] for i in range(0, 32, 4)])
    for i, p in enumerate(pending):
        np.testing.assert_array_equal(p.future.result(timeout=0)["y"], want[i:i + 1])
    with pytest.raises(ShuttingDown):
        batcher.submit(Pending({"x": xs[:1]}, 1, 0, None))


def test_queue_limit(artifacts):
    model = ServedModel.open(f"cnn1={artifacts['cnn1']}")
    batcher = Batcher(model, [model.artifact.load()], max_batch=1, max_delay_s=0, max_queue=2,
                      metrics=Metrics().for_model("cnn1", "1"))
    x = np.zeros((1, 1, 8, 8), np.float32)
    first, second = Pending({"x": x}, 1, 0, None), Pending({"x": x}, 1, 0, None)
    batcher.submit(first)
    batcher.submit(second)  # not started: both stay queued
    with pytest.raises(QueueFull) as e:
        batcher.submit(Pending({"x": x}, 1, 0, None))
    assert e.value.retry_after >= 1
    assert batcher.cancel(first) and first.future.cancelled()
    batcher.submit(Pending({"x": x}, 1, 0, None))  # the cancelled one freed its place
    batcher.start()
    batcher.close()
    assert second.future.result(timeout=0)["y"].shape == (1, 3)
