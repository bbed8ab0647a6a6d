"""quant-report compares like with like: a layer whose Relu the integer kernels fuse is compared after it."""
import numpy as np
import onnx

from edgecompile.core.flavor import S8
from edgecompile.quant.report import layer_sqnr
from edgecompile.quant.sources import data_sha256
from edgecompile.quant.table import calibrate


def test_fused_relu_layers_are_compared_after_the_relu(tmp_path):
    from quant_models import small_cnn

    model = onnx.load(str(small_cnn(tmp_path / "cnn.onnx")))
    rng = np.random.default_rng(0)
    feeds = [{"x": rng.random((1, 1, 8, 8), dtype=np.float32)} for _ in range(64)]
    table, _ = calibrate(model, feeds, data_sha256(feeds), "minmax")
    rows = layer_sqnr(model, table, S8, feeds)
    convs = [r for r in rows if r["op_type"].startswith("Conv")]
    assert convs and all(r["op_type"] == "Conv+Relu" for r in convs)
    assert not any(r["op_type"] == "Relu" for r in rows)  # the Relu is part of its layer's row
    # 8-bit per-channel quantization of a small CNN: tens of dB, not the ~1-5 dB a pre-Relu comparison gives
    assert min(r["sqnr_db"] for r in rows) > 20, rows
