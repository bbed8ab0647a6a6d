"""GPU-delegate readiness: which ops of a .tflite the TFLite GPU delegate (OpenCL/Metal) would leave on the CPU.

Judged against the delegate's documented op list (gpu_delegate_ops.toml). Every op outside it
splits the graph: the delegate runs the pieces it can and hands the rest back to the CPU, with a
GPU<->CPU copy at every boundary, which often makes the whole model slower than CPU-only.
"""
from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any

TABLE = Path(__file__).with_name("gpu_delegate_ops.toml")


@lru_cache(maxsize=1)
def table() -> dict[str, Any]:
    return tomllib.loads(TABLE.read_text())


def _why_not(op, ops: dict[str, int], absorbed: dict[str, str]) -> str | None:
    """None when the delegate takes the op, else the reason it stays on the CPU."""
    if op.custom:
        return f"custom op {op.name}: the GPU delegate runs builtin ops only"
    if op.name in absorbed:
        if op.name == "DEQUANTIZE" and op.input_types[:1] == ("FLOAT16",) and all(op.const_inputs[:1]):
            return None
        return f"{op.name} of a non-constant or non-float16 tensor is not in the delegate's list"
    if op.name not in ops:
        return f"{op.name} is not in the GPU delegate's documented op list"
    if op.version > ops[op.name]:
        return f"{op.name} version {op.version}: the documented list covers up to version {ops[op.name]}"
    if any(t not in ("FLOAT32", "FLOAT16") for t, c in zip(op.input_types, op.const_inputs) if not c):
        kinds = sorted({t for t, c in zip(op.input_types, op.const_inputs) if not c})
        return f"{op.name} on {'/'.join(kinds)} activations: the delegate computes in float16/float32"
    return None


def report_ops(ops) -> dict[str, Any]:
    t = table()
    supported, absorbed = t["ops"], t["absorbed"]
    cpu = []
    for op in ops:
        why = _why_not(op, supported, absorbed)
        if why:
            cpu.append({"index": op.index, "op": op.name, "version": op.version, "tensor": op.output, "reason": why})
    counted = [op for op in ops if not (op.name in absorbed and _why_not(op, supported, absorbed) is None)]
    return {
        "ops_total": len(counted),
        "ops_on_gpu": len(counted) - len(cpu),
        "cpu_fallback": cpu,
        "cpu_fallback_ops": sorted({c["op"] for c in cpu}),
        "fully_delegated": not cpu,
        # each contiguous run of delegated ops is one GPU partition; more than one costs copies
        "gpu_partitions": _partitions(counted, {c["index"] for c in cpu}),
        "source": t["source"],
    }


def summary_lines(rep: dict[str, Any], width: int = 48) -> tuple[str, list[str]]:
    """(title, lines) for `edgecompile inspect`: the share on the GPU, then each op left on the CPU."""
    title = (f"TFLite GPU delegate (fp16, OpenCL/Metal): {rep['ops_on_gpu']}/{rep['ops_total']} ops on the GPU "
             f"in {rep['gpu_partitions']} partition(s)" + ("" if rep["fully_delegated"] else "; on the CPU:"))
    lines = []
    for f in rep["cpu_fallback"]:
        name = f["tensor"] if len(f["tensor"]) <= width else "..." + f["tensor"][-(width - 3):]
        where = f"{f['origin']}, writing {name}" if f.get("origin") else name
        lines.append(f"{f['op']} (op {f['index']}, {where}): {f['reason']}")
    return title, lines


def _partitions(ops, cpu_idx: set[int]) -> int:
    n, inside = 0, False
    for op in ops:
        on_gpu = op.index not in cpu_idx
        n += on_gpu and not inside
        inside = on_gpu
    return n


def gpu_delegate_report(model: str | Path | bytes, precision: str = "fp16") -> dict[str, Any]:
    """The report for a .tflite file (or its bytes), or for a normalized ONNX graph (ModelProto).

    An ONNX graph is first converted the way the tflite backend would (onnx2tf, `precision`
    fp16 or fp32), so the report names the TFLite ops the delegate would actually see.
    Keys: ops_total, ops_on_gpu, cpu_fallback [{index, op, version, tensor, reason}],
    cpu_fallback_ops, fully_delegated, gpu_partitions, source.
    """
    from edgecompile.backends.tflite.flatbuffer import read_ops

    if isinstance(model, (bytes, bytearray)) and model[4:8] == b"TFL3":
        return report_ops(read_ops(model))
    if isinstance(model, (str, Path)) and Path(model).suffix.lower() == ".tflite":
        return report_ops(read_ops(Path(model)))
    data, onnx_ops = _convert_onnx(model, precision)
    rep = report_ops(read_ops(data))
    for f in rep["cpu_fallback"]:  # name where an op came from when the ONNX graph has no such op
        if f["op"] in LAYOUT_OPS and LAYOUT_OPS[f["op"]] not in onnx_ops:
            f["origin"] = f"a layout conversion onnx2tf inserted (the ONNX graph has no {LAYOUT_OPS[f['op']]})"
    return rep


# TFLite ops onnx2tf adds to move between ONNX's NCHW and TFLite's NHWC
LAYOUT_OPS = {"TRANSPOSE": "Transpose", "RESHAPE": "Reshape"}


def _convert_onnx(model, precision: str) -> tuple[bytes, set[str]]:
    """The .tflite bytes the backend would build, and the ONNX op types it was built from."""
    import tempfile

    import onnx

    from edgecompile.backends.tflite import convert

    proto = model  # the normalized graph (fixed shapes), as the build driver hands it over
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "model.onnx"
        onnx.save(proto, str(src))
        files = convert.run(convert.Request(src, Path(tmp) / "out"))
        return files["fp16" if precision == "fp16" else "fp32"], {n.op_type for n in proto.graph.node}
