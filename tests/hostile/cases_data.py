"""Hostile data: calibration .npy/.npz, calibration .toml manifests, image folders, module:function
sources, evaluation sets and training data (npz, shards, image folders)."""
from __future__ import annotations

import numpy as np

from hostile import inputs
from hostile.case import Case

MODEL = inputs.onnx_bytes()  # input x: 1x1x8x8 float32
GOOD_X = np.random.default_rng(0).standard_normal((32, 1, 8, 8)).astype(np.float32)


def _calib(cid: str, files: dict, src: str = "c.npz", extra=(), kind: str = "calib-npz") -> Case:
    return Case(cid, kind, ["build", "m.onnx", "-t", "onnxruntime", "-p", "int8", "--calib", src, *extra],
                {"m.onnx": MODEL, **files})


def _npz_cases() -> list[Case]:
    obj = np.empty(32, object)
    obj[:] = [{"a": 1}] * 32
    cases = [
        _calib("npz-zip-bomb", {"c.npz": inputs.zip_bomb_npz()}),
        _calib("npz-corrupt-zip", {"c.npz": b"PK\x03\x04" + b"\0" * 100}),
        _calib("npz-truncated", {"c.npz": inputs.npz_bytes({"x": GOOD_X})[:300]}),
        _calib("npz-object-array", {"c.npz": inputs.npz_bytes({"x": obj})}),
        _calib("npz-empty", {"c.npz": inputs.npz_bytes({})}),
        _calib("npz-zero-samples", {"c.npz": inputs.npz_bytes({"x": GOOD_X[:0]})}),
        _calib("npz-wrong-shape", {"c.npz": inputs.npz_bytes({"x": np.zeros((32, 3, 8, 8), np.float32)})}),
        _calib("npz-int-pixels", {"c.npz": inputs.npz_bytes({"x": np.zeros((32, 1, 8, 8), np.uint8)})}),
        _calib("npz-strings", {"c.npz": inputs.npz_bytes({"x": np.array(["a"] * 32)})}),
        _calib("npz-two-wrong-names", {"c.npz": inputs.npz_bytes({"a": GOOD_X, "b": GOOD_X})}),
        _calib("npy-object-array", {"c.npy": inputs.npy_bytes(obj)}, "c.npy", kind="calib-npy"),
        _calib("npy-huge-header", {"c.npy": inputs.npy_header_only((10**9, 1, 8, 8))}, "c.npy", kind="calib-npy"),
        _calib("npy-truncated", {"c.npy": inputs.npy_bytes(GOOD_X)[:200]}, "c.npy", kind="calib-npy"),
        _calib("npy-bad-magic", {"c.npy": b"\x93NUMPX" + b"\0" * 100}, "c.npy", kind="calib-npy"),
        _calib("npy-negative-dim", {"c.npy": inputs.npy_header_only((-5, 1, 8, 8))}, "c.npy", kind="calib-npy"),
        _calib("npy-random", {"c.npy": np.random.default_rng(5).bytes(300)}, "c.npy", kind="calib-npy"),
        _calib("calib-missing", {}, "nothing.npz"),
        _calib("calib-samples-huge", {"c.npz": inputs.npz_bytes({"x": GOOD_X})}, "c.npz", ["--calib-samples", "100000000"],
               kind="cli"),
        _calib("calib-samples-neg", {"c.npz": inputs.npz_bytes({"x": GOOD_X})}, "c.npz", ["--calib-samples", "-5"],
               kind="cli"),
        _calib("calib-samples-more-than-held", {"c.npz": inputs.npz_bytes({"x": GOOD_X})}, "c.npz",
               ["--calib-samples", "1000"]),
    ]
    return cases


