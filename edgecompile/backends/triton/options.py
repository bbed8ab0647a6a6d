"""The triton target's options, validated into one frozen record before anything is written."""
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


def _int(options, key, default, lo=0) -> int:
    raw = options.get(key, default)
    if isinstance(raw, bool) or not re.fullmatch(r"-?\d+", str(raw).strip()):
        raise UsageError(f"triton option {key}={raw!r}: expected an integer.")
    if int(raw) < lo:
        raise UsageError(f"triton option {key}={raw}: must be >= {lo}.")
    return int(raw)


def _bool(options, key, default) -> bool:
    raw = options.get(key, default)
    if isinstance(raw, bool):
        return raw
    if str(raw).lower() in ("true", "1", "yes", "false", "0", "no"):
        return str(raw).lower() in ("true", "1", "yes")
    raise UsageError(f"triton option {key}={raw!r}: expected true or false.")


def _choice(options, key, default, choices) -> str:
    raw = str(options.get(key, default))
    value = raw.upper() if key == "timeout_action" else raw.lower()
    if value not in choices:
        raise UsageError(f"triton option {key}={raw!r}: choose {', '.join(choices)}.")
    return value


def parse(options: dict, dynamic_batch: bool) -> TritonOptions:
    """Options from the profile and command line; batching asks the model for a dynamic batch dimension."""
    backend = _choice(options, "triton_backend", "onnxruntime", TRITON_BACKENDS)
    name = str(options.get("model_name", "model"))
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", name) or name in (".", ".."):
        raise UsageError(f"triton option model_name={name!r}: use letters, digits, '_', '-' and '.'.")
    wants_batching = "dynamic_batching" in options and _bool(options, "dynamic_batching", False)
    max_batch = _int(options, "max_batch_size", 8 if dynamic_batch else 0)
    if (max_batch > 0 or wants_batching) and not dynamic_batch:
        raise UsageError("triton: batching (max_batch_size > 0 or dynamic_batching) needs a model whose batch "
                         "dimension is dynamic, and this one is fixed; build with --batch dynamic.")
    batching = _bool(options, "dynamic_batching", max_batch > 0)
    if batching and max_batch == 0:
        raise UsageError("triton: dynamic_batching needs max_batch_size > 0.")
    raw = options.get("preferred_batch_sizes", "")
    sizes = tuple(int(s) for s in re.split(r"[,\s]+", str(raw).strip("[] ")) if s) if not isinstance(raw, list) \
        else tuple(int(s) for s in raw)
    if any(s < 1 or s > max_batch for s in sizes):
        raise UsageError(f"triton option preferred_batch_sizes={list(sizes)}: each must be 1..max_batch_size ({max_batch}).")
    levels = _int(options, "priority_levels", 0)
    default_level = _int(options, "default_priority_level", (levels + 1) // 2 if levels else 0)
    if levels and not 1 <= default_level <= levels:
        raise UsageError(f"triton option default_priority_level={default_level}: must be 1..priority_levels ({levels}).")
    kind = _choice(options, "instance_kind", "gpu" if backend == "tensorrt" else "cpu", INSTANCE_KINDS)
    if backend == "tensorrt" and kind == "cpu":
        raise UsageError("triton: triton_backend=tensorrt runs on a GPU; instance_kind=cpu cannot serve it.")
    return TritonOptions(
        backend, name, max_batch, batching, sizes, _int(options, "max_queue_delay_us", 100), levels, default_level,
        _choice(options, "timeout_action", "REJECT", TIMEOUT_ACTIONS), _int(options, "queue_timeout_us", 0),
        _bool(options, "allow_timeout_override", False), _int(options, "max_queue_size", 0),
        _int(options, "instance_count", 1, lo=1), kind)
