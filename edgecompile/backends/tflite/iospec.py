"""The .tflite's inputs and outputs as TensorSpecs named after the reference ONNX graph.

onnx2tf renames tensors (serving_default_x:0, Identity, PartitionedCall:0) and does not
promise ONNX's order, and it turns 4-D tensors to NHWC. Inputs are matched by name (the
name survives, decorated); outputs by running one seeded sample through both graphs and
taking, for every ONNX output, the .tflite output and layout that reproduce it.
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from edgecompile.core.tensor import TensorSpec
from edgecompile.errors import EdgeCompileError

NHWC = (0, 2, 3, 1)


def _bare(name: str) -> str:
    name = re.sub(r"^serving_default_", "", name)
    name = re.sub(r":\d+$", "", name)
    return re.sub(r"[^0-9A-Za-z]", "_", name)


def _spec(name: str, d: dict, layout: str | None) -> TensorSpec:
    scale, zp = d["quantization"]
    quant = np.dtype(d["dtype"]).kind in "iu" and scale != 0.0
    return TensorSpec(name, tuple(int(v) for v in d["shape"]), np.dtype(d["dtype"]).name, layout,
                      float(scale) if quant else None, int(zp) if quant else None)


def _layout_of(ref: TensorSpec, shape: tuple[int, ...], kept: bool) -> str | None:
    """The artifact-side layout of one input, from what onnx2tf was asked and what it wrote."""
    if len(ref.shape) != 4:
        return ref.layout
    nhwc = tuple(ref.shape[i] for i in NHWC)
    if kept or shape != nhwc:
        if shape != tuple(ref.shape):
            raise EdgeCompileError(f"input '{ref.name}': onnx2tf wrote shape {shape}, expected {ref.shape}")
        return ref.layout
    return "NHWC"


def match_inputs(details: list[dict], refs: list[TensorSpec], kept: set[str]) -> tuple[list[TensorSpec], dict]:
    by_bare = {_bare(d["name"]): d for d in details}
    specs, names = [], {}
    for pos, ref in enumerate(refs):
        d = by_bare.get(_bare(ref.name)) or (details[pos] if len(details) == len(refs) else None)
        if d is None:
            raise EdgeCompileError(f"the .tflite has no input for ONNX input '{ref.name}' "
                                   f"(it has {[x['name'] for x in details]})")
        shape = tuple(int(v) for v in d["shape"])
        specs.append(_spec(ref.name, d, _layout_of(ref, shape, ref.name in kept)))
        names[ref.name] = d["name"]
    return specs, names


def match_outputs(interpreter, in_specs: list[TensorSpec], in_names: dict, refs: list[TensorSpec],
                  onnx_bytes: bytes, sample: dict[str, np.ndarray],
                  ref_layouts: dict[str, str | None]) -> tuple[list[TensorSpec], dict]:
    from edgecompile.core.tensor import decode, encode
    from edgecompile.verify import reference_outputs

    ref_out = reference_outputs(onnx_bytes, [sample])
    by_name = {d["name"]: d for d in interpreter.get_input_details()}
    for s in in_specs:
        interpreter.set_tensor(by_name[in_names[s.name]]["index"], encode(sample[s.name], s, ref_layouts[s.name]))
    interpreter.invoke()
    outs = interpreter.get_output_details()
    specs, names, taken = [], {}, set()
    for ref in refs:
        best = None
        for d in outs:
            if d["name"] in taken:
                continue
            candidates = [(ref.layout, tuple(ref.shape))]
            if ref.layout == "NCHW":  # onnx2tf may have made it channels-last
                candidates.append(("NHWC", tuple(ref.shape[i] for i in NHWC)))
            for layout, want in candidates:
                if tuple(int(v) for v in d["shape"]) != want:
                    continue
                spec = _spec(ref.name, d, layout)
                got = decode(interpreter.get_tensor(d["index"]), spec, ref.layout)
                err = float(np.max(np.abs(got - ref_out[ref.name]))) if got.size else 0.0
                if best is None or err < best[0]:
                    best = (err, spec, d["name"])
        if best is None:
            raise EdgeCompileError(f"the .tflite has no output shaped like ONNX output '{ref.name}' {ref.shape}")
        specs.append(best[1])
        names[ref.name] = best[2]
        taken.add(best[2])
    return specs, names


def tflite_io(path: Path, onnx_model, kept: set[str], sample: dict[str, np.ndarray]):
    """(inputs, outputs, {"inputs": {onnx: tflite}, "outputs": {...}}) for one .tflite file."""
    from edgecompile.core.graph import io_specs
    from edgecompile.backends.tflite.runner import make_interpreter

    ref_in, ref_out = io_specs(onnx_model)
    it = make_interpreter(path)
    ins, in_names = match_inputs(it.get_input_details(), ref_in, kept)
    layouts = {s.name: s.layout for s in ref_in + ref_out}
    outs, out_names = match_outputs(it, ins, in_names, ref_out, onnx_model.SerializeToString(), sample, layouts)
    return ins, outs, {"inputs": in_names, "outputs": out_names}
