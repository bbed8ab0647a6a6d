"""/metrics parses with prometheus_client's parser, and its counters match the requests sent."""
import numpy as np
from prometheus_client.parser import text_string_to_metric_families
from serve_support import infer_body


def test_metrics_parse_and_count_the_requests(server):
    names = {f.name: f.type for f in text_string_to_metric_families(server.get("/metrics").text)}
    assert names == {"edgecompile_requests": "counter", "edgecompile_request_duration_seconds": "histogram",
                     "edgecompile_queue_duration_seconds": "histogram",
                     "edgecompile_inference_duration_seconds": "histogram",
                     "edgecompile_batch_size": "histogram", "edgecompile_queue_depth": "gauge"}

    def snapshot():
        m = server.metrics()
        return {(name, outcome): m.get((name, ("model", "cnn1"), *([("outcome", outcome)] if outcome else []),
                                        ("version", "1")), 0.0)
                for name, outcome in [("edgecompile_requests_total", "ok"),
                                      ("edgecompile_requests_total", "bad_request"),
                                      ("edgecompile_request_duration_seconds_count", None),
                                      ("edgecompile_queue_duration_seconds_count", None),
                                      ("edgecompile_inference_duration_seconds_count", None),
                                      ("edgecompile_batch_size_sum", None),
                                      ("edgecompile_queue_depth", None)]}

    before = snapshot()
    x = np.zeros((1, 1, 8, 8), np.float32)
    for _ in range(5):
        assert server.post("cnn1", infer_body({"x": x})).status_code == 200
    for _ in range(2):
        assert server.post("cnn1", {"inputs": []}).status_code == 400
    after = snapshot()
    delta = {k: after[k] - before[k] for k in before}
    assert delta == {("edgecompile_requests_total", "ok"): 5, ("edgecompile_requests_total", "bad_request"): 2,
                     ("edgecompile_request_duration_seconds_count", None): 7,  # every answer is timed
                     ("edgecompile_queue_duration_seconds_count", None): 5,  # only valid requests queue
                     ("edgecompile_inference_duration_seconds_count", None): 5,  # one run per looped request
                     ("edgecompile_batch_size_sum", None): 5,
                     ("edgecompile_queue_depth", None): 0}
