"""Hostile model files: ONNX, TFLite, ExportedProgram .pt2, TorchScript .pt, Python factories, weights."""
from __future__ import annotations

import io
import os
import zipfile

import numpy as np

from hostile import inputs
from hostile.case import Case


def _onnx_cases() -> list[Case]:
    from onnx import TensorProto, helper, numpy_helper

    good = inputs.onnx_bytes()
    cases = [
        Case("onnx-empty", "onnx", ["inspect", "m.onnx"], {"m.onnx": b""}),
        Case("onnx-dir", "onnx", ["inspect", "m.onnx"], {"m.onnx/": None}),
        Case("onnx-devzero", "onnx", ["inspect", "m.onnx"], {"m.onnx": ("symlink", "/dev/zero")}),
        Case("onnx-no-outputs", "onnx", ["build", "m.onnx", "-t", "onnxruntime"], {"m.onnx": inputs.onnx_bytes(outputs=[])}),
        Case("onnx-opset-99", "onnx", ["build", "m.onnx", "-t", "onnxruntime"], {"m.onnx": inputs.onnx_bytes(opset=99)}),
        Case("onnx-huge-input", "onnx", ["build", "m.onnx", "-t", "onnxruntime"],
             {"m.onnx": inputs.relu_model([100000, 100000])}),
        Case("onnx-huge-input-shape-flag", "onnx", ["build", "m.onnx", "-t", "onnxruntime", "--input-shape", "x=100000x100000"],
             {"m.onnx": inputs.relu_model(["n", "m"])}),
        Case("onnx-string-input", "onnx", ["build", "m.onnx", "-t", "all", "--no-verify"],
             {"m.onnx": inputs.relu_model([1, 4], TensorProto.STRING)}),
        Case("onnx-constant-only", "onnx", ["build", "m.onnx", "-t", "c"], {"m.onnx": inputs.onnx_bytes(
            nodes=[helper.make_node("Constant", [], ["y"], value=numpy_helper.from_array(np.ones((1, 3), np.float32)))],
            inputs=[], inits=[])}),
        Case("onnx-scalar-io", "onnx", ["build", "m.onnx", "-t", "onnxruntime", "-t", "openvino", "-t", "tflite", "-t", "tvm",
                                        "-t", "c", "--no-verify"], {"m.onnx": inputs.relu_model([])},
             keeps="build/"),  # the targets that can take it still build: their artifacts stay
        Case("onnx-nan-weights", "onnx", ["build", "m.onnx", "-t", "onnxruntime"], {"m.onnx": _weights(np.nan)}),
        Case("onnx-inf-weights", "onnx", ["build", "m.onnx", "-t", "onnxruntime"], {"m.onnx": _weights(np.inf)}),
        Case("onnx-unknown-op", "onnx", ["build", "m.onnx", "-t", "onnxruntime"], {"m.onnx": inputs.onnx_bytes(
            nodes=[helper.make_node("NoSuchOp", ["x"], ["y"], domain="evil")], inputs=[
                helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])], outputs=[
                helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])], inits=[])}),
        Case("onnx-dangling-input", "onnx", ["inspect", "m.onnx"], {"m.onnx": inputs.onnx_bytes(
            nodes=[helper.make_node("Add", ["x", "ghost"], ["y"])], inputs=[
                helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])], outputs=[
                helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])], inits=[])}),
        Case("onnx-external-escape", "onnx", ["inspect", "m.onnx"], {"m.onnx": _external("../../etc/passwd", 4)}),
        Case("onnx-external-absolute", "onnx", ["inspect", "m.onnx"], {"m.onnx": _external("/etc/passwd", 4)}),
        Case("onnx-external-missing", "onnx", ["inspect", "m.onnx"], {"m.onnx": _external("gone.bin", 4)}),
        Case("onnx-external-sparse-3g", "onnx", ["inspect", "m.onnx"],
             {"m.onnx": _external("big.bin", 3 << 30), "big.bin": ("sparse", (3 << 30) * 4)}),
        Case("onnx-external-short", "onnx", ["inspect", "m.onnx"], {"m.onnx": _external("w.bin", 1000), "w.bin": b"\0" * 16}),
        Case("onnx-bad-input-shape-flag", "onnx", ["build", "m.onnx", "-t", "onnxruntime", "--input-shape", "x=0x3"],
             {"m.onnx": good}),
        Case("onnx-weights-flag", "onnx", ["build", "m.onnx", "-t", "onnxruntime", "--weights", "w.pt"], {"m.onnx": good}),
        Case("onnx-unknown-suffix", "onnx", ["inspect", "m.bin"], {"m.bin": good}),
    ]
    rng = np.random.default_rng(1)
    for n in (1, 16, 4096):
        cases.append(Case(f"onnx-random-{n}", "onnx", ["inspect", "m.onnx"], {"m.onnx": rng.bytes(n)}))
    for frac in (0.1, 0.3, 0.5, 0.7, 0.9, 0.99):
        cases.append(Case(f"onnx-truncated-{int(frac * 100)}", "onnx", ["build", "m.onnx", "-t", "onnxruntime"],
                          {"m.onnx": good[:int(len(good) * frac)]}))
    for k in range(6):
        flipped = bytearray(good)
        for i in rng.integers(0, len(good), 8):
            flipped[i] ^= int(rng.integers(1, 256))
        cases.append(Case(f"onnx-bitflip-{k}", "onnx", ["build", "m.onnx", "-t", "onnxruntime"], {"m.onnx": bytes(flipped)},
                      expect=(0, 1, 2)))
    return cases


