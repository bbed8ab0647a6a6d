"""The range table: one calibration, cached on disk, shared by every backend's INT8 flavor.

Cache layout ($EDGECOMPILE_CACHE, else ~/.cache/edgecompile):
  stats/<model>-<data>.npz     histograms (any method is computed from them without a new pass)
  ranges/<key>.json            a RangeTable, key = sha256(model sha256, data sha256, method)
  models/<model>.onnx          the normalized fp32 graph (quant-report needs it later)
  calib/<data>.npz             the first REPORT_SAMPLES calibration samples (ditto)
"""
from __future__ import annotations

import dataclasses
import hashlib
import contextlib
import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from edgecompile.core.cache import cache_dir
from edgecompile.errors import UsageError

REPORT_SAMPLES = 64  # calibration samples kept beside the table for `quant-report`


def model_sha256(model) -> str:
    return hashlib.sha256(model.SerializeToString()).hexdigest()


def table_key(model_sha: str, data_sha: str, method: str) -> str:
    return hashlib.sha256(f"{model_sha}|{data_sha}|{method}".encode()).hexdigest()


@dataclass(frozen=True)
class RangeTable:
    """Float ranges per activation tensor of the normalized fp32 graph (names as in that graph)."""

    method: str  # minmax | percentile | entropy | mse
    ranges: dict[str, tuple[float, float]]  # tensor -> (lo, hi) as measured; flavors widen to include 0
    model_sha256: str  # normalized fp32 graph
    data_sha256: str  # calibration feeds, in order
    samples: int  # calibration samples seen
    keep_float: frozenset[str] = field(default_factory=frozenset)  # node names the accuracy guard keeps float

    @property
    def key(self) -> str:
        return table_key(self.model_sha256, self.data_sha256, self.method)

    def with_float(self, nodes) -> "RangeTable":
        """The same ranges, with `nodes` (node names) left in float by every flavor."""
        return dataclasses.replace(self, keep_float=frozenset(nodes))

    def to_json(self) -> dict:
        return {"method": self.method, "model_sha256": self.model_sha256, "data_sha256": self.data_sha256,
                "samples": self.samples, "key": self.key, "keep_float": sorted(self.keep_float),
                "ranges": {k: [lo, hi] for k, (lo, hi) in sorted(self.ranges.items())}}

    @classmethod
    def from_json(cls, d: dict) -> "RangeTable":
        """ValueError for anything that is not a table edgecompile wrote (a damaged cache file)."""
        try:
            t = cls(str(d["method"]), {str(k): (float(v[0]), float(v[1])) for k, v in d["ranges"].items()},
                    str(d["model_sha256"]), str(d["data_sha256"]), int(d["samples"]),
                    frozenset(map(str, d.get("keep_float", ()))))
        except (KeyError, TypeError, IndexError, AttributeError, ValueError) as e:
            raise ValueError(f"not a range table: {type(e).__name__}: {e}") from None
        if not all(math.isfinite(lo) and math.isfinite(hi) and lo <= hi for lo, hi in t.ranges.values()):
            raise ValueError("not a range table: ranges that are not finite or ordered")
        return t


def _atomic_write(path: Path, write) -> None:
    """Best effort: a cache that cannot be written (read-only, full, not a folder) only costs a recompute."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write(tmp)
        os.replace(tmp, path)  # concurrent builds may race; the last identical write wins
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)


def cached_model_path(model_sha: str) -> Path:
    return cache_dir() / "models" / f"{model_sha}.onnx"


def cached_samples_path(data_sha: str) -> Path:
    return cache_dir() / "calib" / f"{data_sha}.npz"


def load_cached_samples(data_sha: str) -> list[dict[str, np.ndarray]] | None:
    p = cached_samples_path(data_sha)
    if not p.is_file():
        return None
    try:
        with np.load(p, allow_pickle=False) as z:
            names = [str(n) for n in z["__names__"]]
            n = len(z[names[0]]) if names else 0
            return [{k: z[k][i] for k in names} for i in range(n)]
    except Exception:  # a damaged cache entry: as if it were not there
        return None


def calibrate(model, feeds: list[dict[str, np.ndarray]], data_sha: str, method: str = "minmax",
              use_cache: bool = True) -> tuple[RangeTable, bool]:
    """The range table for (model, feeds, method), and whether it came from the cache."""
    from edgecompile.quant.methods import METHODS, compute
    from edgecompile.quant.stats import collect, load_stats, save_stats

    if method not in METHODS:
        raise UsageError(f"Unknown calibration method '{method}'. Choose from {', '.join(METHODS)}.")
    msha = model_sha256(model)
    root = cache_dir()
    tpath = root / "ranges" / f"{table_key(msha, data_sha, method)}.json"
    if use_cache and tpath.is_file():
        try:
            table = RangeTable.from_json(json.loads(tpath.read_text()))
            if (table.model_sha256, table.data_sha256, table.method) == (msha, data_sha, method):
                return table, True
        except (ValueError, RecursionError, OSError):
            pass  # a damaged cache entry is recomputed (and rewritten below)
    spath = root / "stats" / f"{msha}-{data_sha}.npz"
    stats = None
    if use_cache and spath.is_file():
        try:
            stats = load_stats(spath)
        except Exception:
            stats = None
    if stats is None:
        stats = collect(model, feeds)
        _atomic_write(spath, lambda p: save_stats(stats, open(p, "wb")))
    table = RangeTable(method, {n: compute(s, method) for n, s in stats.items()}, msha, data_sha, len(feeds))
    _atomic_write(tpath, lambda p: p.write_text(json.dumps(table.to_json(), indent=1, sort_keys=True)))
    _remember(model, msha, feeds, data_sha)
    return table, False


def _remember(model, msha: str, feeds, data_sha: str) -> None:
    """Keep the fp32 graph and a few samples so `quant-report ARTIFACT` needs nothing else."""
    mp = cached_model_path(msha)
    if not mp.is_file():
        _atomic_write(mp, lambda p: p.write_bytes(model.SerializeToString()))
    cp = cached_samples_path(data_sha)
    if not cp.is_file() and feeds:
        part = feeds[:REPORT_SAMPLES]
        names = sorted(part[0])
        arrays = {k: np.stack([f[k] for f in part]) for k in names}
        _atomic_write(cp, lambda p: np.savez(open(p, "wb"), __names__=np.array(names), **arrays))
