"""The batcher in-process, with real ONNX Runtime runners: several workers, close() drains the queue."""
import numpy as np
import pytest

import edgecompile
from edgecompile.serve.batcher import Batcher, InferenceError, Pending, QueueFull, ShuttingDown
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


def test_a_failing_request_does_not_fail_the_others_in_its_stack(tmp_path):
    """Two requests stacked into one run of `gather` (batch 2), one with an index out of range: the
    stack fails, each is rerun alone, and only the bad one gets the error."""
    from serve_models import gather

    from edgecompile.driver import build

    report = build(str(gather(tmp_path / "gather.onnx")), ["onnxruntime"], out=tmp_path, input_shapes={"idx": (2, 2)},
                   verify=False)
    model = ServedModel.open(str(report.results[0].path))
    assert model.stacks and model.batch == 2
    metrics = Metrics()
    batcher = Batcher(model, [model.artifact.load()], max_batch=2, max_delay_s=0, max_queue=4,
                      metrics=metrics.for_model(model.name, "1"))
    good = Pending({"idx": np.array([[4, 0]])}, 1, 0, None)
    bad = Pending({"idx": np.array([[9, 0]])}, 1, 0, None)
    batcher.submit(good)
    batcher.submit(bad)
    batcher.start()
    batcher.close()
    table = np.arange(15, dtype=np.float32).reshape(5, 3)
    np.testing.assert_array_equal(good.future.result(timeout=0)["rows"], table[[4, 0]][None])
    with pytest.raises(InferenceError, match="out of data bounds"):
        bad.future.result(timeout=0)
    labels = {"model": model.name, "version": "1"}
    assert metrics.registry.get_sample_value("edgecompile_batch_size_count", labels) == 1  # one stack of 2
    assert metrics.registry.get_sample_value("edgecompile_inference_duration_seconds_count", labels) == 3  # + 2 alone
