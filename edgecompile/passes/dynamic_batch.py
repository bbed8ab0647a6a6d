"""`--batch dynamic`: give the normalized (batch-1) graph a symbolic batch dimension again.

Normalization fixes every shape so the passes and checks see one concrete graph. Servers (Triton)
and GPU engines want a batch they choose per request, so for backends that honour `--batch dynamic`
the fixed graph is re-opened: dim 0 of every input and output becomes `batch`, and Reshape shape
constants that spell the batch as 1 spell it as 0 ("copy dim 0 of the input"). The result is checked:
a stacked batch must give the same outputs as the samples one by one, else the model mixes the batch
axis with others (e.g. a Reshape that merges it) and a dynamic batch is refused with the reason.
"""
from __future__ import annotations

import numpy as np

from edgecompile.errors import UsageError

BATCH = "batch"
CHECK_BATCH = 3  # samples stacked for the check: more than 1, small enough to be instant
CHECK_ATOL = 1e-5


def batch_is_dynamic(model) -> bool:
    """True when every graph input's first dimension is symbolic."""
    inits = {t.name for t in model.graph.initializer}
    dims = [vi.type.tensor_type.shape.dim for vi in model.graph.input if vi.name not in inits]
    return bool(dims) and all(d and not d[0].HasField("dim_value") for d in dims)


def make_batch_dynamic(model):
    """A copy of the batch-1 `model` with a symbolic batch dimension, checked on a stacked batch."""
    import onnx
    from onnx import numpy_helper

    out = onnx.ModelProto()
    out.CopyFrom(model)
    graph = out.graph
    inits = {t.name: t for t in graph.initializer}
    for vi in list(graph.input) + list(graph.output):
        if vi.name in inits:
            continue
        dims = vi.type.tensor_type.shape.dim
        if not dims or dims[0].dim_value != 1:
            raise UsageError(f"--batch dynamic: '{vi.name}' has shape "
                             f"{[d.dim_value or d.dim_param for d in dims]}; its first dimension is not a batch of 1.")
        dims[0].dim_param = BATCH  # clears dim_value (a oneof)
    readers: dict[str, int] = {}
    for node in graph.node:
        for name in node.input:
            readers[name] = readers.get(name, 0) + 1
    for node in graph.node:
        if node.op_type == "Reshape" and node.input[1] in inits:
            shape = numpy_helper.to_array(inits[node.input[1]])
            if shape.size and shape[0] == 1:
                if readers[node.input[1]] > 1:  # shared constant: give this node its own
                    new = node.input[1] + f"_{node.name or node.output[0]}_batch"
                    graph.initializer.append(numpy_helper.from_array(shape, new))
                    node.input[1] = new
                    inits[new] = graph.initializer[-1]
                shape = shape.copy()
                shape[0] = 0
                inits[node.input[1]].CopyFrom(numpy_helper.from_array(shape, node.input[1]))
    del graph.value_info[:]  # intermediate shapes still say batch 1; let consumers infer them
    _check(model, out)
    return out


def _check(fixed, dynamic) -> None:
    import onnxruntime as ort

    from edgecompile.core.graph import seeded_inputs

    samples = seeded_inputs(fixed, CHECK_BATCH, seed=1)
    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    one = ort.InferenceSession(fixed.SerializeToString(), opts, providers=["CPUExecutionProvider"])
    try:
        many = ort.InferenceSession(dynamic.SerializeToString(), opts, providers=["CPUExecutionProvider"])
        stacked = {k: np.concatenate([s[k] for s in samples]) for k in samples[0]}
        got = many.run(None, stacked)
    except Exception as e:  # ORT's own exception types: the graph cannot take another batch size
        raise UsageError(f"--batch dynamic: this model does not run with a batch of {CHECK_BATCH} once its batch "
                         f"dimension is opened ({str(e).splitlines()[0][:200]}); build it with a fixed batch.") from e
    want = [np.concatenate(parts) for parts in zip(*[one.run(None, s) for s in samples])]
    for name, g, w in zip([o.name for o in fixed.graph.output], got, want):
        err = float(np.max(np.abs(g.astype(np.float64) - w), initial=0.0))
        if g.shape != w.shape or err > CHECK_ATOL * max(1.0, float(np.max(np.abs(w), initial=0.0))):
            raise UsageError(f"--batch dynamic: output '{name}' of a stacked batch differs from the samples run one "
                             f"by one (shape {g.shape} vs {w.shape}, max error {err:.3g}): the model mixes the batch "
                             f"axis with others; build it with a fixed batch.")