def _module_cases() -> list[Case]:
    src = "calib-module"
    return [
        _calib("module-sys-exit", {}, "sys:exit", kind=src),
        _calib("module-os-system", {}, "os:system", kind=src),
        _calib("module-raises", {"mycal.py": b"def f():\n    raise RuntimeError('x')\n"}, "mycal:f", kind=src),
        _calib("module-yields-junk", {"mycal.py": b"def f():\n    yield 'junk'\n"}, "mycal:f", kind=src),
        _calib("module-infinite-wrong", {"mycal.py": b"def f():\n    while True:\n        yield {'x': 1}\n"}, "mycal:f",
               kind=src),
        _calib("module-exits-in-loop", {"mycal.py": b"import sys\ndef f():\n    yield from ()\n    sys.exit(3)\n"},
               "mycal:f", kind=src),
        _calib("pyfile-missing", {}, "nope.py:f", kind=src),
        _calib("folder-named-like-module", {"imgc:good/": None, "imgc.py": b"def good():\n    open('PWNED', 'w')\n"},
               "imgc:good", kind=src),
    ]


def _toml(body: str, extra_files: dict | None = None, cid: str = "") -> Case:
    files = {"cal.toml": body.encode(), "x.npz": inputs.npz_bytes({"x": GOOD_X}), "imgs/a.png": inputs.png()}
    return _calib(cid, {**files, **(extra_files or {})}, "cal.toml", kind="calib-toml")


def _toml_cases() -> list[Case]:
    img = 'source = "imgs"\n[preprocess]\n'
    bodies = {
        "toml-bad-seed-str": 'source = "x.npz"\nseed = "abc"\n',
        "toml-bad-seed-neg": 'source = "x.npz"\nseed = -1\n',
        "toml-bad-seed-float": 'source = "x.npz"\nseed = 1.5\n',
        "toml-samples-float": 'source = "x.npz"\nsamples = 1e8\n',
        "toml-samples-huge": 'source = "x.npz"\nsamples = 100000000\n',
        "toml-samples-zero": 'source = "x.npz"\nsamples = 0\n',
        "toml-unknown-key": 'source = "x.npz"\nevil = 1\n',
        "toml-no-source": 'name = "x"\n',
        "toml-source-int": 'source = 123\n',
        "toml-invalid": 'source = "x.npz\n',
        "toml-preprocess-not-table": 'source = "imgs"\npreprocess = 3\n',
        "toml-mean-length": img + "mean = [0.1, 0.2, 0.3, 0.4, 0.5]\n",
        "toml-mean-str": img + 'mean = "a"\n',
        "toml-mean-3-for-gray": img + "mean = [0.1, 0.2, 0.3]\n",
        "toml-std-zero": img + "std = [0.0]\n",
        "toml-dtype-bogus": img + 'dtype = "evil"\n',
        "toml-dtype-object": img + 'dtype = "object"\n',
        "toml-scale-str": img + 'scale = "x"\n',
        "toml-scale-nan": img + "scale = nan\n",
        "toml-resize-huge": img + "resize = [100000, 100000]\n",
        "toml-resize-zero": img + "resize = [0, 1]\n",
        "toml-crop-negative": img + "crop = [-4, 4]\n",
        "toml-layout-bogus": img + 'layout = "HWCN"\n',
        "toml-channels-bogus": img + 'channels = "CMYK"\n',
        "toml-name-table": 'source = "x.npz"\nname = {a = 1}\n',
        "toml-deep-nesting": "source = " + "[" * 3000 + "]" * 3000 + "\n",
        "toml-binary": "\x00\xff\xfe garbage",
        "toml-module-relative": 'source = "calmod:f"\n',
    }
    cases = [_toml(body, cid=cid) for cid, body in bodies.items()]
    cases[-1].files["calmod.py"] = b"def f():\n    raise SystemExit(0)\n"
    return cases


def _image_cases() -> list[Case]:
    def folder(cid, files, extra=()):
        return _calib(cid, files, "imgs", extra, kind="calib-images")

    return [
        folder("images-broken-png", {"imgs/a.png": b"\x89PNG\r\n\x1a\nbroken"}),
        folder("images-empty-png", {"imgs/a.png": b""}),
        folder("images-pixel-bomb", {"imgs/a.png": inputs.png_bomb()}),
        folder("images-none", {"imgs/readme.txt": b"hi"}),
        folder("images-dir-named-png", {"imgs/a.png/": None}),
    ]


