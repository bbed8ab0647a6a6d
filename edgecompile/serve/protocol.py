"""The KServe v2 inference protocol's JSON (the one Triton also speaks): parse, check, answer.

A request is `{"id"?, "inputs": [{"name", "shape", "datatype", "data"}], "outputs"?: [{"name"}],
"parameters"?: {"priority", "timeout"}}` with `data` flat in row-major order (nested lists are
accepted too). `timeout` is in microseconds, as in Triton; `priority` is a level from 0 to
--priority-levels - 1 where, unlike Triton, a higher level is served first.

Triton's binary tensor extension (what tritonclient sends by default) is understood too: with an
`Inference-Header-Content-Length: n` header the body is n bytes of JSON followed by the raw
little-endian bytes of every input whose parameters say `binary_data_size`; outputs asked for with
`"parameters": {"binary_data": true}` (or the request's `binary_data_output`) come back the same way.
Everything wrong with a request raises BadRequest with the reason, which the client gets as 400.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass

import numpy as np

from edgecompile.core.tensor import TensorSpec
from edgecompile.serve.model import ServedModel

DATATYPES = {"bool": "BOOL", "uint8": "UINT8", "uint16": "UINT16", "uint32": "UINT32", "uint64": "UINT64",
             "int8": "INT8", "int16": "INT16", "int32": "INT32", "int64": "INT64",
             "float16": "FP16", "float32": "FP32", "float64": "FP64"}


class BadRequest(Exception):
    """A malformed request; `str()` is the reason sent back with 400."""


@dataclass(frozen=True)
class InferRequest:
    id: str | None
    feeds: dict[str, np.ndarray]  # checked against the artifact's specs
    rows: int  # samples along the batch dimension (stack), or 1 (loop)
    priority: int
    timeout_s: float | None
    outputs: list[tuple[str, bool]]  # (name, as raw bytes) to send back, in the requested order


def parse(body: bytes, model: ServedModel, priority_levels: int, header_length: int | None = None) -> InferRequest:
    """`header_length`: the Inference-Header-Content-Length header, when the body carries raw tensors."""
    if header_length is not None and not 0 < header_length <= len(body):
        raise BadRequest(f"Inference-Header-Content-Length {header_length} does not fit a body of {len(body)} bytes")
    raw = _Raw(memoryview(body)[header_length:] if header_length else memoryview(b""))
    try:
        req = json.loads(body[:header_length] if header_length else body)
    except (ValueError, UnicodeDecodeError) as e:
        raise BadRequest(f"the body is not JSON ({e})") from None
    if not isinstance(req, dict) or not isinstance(req.get("inputs"), list):
        raise BadRequest("the body must be a JSON object with an 'inputs' list")
    specs = {s.name: s for s in model.inputs}
    feeds: dict[str, np.ndarray] = {}
    for item in req["inputs"]:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise BadRequest("each input must be an object with a 'name'")
        name = item["name"]
        if name not in specs:
            raise BadRequest(f"model '{model.name}' has no input '{name}' (its inputs: {', '.join(specs)})")
        if name in feeds:
            raise BadRequest(f"input '{name}' is given twice")
        feeds[name] = _tensor(item, specs[name], model, raw)
    if raw.left:
        raise BadRequest(f"{raw.left} bytes of binary data follow the inputs that claim theirs")
    missing = [n for n in specs if n not in feeds]
    if missing:
        raise BadRequest(f"missing input(s) {', '.join(missing)}")
    rows = {a.shape[0] for a in feeds.values()} if model.stacks else {1}
    if len(rows) > 1:
        raise BadRequest(f"inputs disagree on the batch dimension: {sorted(rows)}")
    priority, timeout_s = _parameters(req.get("parameters"), priority_levels)
    binary = _flag(req.get("parameters"), "binary_data_output")
    return InferRequest(_id(req.get("id")), feeds, rows.pop(), priority, timeout_s,
                        _outputs(req.get("outputs"), model, binary))


class _Raw:
    """The binary part of a body, taken input by input."""

    def __init__(self, data: memoryview):
        self.data, self.offset = data, 0

    @property
    def left(self) -> int:
        return len(self.data) - self.offset

    def take(self, name: str, size, dtype: np.dtype) -> np.ndarray:
        if not isinstance(size, int) or isinstance(size, bool) or not 0 <= size <= self.left:
            raise BadRequest(f"input '{name}': binary_data_size {size!r} does not fit the {self.left} bytes left")
        if size % dtype.itemsize:
            raise BadRequest(f"input '{name}': binary_data_size {size} is not a whole number of {dtype} values")
        chunk = self.data[self.offset:self.offset + size]
        self.offset += size
        return np.frombuffer(chunk, dtype.newbyteorder("<")).astype(dtype)  # a native, writable copy


def _flag(params, key: str) -> bool:
    return isinstance(params, dict) and params.get(key) is True


def _tensor(item: dict, spec: TensorSpec, model: ServedModel, raw: _Raw) -> np.ndarray:
    name, shape, datatype = spec.name, item.get("shape"), item.get("datatype")
    if not isinstance(shape, list) or not all(isinstance(d, int) and not isinstance(d, bool) for d in shape):
        raise BadRequest(f"input '{name}': 'shape' must be a list of integers")
    rest = list(spec.shape[1:]) if model.stacks else list(spec.shape)
    ok = (len(shape) == len(spec.shape) and 1 <= shape[0] <= model.batch and shape[1:] == rest) if model.stacks \
        else shape == rest
    if not ok:
        want = f"[k, {', '.join(map(str, rest))}] with 1 <= k <= {model.batch}" if model.stacks else str(rest)
        raise BadRequest(f"input '{name}' has shape {shape}; the model takes {want}")
    if datatype != DATATYPES.get(spec.dtype):
        raise BadRequest(f"input '{name}' has datatype {datatype!r}; the model takes {DATATYPES.get(spec.dtype, spec.dtype)}")
    params = item.get("parameters")
    if isinstance(params, dict) and "binary_data_size" in params:
        if "data" in item:
            raise BadRequest(f"input '{name}' has both 'data' and binary_data_size")
        arr = raw.take(name, params["binary_data_size"], np.dtype(spec.dtype))
    else:
        arr = _cast(_values(item.get("data"), name), np.dtype(spec.dtype), name)
    if arr.size != math.prod(shape):
        raise BadRequest(f"input '{name}' has {arr.size} values; shape {shape} needs {math.prod(shape)}")
    if arr.dtype.kind == "f" and not np.isfinite(arr).all():
        raise BadRequest(f"input '{name}' holds NaN or infinite values (or values beyond {spec.dtype}'s range)")
    return arr.reshape(shape)


def _values(data, name: str) -> np.ndarray:
    try:
        return np.asarray(data)
    except ValueError as e:  # ragged nesting
        raise BadRequest(f"input '{name}': 'data' is not a regular array ({e})") from None


def _cast(raw: np.ndarray, dtype: np.dtype, name: str) -> np.ndarray:
    kind = raw.dtype.kind if raw.size else dtype.kind  # an empty list has no kind of its own
    if dtype.kind == "b":
        allowed = "b"
    elif dtype.kind in "iu":
        allowed = "iu"
    else:
        allowed = "iuf"
    if kind not in allowed:
        raise BadRequest(f"input '{name}': 'data' holds {raw.dtype} values, not {dtype}")
    if dtype.kind in "iu" and raw.size:
        info = np.iinfo(dtype)
        if raw.min() < info.min or raw.max() > info.max:
            raise BadRequest(f"input '{name}': values outside {dtype}'s range [{info.min}, {info.max}]")
    with np.errstate(over="ignore"):  # an fp32 overflow becomes inf, which the finiteness check reports
        return raw.astype(dtype)


def _parameters(params, levels: int) -> tuple[int, float | None]:
    params = {} if params is None else params
    if not isinstance(params, dict):
        raise BadRequest("'parameters' must be an object")
    priority, timeout = params.get("priority", 0), params.get("timeout")
    if not isinstance(priority, int) or isinstance(priority, bool) or not 0 <= priority < levels:
        raise BadRequest(f"'priority' must be an integer from 0 to {levels - 1} (higher is served first)")
    if timeout is not None and (not isinstance(timeout, (int, float)) or isinstance(timeout, bool) or
                                not 0 < timeout < math.inf):
        raise BadRequest("'timeout' must be a positive number of microseconds")
    return priority, None if timeout is None else timeout / 1e6


def _outputs(wanted, model: ServedModel, binary: bool) -> list[tuple[str, bool]]:
    names = [s.name for s in model.outputs]
    if wanted is None:
        return [(n, binary) for n in names]
    if not isinstance(wanted, list) or not all(isinstance(o, dict) and isinstance(o.get("name"), str) for o in wanted):
        raise BadRequest("'outputs' must be a list of objects with a 'name'")
    unknown = [o["name"] for o in wanted if o["name"] not in names]
    if unknown:
        raise BadRequest(f"model '{model.name}' has no output(s) {', '.join(unknown)} (its outputs: {', '.join(names)})")
    return [(o["name"], binary or _flag(o.get("parameters"), "binary_data")) for o in wanted]


def _id(value) -> str | None:
    if value is not None and not isinstance(value, str):
        raise BadRequest("'id' must be a string")
    return value


def response(model: ServedModel, req: InferRequest, results: dict[str, np.ndarray]) -> tuple[bytes, int | None]:
    """The body, and the length of its JSON part when raw output bytes follow it (else None)."""
    outputs, raw = [], []
    for name, binary in req.outputs:
        a = results[name]
        out = {"name": name, "datatype": DATATYPES.get(a.dtype.name, a.dtype.name.upper()), "shape": list(a.shape)}
        if binary:
            raw.append(np.ascontiguousarray(a, a.dtype.newbyteorder("<")).tobytes())
            out["parameters"] = {"binary_data_size": len(raw[-1])}
        else:
            out["data"] = a.ravel().tolist()
        outputs.append(out)
    body = {"model_name": model.name, "model_version": model.version, "outputs": outputs}
    if req.id is not None:
        body["id"] = req.id
    head = json.dumps(body, separators=(",", ":")).encode()
    return (head + b"".join(raw), len(head)) if raw else (head, None)


def metadata(model: ServedModel) -> dict:
    def tensors(specs):
        return [{"name": s.name, "datatype": DATATYPES.get(s.dtype, s.dtype), "shape": list(s.shape)} for s in specs]

    a = model.artifact
    return {"name": model.name, "versions": [model.version], "platform": f"edgecompile_{a.backend}",
            "inputs": tensors(model.inputs), "outputs": tensors(model.outputs),
            "parameters": {"target": a.target, "precision": a.precision,
                           "batching": f"stack (up to {model.batch} samples)" if model.stacks else "loop"}}