def _weights(value) -> bytes:
    from onnx import numpy_helper

    m = inputs.onnx_model()
    w = numpy_helper.to_array(m.graph.initializer[0]).copy()
    w.flat[0] = value
    m.graph.initializer[0].CopyFrom(numpy_helper.from_array(w, "w"))
    return m.SerializeToString()


def _external(location: str, n_floats: int) -> bytes:
    from onnx import TensorProto, helper

    m = inputs.onnx_model(nodes=[helper.make_node("Add", ["x", "w"], ["y"])], inputs=[
        helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, n_floats])], outputs=[
        helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, n_floats])], inits=[])
    t = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[1, n_floats])
    t.data_location = TensorProto.EXTERNAL
    for k, v in (("location", location), ("offset", "0"), ("length", str(4 * n_floats))):
        e = t.external_data.add()
        e.key, e.value = k, v
    m.graph.initializer.append(t)
    return m.SerializeToString()


def _tflite_cases() -> list[Case]:
    cases = [Case(f"tflite-garbage-{s}", "tflite", ["inspect", "m.tflite"], {"m.tflite": inputs.tflite_garbage(s)})
             for s in range(3)]
    cases += [Case("tflite-no-magic", "tflite", ["inspect", "m.tflite"], {"m.tflite": b"\0" * 64}),
              Case("tflite-tiny", "tflite", ["inspect", "m.tflite"], {"m.tflite": b"\0\0\0\0TFL3"}),
              Case("tflite-weights-flag", "tflite", ["inspect", "m.tflite", "--weights", "w.pt"],
                   {"m.tflite": inputs.tflite_garbage(9)})]
    real = os.environ.get("EDGECOMPILE_HOSTILE_TFLITE")  # a real model to truncate (the MLPerf KWS one in tests)
    if real and os.path.isfile(real):
        data = open(real, "rb").read()
        for frac in (0.05, 0.5):
            cases.append(Case(f"tflite-truncated-{int(frac * 100)}", "tflite", ["inspect", "m.tflite"],
                              {"m.tflite": data[:int(len(data) * frac)]}))
    return cases


class _Payload:
    def __reduce__(self):
        return (os.system, ("touch PWNED",))


