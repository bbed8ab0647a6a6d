"""The triton target's options (declared on the backend, typed by the driver), checked against each other
and gathered into one frozen record before anything is written."""
from __future__ import annotations

import re
from dataclasses import dataclass

from edgecompile.errors import UsageError

TRITON_BACKENDS = ("onnxruntime", "openvino", "tensorrt")
TIMEOUT_ACTIONS = ("REJECT", "DELAY")
INSTANCE_KINDS = ("cpu", "gpu", "auto")


@dataclass(frozen=True)
class TritonOptions:
    triton_backend: str  # which Triton backend serves the model
    model_name: str  # folder name in the repository and the name clients call
    max_batch_size: int  # 0 = Triton does not batch (the model's own shapes are the request shapes)
    dynamic_batching: bool  # let Triton merge requests into batches up to max_batch_size
    preferred_batch_sizes: tuple[int, ...]  # batch sizes the scheduler tries to form
    max_queue_delay_us: int  # how long a request may wait for others to form a batch
    priority_levels: int  # 0 = one queue; N = priorities 1 (highest) .. N
    default_priority_level: int  # priority of requests that name none
    timeout_action: str  # what happens to a request that waited past its timeout: REJECT or DELAY
    queue_timeout_us: int  # default per-request queue timeout, 0 = none
    allow_timeout_override: bool  # requests may set their own timeout
    max_queue_size: int  # 0 = unbounded; else requests beyond it are rejected
    instance_count: int  # model instances (parallel executions) per device
    instance_kind: str  # cpu, gpu or auto


def parse(o: dict, dynamic_batch: bool) -> TritonOptions:
    """Cross-option rules; batching asks the model for a dynamic batch dimension (--batch dynamic)."""
    backend, name = o.get("triton_backend", "onnxruntime"), str(o.get("model_name", "model"))
    if not re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.-]*", name):
        raise UsageError(f"triton option model_name={name!r}: use letters, digits, '_', '-' and '.'.")
    max_batch = o.get("max_batch_size")
    max_batch = (8 if dynamic_batch else 0) if max_batch is None else max_batch
    if (max_batch > 0 or o.get("dynamic_batching")) and not dynamic_batch:
        raise UsageError("triton: batching (max_batch_size > 0 or dynamic_batching) needs a model whose batch "
                         "dimension is dynamic, and this one is fixed; build with --batch dynamic.")
    batching = max_batch > 0 if o.get("dynamic_batching") is None else o["dynamic_batching"]
    if batching and max_batch == 0:
        raise UsageError("triton: dynamic_batching needs max_batch_size > 0.")
    try:
        sizes = tuple(int(s) for s in re.split(r"[,\s]+", str(o.get("preferred_batch_sizes", "")).strip()) if s)
    except ValueError:
        raise UsageError(f"triton option preferred_batch_sizes={o['preferred_batch_sizes']!r}: "
                         f"expected integers separated by commas, e.g. 4,8.") from None
    if any(s < 1 or s > max_batch for s in sizes):
        raise UsageError(f"triton option preferred_batch_sizes={list(sizes)}: each must be 1..max_batch_size ({max_batch}).")
    levels = o.get("priority_levels", 0)
    default_level = o.get("default_priority_level") or ((levels + 1) // 2 if levels else 0)
    if levels and not 1 <= default_level <= levels:
        raise UsageError(f"triton option default_priority_level={default_level}: must be 1..priority_levels ({levels}).")
    kind = o.get("instance_kind") or ("gpu" if backend == "tensorrt" else "cpu")
    if backend == "tensorrt" and kind == "cpu":
        raise UsageError("triton: triton_backend=tensorrt runs on a GPU; instance_kind=cpu cannot serve it.")
    return TritonOptions(
        backend, name, max_batch, batching, sizes, o.get("max_queue_delay_us", 100), levels, default_level,
        o.get("timeout_action", "REJECT"), o.get("queue_timeout_us", 0), o.get("allow_timeout_override", False),
        o.get("max_queue_size", 0), o.get("instance_count", 1), kind)
