"""Fix every input dimension: from --input-shape, else symbolic dims become 1 (with a note)."""
from __future__ import annotations

from edgecompile.errors import UsageError


def _dims(vi) -> list:
    return list(vi.type.tensor_type.shape.dim)


def run(model, ctx):
    initializers = {t.name for t in model.graph.initializer}
    inputs = [i for i in model.graph.input if i.name not in initializers]
    names = {i.name for i in inputs}
    wanted = dict(ctx.input_shapes)
    if "*" in wanted:
        if len(inputs) != 1:
            raise UsageError(f"--input-shape without a name needs a single-input model; inputs are {sorted(names)}.")
        wanted[inputs[0].name] = wanted.pop("*")
    unknown = set(wanted) - names
    if unknown:
        raise UsageError(f"--input-shape names {sorted(unknown)}, but the model's inputs are {sorted(names)}.")
    changed = []
    for vi in inputs:
        dims = _dims(vi)
        if vi.name in wanted:
            shape = wanted[vi.name]
            if len(shape) != len(dims):
                raise UsageError(f"--input-shape {vi.name}: rank {len(shape)}, but the model's input has rank {len(dims)}.")
            for d, n in zip(dims, shape):
                if d.HasField("dim_value") and d.dim_value != n:
                    raise UsageError(f"--input-shape {vi.name}={'x'.join(map(str, shape))} conflicts with the model's fixed shape.")
        else:
            shape = tuple(d.dim_value if d.HasField("dim_value") and d.dim_value > 0 else 1 for d in dims)
            if any(not (d.HasField("dim_value") and d.dim_value > 0) for d in dims):
                ctx.notes.append(f"input '{vi.name}': dynamic dimensions set to 1 -> {'x'.join(map(str, shape))} "
                                 f"(use --input-shape {vi.name}=... to choose)")
        for d, n in zip(dims, shape):
            if not (d.HasField("dim_value") and d.dim_value == n):
                d.Clear()
                d.dim_value = n
                changed.append(vi.name)
    # output and intermediate shapes are re-derived by shape inference from the fixed inputs
    if changed:
        for vi in model.graph.output:
            for d in _dims(vi):
                if not d.HasField("dim_value"):
                    d.Clear()
        del model.graph.value_info[:]
    fixed = sorted(set(changed))
    return model, bool(fixed), f"fixed {', '.join(fixed)}" if fixed else ""
