"""Mutation fuzzing (hypothesis) of the ONNX, TFLite, .npy/.npz and calibration .toml readers.

`python tests/hostile/fuzz.py N` runs N mutated inputs per reader and prints one JSON line: examples
run and findings (inputs that raised anything but the reader's typed error). The test runs it in a
child process under an address-space limit, so a native crash is a failed test, not a dead pytest.
"""
from __future__ import annotations

import json
import sys
import tempfile
from collections import Counter
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))


@st.composite
def mutated(draw, seed: bytes) -> bytes:
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 8))):
        op = draw(st.sampled_from(("flip", "set", "truncate", "insert", "delete", "duplicate")))
        pos = draw(st.integers(0, max(len(data) - 1, 0)))
        if op == "flip" and data:
            data[pos] ^= 1 << draw(st.integers(0, 7))
        elif op == "set" and data:
            data[pos] = draw(st.sampled_from((0, 0x7F, 0x80, 0xFF, draw(st.integers(0, 255)))))
        elif op == "truncate":
            del data[pos:]
        elif op == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=16))
        elif op == "delete":
            del data[pos:pos + draw(st.integers(1, 16))]
        elif op == "duplicate":
            data[pos:pos] = data[pos:pos + draw(st.integers(1, 64))]
    return bytes(data)


def tflite_seed() -> bytes:
    import flatbuffers
    from ai_edge_litert import schema_py_generated as s

    def tensor(name, shape):
        t = s.TensorT()
        t.name, t.shape, t.type, t.buffer = name, shape, s.TensorType.FLOAT32, 0
        return t

    op = s.OperatorT()
    op.opcodeIndex, op.inputs, op.outputs = 0, [0], [1]
    sg = s.SubGraphT()
    sg.tensors, sg.inputs, sg.outputs, sg.operators = [tensor(b"x", [1, 8, 8, 1]), tensor(b"y", [1, 8, 8, 1])], [0], [1], [op]
    code = s.OperatorCodeT()
    code.builtinCode = code.deprecatedBuiltinCode = s.BuiltinOperator.RELU
    m = s.ModelT()
    m.version, m.subgraphs, m.buffers, m.operatorCodes = 3, [sg], [s.BufferT()], [code]
    b = flatbuffers.Builder(0)
    b.Finish(m.Pack(b), file_identifier=b"TFL3")
    return bytes(b.Output())


def readers(tmp: Path):
    """name -> (seed bytes, read(bytes), the typed errors it may raise)."""
    from hostile import inputs

    from edgecompile.errors import CalibrationError, ModelLoadError
    from edgecompile.frontends.onnx import parse
    from edgecompile.frontends.tflite_child import boundary_4d
    from edgecompile.passes import sanity
    from edgecompile.quant.arrays import read_arrays
    from edgecompile.quant.manifest import read_manifest

    def onnx_read(data):
        sanity.before(parse(data, "fuzz.onnx"))

    def file_reader(name, fn):
        def read(data):
            p = tmp / name
            p.write_bytes(data)
            return fn(p)
        return read

    toml = (b'name = "x"\nsource = "imgs"\nsamples = 16\nseed = 3\n[preprocess]\nresize = [8, 8]\n'
            b'mean = [0.5]\nstd = [0.25]\nscale = 0.0039\ndtype = "float32"\nlayout = "NCHW"\n')
    x = np.random.default_rng(0).standard_normal((4, 1, 8, 8)).astype(np.float32)
    out = {"onnx": (inputs.onnx_bytes(), onnx_read, (ModelLoadError,))}
    try:  # the frontend runs this reader in a child that turns any Exception into a typed error; what must
        # hold is that it returns or raises (no crash, no hang) on any bytes
        out["tflite"] = (tflite_seed(), boundary_4d, (Exception,))
    except ImportError:  # no [tflite] extra here
        pass
    return {
        **out,
        "npy": (inputs.npy_bytes(x), file_reader("f.npy", read_arrays), (CalibrationError,)),
        "npz": (inputs.npz_bytes({"x": x, "y": np.arange(4)}), file_reader("f.npz", read_arrays), (CalibrationError,)),
        "toml": (toml, file_reader("f.toml", lambda p: read_manifest(str(p))), (CalibrationError,)),
    }


def fuzz(n: int) -> dict:
    out = {"examples": {}, "findings": []}
    with tempfile.TemporaryDirectory() as d:
        for name, (seed, read, allowed) in readers(Path(d)).items():
            count, kinds = Counter(), out["findings"]

            @settings(max_examples=n, deadline=None, database=None, derandomize=True,
                      suppress_health_check=list(HealthCheck))
            @given(mutated(seed))
            def run(data):
                count["n"] += 1
                try:
                    read(data)
                except allowed:
                    count["typed"] += 1
                except BaseException as e:  # noqa: BLE001 - every other outcome is a finding
                    if len(kinds) < 50:
                        kinds.append({"reader": name, "error": f"{type(e).__name__}: {str(e)[:200]}",
                                      "input_hex": data[:64].hex()})

            run()
            out["examples"][name] = {"run": count["n"], "typed_errors": count["typed"]}
    return out


if __name__ == "__main__":
    print(json.dumps(fuzz(int(sys.argv[1]))))
