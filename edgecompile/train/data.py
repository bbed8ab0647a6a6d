"""Training data sources: 'digits', '.npz' (x/y), an image folder, WebDataset tar shards.

Every source yields float32 N x C x H x W samples already preprocessed (the recipe is kept in
`preprocessing` and travels in the checkpoint) and int64 labels. In-memory sources hold their
arrays; shards are streamed with the `webdataset` package each epoch.
"""
from __future__ import annotations

import glob
import io
import json
import random
import tarfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from edgecompile.errors import UsageError

HOLDOUT = 0.2  # test fraction for sources that do not bring their own test split
SHUFFLE_BUFFER = 2000  # samples held when shuffling a shard stream
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".pgm", ".ppm", ".webp"}
BUILTIN = ("digits", "digits-shifted")
MAX_CLASSES = 100_000  # labels are class indices; a label past this is damaged data, not a class
MIN_SIDE = 4  # smallest image side the model zoo's convolutions and pooling accept


@dataclass
class Data:
    spec: str  # what the user passed to --data
    in_shape: tuple[int, int, int]  # C, H, W of one sample
    classes: list[str]  # class names, index = label
    preprocessing: dict  # model input = (raw * scale - mean) / std, NCHW
    n_train: int
    x_test: np.ndarray
    y_test: np.ndarray
    x_train: np.ndarray | None = None  # in-memory sources
    y_train: np.ndarray | None = None
    shards: list[str] = field(default_factory=list)  # streamed sources

    def steps_per_epoch(self, global_batch: int) -> int:
        return max(1, self.n_train // global_batch)

    def batches(self, epoch: int, global_batch: int, seed: int, rank: int = 0, world: int = 1):
        """This rank's slice of each global batch, in an order fixed by (seed, epoch).

        Every rank walks the same global order and keeps samples rank, rank+world, ...: the
        gradient averaged by DDP equals one process on the whole global batch. The last
        partial batch is dropped so every rank takes the same number of steps.
        """
        import torch

        if self.x_train is not None:
            order = torch.randperm(self.n_train, generator=torch.Generator().manual_seed(seed * 100003 + epoch))
            for b in range(self.steps_per_epoch(global_batch)):
                idx = order[b * global_batch:(b + 1) * global_batch][rank::world]
                yield torch.from_numpy(self.x_train[idx.numpy()]), torch.from_numpy(self.y_train[idx.numpy()])
            return
        xs, ys, steps = [], [], 0
        for x, y in _shuffled(_stream(self.shards, "train"), random.Random(seed * 100003 + epoch)):
            xs.append(x)
            ys.append(y)
            if len(xs) == global_batch:
                yield (torch.from_numpy(np.stack(xs[rank::world])), torch.from_numpy(np.array(ys[rank::world])))
                xs, ys, steps = [], [], steps + 1
                if steps == self.steps_per_epoch(global_batch):
                    return

    def describe(self) -> dict:
        return {"spec": self.spec, "in_shape": list(self.in_shape), "classes": self.classes,
                "n_train": self.n_train, "n_test": int(len(self.y_test))}


def open_data(spec: str, image_size: tuple[int, int] | None = None) -> Data:
    """Resolve --data into a Data; raises UsageError for anything that cannot be read."""
    if spec in BUILTIN:
        return _digits(spec)
    if "{" in spec or spec.endswith(".tar") or "*" in spec:
        return _shards(spec)
    path = Path(spec)
    if not path.exists():
        raise UsageError(f"--data '{spec}' is neither a built-in dataset ({', '.join(BUILTIN)}), "
                         f"an existing .npz file or folder, nor a shard pattern like 'shards/{{000000..000009}}.tar'.")
    if path.suffix == ".npz":
        return _npz(path)
    if path.is_dir():
        tars = sorted(path.glob("*.tar"))
        return _shards(str(path / "*.tar")) if tars else _image_folder(path, image_size)
    raise UsageError(f"--data '{spec}': unsupported file type '{path.suffix}' (use .npz with x/y arrays).")


def _holdout(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    order = np.random.default_rng(seed).permutation(n)
    n_test = max(1, int(n * HOLDOUT))
    return order[n_test:], order[:n_test]


def shift_digits(x: np.ndarray, seed: int) -> np.ndarray:
    """The domain-shift task: each digit rotated by 20-40 degrees either way plus Gaussian noise."""
    from scipy.ndimage import rotate

    rng = np.random.default_rng(seed)
    angles = rng.uniform(20, 40, len(x)) * rng.choice([-1, 1], len(x))
    out = np.stack([rotate(img[0], a, reshape=False, order=1, mode="constant")[None] for img, a in zip(x, angles)])
    return np.clip(out + rng.normal(0, 0.15, out.shape), 0, 1).astype(np.float32)


def _digits(spec: str) -> Data:
    from edgecompile.datasets import digits_split

    xtr, ytr = digits_split("train")
    xte, yte = digits_split("test")
    if spec == "digits-shifted":
        xtr, xte = shift_digits(xtr, 1), shift_digits(xte, 2)
    prep = {"layout": "NCHW", "scale": 1 / 16, "mean": 0.0, "std": 1.0, "source": "sklearn digits 0..16",
            **({"shift": "rotate 20-40 deg, noise sigma 0.15"} if spec == "digits-shifted" else {})}
    return Data(spec, (1, 8, 8), [str(i) for i in range(10)], prep, len(xtr), xte, yte, xtr, ytr)


def _as_nchw(x: np.ndarray, label: str) -> tuple[np.ndarray, dict]:
    if x.dtype.kind not in "iuf":
        raise UsageError(f"{label}: x must hold numbers; it holds {x.dtype}.")
    if x.ndim == 3:
        x = x[:, None]
    if x.ndim != 4:
        raise UsageError(f"{label}: x must be N x C x H x W (or N x H x W); it is shaped {x.shape}.")
    scale = 1 / 255 if x.dtype == np.uint8 else 1.0
    x = x.astype(np.float32) * scale
    check_samples(x, label)
    return x, {"layout": "NCHW", "scale": scale, "mean": 0.0, "std": 1.0}


def _labels(z: dict, key: str, label: str) -> np.ndarray:
    y = np.asarray(z[key])
    if y.dtype.kind not in "iu" and not (y.dtype.kind == "f" and np.isfinite(y).all() and (y == np.round(y)).all()):
        raise UsageError(f"{label}: '{key}' must hold integer class labels; it holds {y.dtype}.")
    y = y.astype(np.int64).reshape(-1)
    check_labels(y, label)
    return y


def _npz(path: Path) -> Data:
    from edgecompile.quant.arrays import read_arrays

    label = f"--data '{path}'"
    z = read_arrays(path, label, error=UsageError)
    if "x" not in z or "y" not in z:
        raise UsageError(f"{label} must hold arrays 'x' and 'y'; it has {', '.join(sorted(z)) or 'none'}.")
    x, prep = _as_nchw(z["x"], str(path))
    y = _labels(z, "y", label)
    if len(x) != len(y):
        raise UsageError(f"{label}: {len(x)} samples in x but {len(y)} labels in y.")
    if "x_test" in z and "y_test" in z:
        xte, yte = _as_nchw(z["x_test"], str(path))[0], _labels(z, "y_test", label)
        xtr, ytr = x, y
        if len(xte) != len(yte):
            raise UsageError(f"{label}: {len(xte)} samples in x_test but {len(yte)} labels in y_test.")
    else:
        tr, te = _holdout(len(x))
        xtr, ytr, xte, yte = x[tr], y[tr], x[te], y[te]
    if len(xtr) < 1 or len(xte) < 1:
        raise UsageError(f"{label} holds {len(x)} samples: too few for a training and a test split (need 2 or more).")
    n_cls = int(max(ytr.max(), yte.max())) + 1
    classes = [str(c) for c in z["classes"]] if "classes" in z else [str(i) for i in range(n_cls)]
    if len(classes) < n_cls:
        raise UsageError(f"{label}: 'classes' names {len(classes)} classes but the labels go up to {n_cls - 1}.")
    return Data(str(path), tuple(xtr.shape[1:]), classes, prep, len(xtr), xte, yte, xtr, ytr)


def _image_folder(path: Path, image_size) -> Data:
    from PIL import Image

    classes = sorted(d.name for d in path.iterdir() if d.is_dir())
    files = [(f, i) for i, c in enumerate(classes) for f in sorted((path / c).iterdir()) if f.suffix.lower() in IMAGE_SUFFIXES]
    if len(classes) < 2 or not files:
        raise UsageError(f"--data '{path}': an image folder needs one sub-folder of images per class (found "
                         f"{len(classes)} sub-folders, {len(files)} images).")
    first = Image.open(files[0][0])
    mode = "L" if all(Image.open(f).mode in ("L", "1", "P") for f, _ in files[:20]) else "RGB"
    h, w = image_size or (first.height, first.width)
    x = np.stack([np.asarray(Image.open(f).convert(mode).resize((w, h)), np.uint8).reshape(h, w, -1).transpose(2, 0, 1)
                  for f, _ in files])
    y = np.array([i for _, i in files], np.int64)
    x, prep = _as_nchw(x, str(path))
    prep.update({"color": mode, "size": [h, w], "resize": "bilinear"})
    tr, te = _holdout(len(x))
    return Data(str(path), tuple(x.shape[1:]), classes, prep, len(tr), x[te], y[te], x[tr], y[tr])


def expand_shards(pattern: str) -> list[str]:
    import braceexpand

    names = [n for p in braceexpand.braceexpand(pattern) for n in (sorted(glob.glob(p)) if "*" in p else [p])]
    found = [n for n in names if Path(n).is_file()]
    if not found:
        raise UsageError(f"Shard pattern '{pattern}' matches no files.")
    if len(found) < len(names):
        missing = next(n for n in names if not Path(n).is_file())
        raise UsageError(f"Shard pattern '{pattern}' names {len(names)} shards but '{missing}' does not exist.")
    # absolute paths only: webdataset runs a name like 'pipe:cmd' as a shell command and fetches 'http:...';
    # a shard is a local file, whatever its name says
    return [str(Path(n).resolve()) for n in found]


def _decode(sample: dict) -> tuple[np.ndarray, int]:
    """A shard sample -> (C x H x W float32, label). 'npy' holds preprocessed data; images are scaled to [0, 1]."""
    key = sample.get("__key__")
    if "cls" not in sample:
        raise UsageError(f"Shard sample '{key}' has no 'cls' (label) entry (keys: {sorted(sample)}).")
    label = int(sample["cls"].decode() if isinstance(sample["cls"], bytes) else sample["cls"])
    check_labels(np.array([label]), f"Shard sample '{key}'")
    if "npy" in sample:
        x = np.load(io.BytesIO(sample["npy"]), allow_pickle=False).astype(np.float32)
    else:
        img = next((sample[k] for k in ("png", "jpg", "jpeg") if k in sample), None)
        if img is None:
            raise UsageError(f"Shard sample '{key}' has no 'npy' or image entry (keys: {sorted(sample)}).")
        from PIL import Image

        x = np.asarray(Image.open(io.BytesIO(img)), np.float32) / 255
        x = x[None] if x.ndim == 2 else x.transpose(2, 0, 1)
    check_samples(x[None], f"Shard sample '{key}'")
    return x, label


def check_labels(y: np.ndarray, label: str) -> None:
    if len(y) and (y.min() < 0 or y.max() >= MAX_CLASSES):
        raise UsageError(f"{label}: class labels must be integers from 0 to {MAX_CLASSES - 1}; found "
                         f"{int(y.min())}..{int(y.max())}.")


def check_samples(x: np.ndarray, label: str) -> None:
    if x.ndim != 4 or min(x.shape[2:]) < MIN_SIDE:
        raise UsageError(f"{label}: samples must be C x H x W images of at least {MIN_SIDE}x{MIN_SIDE}; "
                         f"got {tuple(x.shape[1:])}.")
    if not np.isfinite(x).all():
        raise UsageError(f"{label}: the samples hold NaN or Inf values; training on them cannot converge.")


def _split_of(key: str) -> str:
    """Packed shards name keys train_* / test_*; foreign shards hold out a fixed hash slice."""
    base = key.rsplit("/", 1)[-1]
    if base.startswith(("train_", "test_")):
        return base.split("_", 1)[0]
    return "test" if zlib.crc32(base.encode()) % 100 < HOLDOUT * 100 else "train"


def _stream(shards: list[str], split: str):
    import webdataset as wds

    # every rank reads every shard and keeps its slice of each global batch (see Data.batches)
    for sample in wds.WebDataset(shards, shardshuffle=False, empty_check=False, nodesplitter=_all_shards):
        if _split_of(sample["__key__"]) == split:
            yield _decode(sample)


def _shuffled(stream, rng: random.Random):
    buf = []
    for item in stream:
        buf.append(item)
        if len(buf) >= SHUFFLE_BUFFER:
            yield buf.pop(rng.randrange(len(buf)))
    rng.shuffle(buf)
    yield from buf


def _shards(pattern: str) -> Data:
    shards = expand_shards(pattern)
    meta_file = Path(shards[0]).parent / "dataset.json"
    try:
        meta = json.loads(meta_file.read_text()) if meta_file.is_file() else {}
    except (ValueError, RecursionError) as e:
        raise UsageError(f"{meta_file} is not valid JSON: {str(e)[:200]}") from None
    if not isinstance(meta, dict):
        raise UsageError(f"{meta_file} must hold a JSON object.")
    try:
        test = list(_stream(shards, "test"))
        n_train, labels, shape = 0, set(), None
        for x, y in _stream(shards, "train"):  # one counting pass: steps per epoch and class count
            n_train, shape = n_train + 1, shape or x.shape
            labels.add(y)
    except (OSError, ValueError, KeyError, tarfile.TarError) as e:  # a damaged shard
        raise UsageError(f"Reading shards '{pattern}' failed: {type(e).__name__}: {e}") from e
    if not n_train or not test:
        raise UsageError(f"Shards '{pattern}' hold {n_train} training and {len(test)} test samples; need both.")
    labels |= {y for _, y in test}
    classes = meta.get("classes") or [str(i) for i in range(max(labels) + 1)]
    if not isinstance(classes, list) or len(classes) <= max(labels):
        raise UsageError(f"Shards '{pattern}': dataset.json names {len(classes) if isinstance(classes, list) else 0} "
                         f"classes but the labels go up to {max(labels)}.")
    prep = meta.get("preprocessing") or {"layout": "NCHW", "scale": 1.0, "mean": 0.0, "std": 1.0}
    return Data(pattern, tuple(shape), classes, prep, n_train, np.stack([x for x, _ in test]),
                np.array([y for _, y in test], np.int64), shards=shards)


def _all_shards(urls):
    return urls