def _eval_cases() -> list[Case]:
    def ev(cid, files, extra=()):
        return Case(cid, "eval", ["build", "m.onnx", "-t", "onnxruntime", "-p", "int8", "--calib", "random",
                                  "--calib-samples", "16", "--eval", "e.npz", "--max-accuracy-drop", "1", *extra],
                    {"m.onnx": MODEL, **files})

    return [
        ev("eval-labels-float", {"e.npz": inputs.npz_bytes({"x": GOOD_X, "y": np.full(32, 0.5)})}),
        ev("eval-labels-2d", {"e.npz": inputs.npz_bytes({"x": GOOD_X, "y": np.zeros((32, 2), np.int64)})}),
        ev("eval-count-mismatch", {"e.npz": inputs.npz_bytes({"x": GOOD_X, "y": np.zeros(5, np.int64)})}),
        ev("eval-zip-bomb", {"e.npz": inputs.zip_bomb_npz(1)}),
        ev("eval-nan-drop", {"e.npz": inputs.npz_bytes({"x": GOOD_X, "y": np.zeros(32, np.int64)})},
           ["--max-accuracy-drop", "nan"]),
    ]


def _train(cid: str, files: dict, data: str = "d.npz", extra=()) -> Case:
    return Case(cid, "train-data", ["train", "--arch", "mlp", "--data", data, "--epochs", "1", "--out", "run", *extra],
                files)


def _train_cases() -> list[Case]:
    x = np.random.default_rng(0).random((20, 1, 8, 8)).astype(np.float32)
    y = np.arange(20) % 2
    nan_x = x.copy()
    nan_x[3, 0, 0, 0] = np.nan
    shard_npy = inputs.npy_bytes(x[0])

    def npz(**arrays):
        return {"d.npz": inputs.npz_bytes(arrays)}

    return [
        _train("train-label-neg", npz(x=x, y=y - 1)),
        _train("train-label-huge", npz(x=x, y=y * 10**9)),
        _train("train-label-float", npz(x=x, y=y + 0.5)),
        _train("train-too-few-classes", npz(x=x, y=y, classes=np.array(["a"]))),
        _train("train-empty", npz(x=x[:0], y=y[:0])),
        _train("train-one-sample", npz(x=x[:1], y=y[:1])),
        _train("train-1x1-images", npz(x=x[:, :, :1, :1], y=y)),
        _train("train-nan", npz(x=nan_x, y=y)),
        _train("train-count-mismatch", npz(x=x, y=y[:5])),
        _train("train-strings", npz(x=np.array(["a"] * 20), y=y)),
        _train("train-no-y", npz(x=x)),
        _train("train-zip-bomb", {"d.npz": inputs.zip_bomb_npz(2)}),
        _train("train-pipe-shard", {"pipe:touch PWNED; cat 000000.tar #.tar": inputs.tar_bytes(
            {"k.npy": shard_npy, "k.cls": b"0"})}, "*.tar"),
        _train("train-shard-corrupt", {"s.tar": b"\0" * 1024 + b"junk"}, "s.tar"),
        _train("train-shard-no-label", {"s.tar": inputs.tar_bytes({"train_0.npy": shard_npy})}, "s.tar"),
        _train("train-shard-label-neg", {"s.tar": inputs.tar_bytes(
            {"train_0.npy": shard_npy, "train_0.cls": b"-1", "test_0.npy": shard_npy, "test_0.cls": b"0"})}, "s.tar"),
        _train("train-shard-bad-json", {"s.tar": inputs.tar_bytes({"train_0.npy": shard_npy, "train_0.cls": b"0"}),
                                        "dataset.json": b"[" * 5000}, "s.tar"),
        _train("train-images-one-class", {"imgs/a/1.png": inputs.png()}, "imgs"),
        _train("train-lr-nan", npz(x=x, y=y), "d.npz", ["--lr", "nan"]),
        _train("train-seed-neg", npz(x=x, y=y), "d.npz", ["--seed", "-1"]),
    ]


def cases() -> list[Case]:
    return _npz_cases() + _module_cases() + _toml_cases() + _image_cases() + _eval_cases() + _train_cases()
