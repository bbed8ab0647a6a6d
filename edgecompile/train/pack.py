"""Write WebDataset tar shards from any other data source (edgecompile data pack).

Each sample is `<key>.npy` (the preprocessed C x H x W float32 array) and `<key>.cls` (the
label); keys are train_NNNNNN / test_NNNNNN so the split survives; dataset.json beside the
shards keeps class names, preprocessing and counts.
"""
from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np

from edgecompile.errors import UsageError


def pack(source: str, out: str, shard_size: int = 1000) -> dict:
    import webdataset as wds

    from edgecompile.train.data import open_data

    if shard_size < 1:
        raise UsageError("--shard-size must be >= 1.")
    data = open_data(source)
    if data.x_train is None:
        raise UsageError(f"'{source}' is already WebDataset shards.")
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    if any(out_dir.glob("*.tar")):
        raise UsageError(f"'{out}' already holds .tar shards; choose an empty folder.")
    samples = [("train", x, y) for x, y in zip(data.x_train, data.y_train)]
    samples += [("test", x, y) for x, y in zip(data.x_test, data.y_test)]
    counts = {"train": 0, "test": 0}
    with wds.ShardWriter(str(out_dir / "%06d.tar"), maxcount=shard_size, verbose=0) as sink:
        for split, x, y in samples:
            buf = io.BytesIO()
            np.save(buf, np.ascontiguousarray(x, np.float32))
            sink.write({"__key__": f"{split}_{counts[split]:06d}", "npy": buf.getvalue(), "cls": str(int(y)).encode()})
            counts[split] += 1
    shards = sorted(out_dir.glob("*.tar"))
    meta = {"source": source, "classes": data.classes, "preprocessing": data.preprocessing,
            "in_shape": list(data.in_shape), "counts": counts, "shards": len(shards), "shard_size": shard_size,
            "pattern": str(out_dir / f"{{000000..{len(shards) - 1:06d}}}.tar")}
    (out_dir / "dataset.json").write_text(json.dumps(meta, indent=2) + "\n")
    return meta
