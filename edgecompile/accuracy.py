"""Top-1 accuracy of an artifact (or any Runner) on labelled float NCHW data."""
from __future__ import annotations

import numpy as np


def artifact_accuracy(artifact, x: np.ndarray, y: np.ndarray) -> float:
    """Feed each sample through the artifact's own I/O encoding; compare argmax with the label."""
    from edgecompile.core.tensor import decode, encode

    runner = artifact.load()
    (inp,), out = artifact.inputs, artifact.outputs[0]
    batch = inp.shape[0]
    correct = 0
    for i in range(0, len(x) - batch + 1, batch):
        res = runner.run({inp.name: encode(x[i:i + batch], inp)})
        correct += int((decode(res[out.name], out).argmax(1) == y[i:i + batch]).sum())
    return correct / (len(x) - len(x) % batch)
