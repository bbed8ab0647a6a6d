"""Small real models for the quantization tests, built in seconds without torch."""
from __future__ import annotations

from pathlib import Path

import numpy as np

OUTLIER_GAIN = 1000.0  # the extra hidden unit's activations are this much wider than the rest


def digits_flat(split: str) -> tuple[np.ndarray, np.ndarray]:
    from edgecompile.datasets import digits_split

    x, y = digits_split(split)
    return x.reshape(len(x), 64).astype(np.float32), y


def outlier_mlp(path: Path, outlier: bool = True) -> Path:
    """A digits MLP (64 -> 32 -> 10, trained by scikit-learn) whose hidden layer gets one extra unit
    with a 1000x wider activation range that the output layer ignores: the float model is unchanged,
    but per-tensor INT8 of the hidden activation crushes the 32 useful units."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    from sklearn.neural_network import MLPClassifier

    x, y = digits_flat("train")
    import warnings

    with warnings.catch_warnings():  # a few hundred iterations are plenty; convergence is not the point
        warnings.simplefilter("ignore")
        clf = MLPClassifier(hidden_layer_sizes=(32,), max_iter=400, random_state=0).fit(x, y)
    w1, w2 = clf.coefs_[0].T.astype(np.float32), clf.coefs_[1].T.astype(np.float32)  # (32, 64), (10, 32)
    b1, b2 = clf.intercepts_[0].astype(np.float32), clf.intercepts_[1].astype(np.float32)
    if outlier:
        w1 = np.vstack([w1, np.abs(w1[:1]) * OUTLIER_GAIN])
        b1 = np.append(b1, np.float32(1.0))
        w2 = np.hstack([w2, np.zeros((10, 1), np.float32)])
    inits = [numpy_helper.from_array(a, n) for a, n in ((w1, "w1"), (b1, "b1"), (w2, "w2"), (b2, "b2"))]
    nodes = [helper.make_node("Gemm", ["x", "w1", "b1"], ["h"], name="fc1", transB=1),
             helper.make_node("Relu", ["h"], ["r"], name="relu"),
             helper.make_node("Gemm", ["r", "w2", "b2"], ["y"], name="fc2", transB=1)]
    graph = helper.make_graph(nodes, "outlier_mlp", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 64])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 10])], inits)
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), str(path))
    return path


def small_cnn(path: Path, seed: int = 0) -> Path:
    """Conv-Relu-MaxPool-Conv-Relu-Flatten-Gemm on 1x1x8x8 with random weights: exercises every flavor."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(seed)
    arrays = {"w1": rng.standard_normal((8, 1, 3, 3)), "b1": rng.standard_normal(8) * 0.1,
              "w2": rng.standard_normal((8, 8, 3, 3)) * 0.3, "b2": rng.standard_normal(8) * 0.1,
              "fw": rng.standard_normal((10, 32)) * 0.3, "fb": rng.standard_normal(10) * 0.1,
              "shape": np.array([1, 32])}
    inits = [numpy_helper.from_array(v.astype(np.int64 if k == "shape" else np.float32), k) for k, v in arrays.items()]
    nodes = [helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], name="conv1", pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["c1"], ["r1"], name="relu1"),
             helper.make_node("MaxPool", ["r1"], ["p1"], name="pool", kernel_shape=[2, 2], strides=[2, 2]),
             helper.make_node("Conv", ["p1", "w2", "b2"], ["c2"], name="conv2", pads=[0, 0, 0, 0]),
             helper.make_node("Relu", ["c2"], ["r2"], name="relu2"),
             helper.make_node("Reshape", ["r2", "shape"], ["f"], name="flatten"),
             helper.make_node("Gemm", ["f", "fw", "fb"], ["y"], name="fc", transB=1)]
    graph = helper.make_graph(nodes, "small_cnn", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 8, 8])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 10])], inits)
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), str(path))
    return path
