"""Labelled evaluation data in an artifact's own input encoding (layout, quantization), batched."""
from __future__ import annotations

import numpy as np

from edgecompile.errors import CalibrationError


def reference_spec(spec):
    """The fp32 NCHW tensor the reference graph takes for one of the artifact's inputs."""
    from edgecompile.backends.base import TensorSpec

    shape = spec.shape
    if spec.layout == "NHWC" and len(shape) == 4:
        shape = (shape[0], shape[3], shape[1], shape[2])
    return TensorSpec(spec.name, tuple(shape), "float32", "NCHW" if spec.layout else None)


def eval_batches(artifact, src: str) -> tuple[list[dict], np.ndarray]:
    """(feeds per inference, labels shaped [inferences, batch]); labels are required."""
    from edgecompile.quant.evaldata import load_eval
    from edgecompile.verify import encode

    ev = load_eval(src, [reference_spec(s) for s in artifact.inputs])
    if ev.labels is None:
        raise CalibrationError(f"Evaluation data '{ev.source}' has no labels; accuracy needs labelled data "
                               "(an .npz with x and y, class sub-folders, or 'digits').")
    feeds = [{s.name: encode(f[s.name], s) for s in artifact.inputs} for f in ev.feeds]
    batch = artifact.inputs[0].shape[0]
    return feeds, ev.labels[:len(feeds) * batch].reshape(len(feeds), batch)


def top1(output: np.ndarray, spec, labels: np.ndarray) -> int:
    """Correct predictions in one inference's first output."""
    from edgecompile.verify import decode

    pred = decode(output, spec).reshape(len(labels), -1).argmax(1)
    return int((pred == labels).sum())


def accuracy(runner, artifact, src: str) -> dict:
    feeds, labels = eval_batches(artifact, src)
    out = artifact.outputs[0]
    correct = sum(top1(runner.run(f)[out.name], out, y) for f, y in zip(feeds, labels))
    return {"top1": correct / labels.size, "samples": int(labels.size), "source": src}
