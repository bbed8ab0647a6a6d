"""Hostile input bytes, made by code: small valid models to damage, zip bombs, crafted headers."""
from __future__ import annotations

import io
import struct
import zipfile
import zlib

import numpy as np


def onnx_model(nodes=None, inputs=None, outputs=None, inits=None, opset: int = 17):
    """A small valid Conv-Relu-Flatten-Gemm model (1x1x8x8 -> 1x3) unless parts are given."""
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(0)
    if nodes is None:
        nodes = [helper.make_node("Conv", ["x", "w"], ["c"], pads=[1, 1, 1, 1]),
                 helper.make_node("Relu", ["c"], ["r"]),
                 helper.make_node("Flatten", ["r"], ["f"]),
                 helper.make_node("Gemm", ["f", "fc"], ["y"], transB=1)]
        inits = [numpy_helper.from_array(rng.standard_normal((2, 1, 3, 3)).astype(np.float32), "w"),
                 numpy_helper.from_array(rng.standard_normal((3, 128)).astype(np.float32), "fc")]
    inputs = inputs if inputs is not None else [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 8, 8])]
    outputs = outputs if outputs is not None else [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3])]
    graph = helper.make_graph(nodes, "g", inputs, outputs, initializer=inits or [])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], ir_version=8)


def onnx_bytes(**kw) -> bytes:
    return onnx_model(**kw).SerializeToString()


def relu_model(shape, dtype=None):
    from onnx import TensorProto, helper

    t = dtype or TensorProto.FLOAT
    return onnx_bytes(nodes=[helper.make_node("Relu", ["x"], ["y"])],
                      inputs=[helper.make_tensor_value_info("x", t, shape)],
                      outputs=[helper.make_tensor_value_info("y", t, shape)], inits=[])


def npy_bytes(arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=True)
    return buf.getvalue()


def npy_header_only(shape, dtype="<f4") -> bytes:
    """A .npy whose header declares `shape` but carries almost no data."""
    header = f"{{'descr': '{dtype}', 'fortran_order': False, 'shape': {tuple(shape)}, }}"
    header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + b"\0" * 64


def npz_bytes(arrays: dict, compress: bool = True) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED) as z:
        for name, data in arrays.items():
            z.writestr(f"{name}.npy", data if isinstance(data, bytes) else npy_bytes(data))
    return buf.getvalue()


def zip_bomb_npz(gib: float = 4) -> bytes:
    """An .npz of ~70 kB whose x.npy declares `gib` GiB of float32 (16 MiB of zeros actually deflated)."""
    rows = int(gib * (1 << 30)) // 256
    data = npy_header_only((rows, 64))[:-64] + b"\0" * (16 << 20)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("x.npy", data)
    return buf.getvalue()


def png_bomb(width: int = 100_000, height: int = 100_000) -> bytes:
    """A valid PNG header declaring width x height pixels, with one tiny IDAT."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


def png(size=(8, 8), mode="L") -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new(mode, size, 128).save(buf, format="PNG")
    return buf.getvalue()


def tflite_garbage(seed: int, n: int = 256) -> bytes:
    """TFL3-tagged bytes whose offsets point anywhere."""
    rng = np.random.default_rng(seed)
    body = bytearray(rng.integers(0, 256, n, dtype=np.uint8).tobytes())
    body[4:8] = b"TFL3"
    return bytes(body)


def tar_bytes(members: dict[str, bytes]) -> bytes:
    import tarfile

    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as t:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    return buf.getvalue()
