"""One range table, four INT8 flavors: the same measured ranges in each backend's encoding."""
import numpy as np
import onnx
import pytest
from onnx import numpy_helper

from edgecompile.core import flavor
from edgecompile.quant.qdq import activation_params, activation_qparams, quantize

# the flavors the built-in backends declare
FLAVORS = {"onnxruntime": flavor.S8, "openvino": flavor.U8, "tensorrt": flavor.S8_SYMMETRIC, "c": flavor.TFLITE}
from edgecompile.quant.sources import data_sha256
from edgecompile.quant.table import calibrate


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    from quant_models import small_cnn

    model = onnx.load(str(small_cnn(tmp_path_factory.mktemp("cnn") / "cnn.onnx")))
    rng = np.random.default_rng(0)
    feeds = [{"x": rng.random((1, 1, 8, 8), dtype=np.float32)} for _ in range(64)]
    table, _ = calibrate(model, feeds, data_sha256(feeds), "minmax")
    return model, feeds, table, {f: quantize(model, table, FLAVORS[f]) for f in FLAVORS}


def _inits(m):
    return {t.name: numpy_helper.to_array(t) for t in m.graph.initializer}


def test_activation_ranges_agree_across_flavors(setup):
    model, _, table, q = setup
    params = {f: activation_qparams(m) for f, m in q.items()}
    names = set(params["onnxruntime"])
    assert names and all(set(p) == names for p in params.values())
    for t in names:
        s8, u8, sym, c = (params[f][t] for f in ("onnxruntime", "openvino", "tensorrt", "c"))
        assert c == s8  # the C backend's numbers are onnxruntime's
        assert (s8[2], u8[2], sym[2]) == ("int8", "uint8", "int8")
        assert u8[0] == s8[0] and u8[1] == s8[1] + 128  # same grid, shifted code
        lo, hi = s8[0] * (-128 - s8[1]), s8[0] * (127 - s8[1])  # the float range the s8 grid spans
        assert sym[1] == 0 and sym[0] * 127 == pytest.approx(max(-lo, hi), abs=s8[0])
    for t in ("x", "r1", "r2"):  # tensors whose range nothing adjusts: exactly the table's numbers
        for f in FLAVORS:
            scale, zp, dtype = activation_params(*table.ranges[t], FLAVORS[f])
            assert params[f][t] == (pytest.approx(float(scale)), zp, dtype)


def test_weights_per_channel_symmetric_and_identical(setup):
    _, _, _, q = setup
    ref = _inits(q["onnxruntime"])
    for f, m in q.items():
        got = _inits(m)
        for w in ("w1", "w2", "fw"):
            assert got[f"{w}_quantized"].dtype == np.int8 and np.array_equal(got[f"{w}_quantized"], ref[f"{w}_quantized"])
            assert got[f"{w}_scale"].shape[0] == got[f"{w}_quantized"].shape[0]  # one scale per output channel
            assert not got[f"{w}_zero_point"].any()


def test_bias_is_int32_with_input_times_weight_scale(setup):
    _, _, _, q = setup
    for f, m in q.items():
        i = _inits(m)
        assert i["b1_quantized"].dtype == np.int32
        x_scale = activation_qparams(m)["x"][0]
        np.testing.assert_allclose(i["b1_quantized_scale"], x_scale * i["w1_scale"], rtol=1e-6)


def test_every_flavor_runs_close_to_float(setup):
    from edgecompile.core.parity import compare
    from edgecompile.verify import reference_outputs

    model, feeds, _, q = setup
    ref = reference_outputs(model.SerializeToString(), feeds)["y"]
    for f, m in q.items():
        got = reference_outputs(m.SerializeToString(), feeds)["y"]
        assert compare("y", ref, got).cosine > 0.99, f


def test_keep_float_layer_reads_float_input(setup):
    model, feeds, table, _ = setup
    m = quantize(model, table.with_float({"fc"}), flavor.S8)
    fc = next(n for n in m.graph.node if n.name == "fc")
    assert "DequantizeLinear" not in {n.op_type for n in m.graph.node if fc.input[0] in n.output}
    onnx.checker.check_model(m)


def test_every_flavor_writes_a_sorted_valid_graph(setup):
    """Producers before consumers (ONNX Runtime's quantizer appends its Q/DQ nodes after their readers): the
    checker accepts each QDQ model, so an int8 artifact built from one can be read back as a model."""
    for f, m in setup[3].items():
        seen = {i.name for i in m.graph.input} | {t.name for t in m.graph.initializer} | {""}
        for n in m.graph.node:
            assert set(n.input) <= seen, (f, n.name)
            seen.update(n.output)
        onnx.checker.check_model(m)