def _pt2(mutate) -> bytes:
    """A minimal .pt2-looking zip (no torch needed to make it) with `mutate` adding entries."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("m/archive_format", "pt2")
        z.writestr("m/models/model.json", "{}")
        mutate(z)
    return buf.getvalue()


def _pickle_bytes() -> bytes:
    import pickle

    return pickle.dumps(_Payload())


def _torch_save(obj) -> bytes:
    import torch

    buf = io.BytesIO()
    torch.save(obj, buf)
    return buf.getvalue()


def _torch_cases() -> list[Case]:
    evil = _pickle_bytes()
    cases = [
        Case("pt2-random", "pt2", ["inspect", "m.pt2"], {"m.pt2": np.random.default_rng(2).bytes(2000)}),
        Case("pt2-empty-zip", "pt2", ["inspect", "m.pt2"], {"m.pt2": _pt2(lambda z: None)}),
        Case("pt2-legacy-weights-pickle", "pt2", ["inspect", "m.pt2"],
             {"m.pt2": _pt2(lambda z: z.writestr("m/data/weights/model.pt", evil))}),
        Case("pt2-custom-obj", "pt2", ["inspect", "m.pt2"],
             {"m.pt2": _pt2(lambda z: z.writestr("m/data/constants/custom_obj_0", evil))}),
        Case("pt2-aotinductor", "pt2", ["inspect", "m.pt2"],
             {"m.pt2": _pt2(lambda z: z.writestr("m/data/aotinductor/model/libevil.so", b"\x7fELF"))}),
        Case("pt2-pkl-member", "pt2", ["inspect", "m.pt2"], {"m.pt2": _pt2(lambda z: z.writestr("m/extra.pkl", evil))}),
        Case("pt2-weights-flag", "pt2", ["inspect", "m.pt2", "--weights", "w.pt"], {"m.pt2": b"PK"}),
        Case("pt-random", "pt", ["inspect", "m.pt"], {"m.pt": np.random.default_rng(3).bytes(500)}),
        Case("pt-empty", "pt", ["inspect", "m.pt"], {"m.pt": b""}),
        Case("pt-plain-pickle", "pt", ["inspect", "m.pt"], {"m.pt": evil}),
        Case("pt-state-dict", "pt", ["inspect", "m.pt"], {"m.pt": _torch_save({"w": __import__("torch").zeros(2)})}),
        Case("pt-pickle-in-zip", "pt", ["inspect", "m.pt"], {"m.pt": _torch_save(_Payload())}),
    ]
    net = "import torch\nclass Net(torch.nn.Module):\n    def __init__(self):\n        super().__init__()\n" \
          "        self.l = torch.nn.Linear(4, 2)\n    def forward(self, x):\n        return self.l(x)\n"
    py = [
        ("py-factory-raises", net + "def make():\n    raise ValueError('boom')\n", "net.py:make", None),
        ("py-factory-exits", net + "import sys\ndef make():\n    sys.exit(0)\n", "net.py:make", None),
        ("py-import-exits", "import sys\nsys.exit(0)\n", "net.py:Net", None),
        ("py-syntax-error", "def (:\n", "net.py:Net", None),
        ("py-not-a-module", "def make():\n    return 42\n", "net.py:make", None),
        ("py-missing-attr", net, "net.py:Nope", None),
        ("py-weights-list", net, "net.py:Net", _torch_save([1, 2, 3])),
        ("py-weights-pickle", net, "net.py:Net", evil),
        ("py-weights-wrong-keys", net, "net.py:Net", _torch_save({"nope": __import__("torch").zeros(3)})),
        ("py-weights-missing", net, "net.py:Net", "missing"),
    ]
    for cid, src, spec, weights in py:
        files = {"net.py": src.encode()}
        argv = ["build", spec, "-t", "onnxruntime", "--input-shape", "1x4"]
        if weights is not None:
            argv += ["--weights", "w.pt"]
            if weights != "missing":
                files["w.pt"] = weights
        cases.append(Case(cid, "python", argv, files))
    return cases


def cases() -> list[Case]:
    return _onnx_cases() + _tflite_cases() + _torch_cases()
