"""Hostile artifacts (damaged manifests, tampered files, escaping names), output folders, command-line
options and remote specs. Artifacts start as copies of real ones built once per session (BASE)."""
from __future__ import annotations

import json
from pathlib import Path

from hostile import inputs
from hostile.case import Case, copy_artifact

BASE: dict[str, Path] = {}  # "ort", "c", "int8" -> a built artifact folder (set by conftest)
MODEL = inputs.onnx_bytes()


def _damaged(cid: str, base: str, change, argv=None, kind: str = "artifact", expect=(1, 2)) -> Case:
    def setup(d: Path):
        art = copy_artifact(BASE[base], d / "art")
        change(art)

    return Case(cid, kind, argv or ["bench", "art", "--runs", "2", "--warmup", "0"], setup=setup, expect=expect)


def _manifest(edit):
    def change(art: Path):
        m = json.loads((art / "manifest.json").read_text())
        m = edit(m) or m
        (art / "manifest.json").write_text(m if isinstance(m, str) else json.dumps(m))
    return change


def _set(path: str, value):
    def edit(m):
        *parents, last = path.split(".")
        d = m
        for p in parents:
            d = d[p]
        d[last] = value
    return _manifest(edit)


def _files(edit):
    def change(art: Path):
        m = json.loads((art / "manifest.json").read_text())
        edit(m["files"], art)
        (art / "manifest.json").write_text(json.dumps(m))
    return change


def _append(name: str, data: bytes = b"/* tampered */\n"):
    def change(art: Path):
        with open(art / name, "ab") as f:
            f.write(data)
    return change


def _rename_file(files, art, new):
    old = next(iter(files))
    files[new] = files.pop(old)


def _artifact_cases() -> list[Case]:
    c = [
        _damaged("manifest-list", "ort", _manifest(lambda m: "[1, 2, 3]")),
        _damaged("manifest-deep", "ort", _manifest(lambda m: "[" * 100000 + "]" * 100000)),
        _damaged("manifest-not-json", "ort", _manifest(lambda m: "{not json")),
        _damaged("manifest-empty-object", "ort", _manifest(lambda m: "{}")),
        _damaged("manifest-schema-99", "ort", _set("schema_version", 99)),
        _damaged("manifest-files-list", "ort", _set("files", ["model.onnx"])),
        _damaged("manifest-files-bad-hash", "ort", _files(lambda f, a: f.update({k: "0" * 64 for k in f}))),
        _damaged("manifest-file-dotdot", "ort", _files(lambda f, a: _rename_file(f, a, "../victim.txt"))),
        _damaged("manifest-file-absolute", "ort", _files(lambda f, a: _rename_file(f, a, "/etc/passwd"))),
        _damaged("manifest-file-backslash", "ort", _files(lambda f, a: _rename_file(f, a, "..\\victim.txt"))),
        _damaged("manifest-inputs-missing", "ort", _manifest(lambda m: m.pop("inputs"))),
        _damaged("manifest-shape-negative", "ort", _set("inputs", [{"name": "x", "shape": [-1], "dtype": "float32"}])),
        _damaged("manifest-shape-huge", "ort", _set("inputs", [{"name": "x", "shape": [100000, 100000],
                                                                "dtype": "float32"}])),
        _damaged("manifest-dtype-object", "ort", _set("inputs", [{"name": "x", "shape": [1], "dtype": "object"}])),
        _damaged("manifest-backend-unknown", "ort", _set("backend", "evil")),
        _damaged("manifest-huge", "ort", _manifest(lambda m: json.dumps({**m, "pad": "x" * (17 << 20)}))),
        _damaged("tampered-onnx", "ort", _append("model.onnx", b"\x00")),
        _damaged("symlinked-file", "ort", lambda a: ((a / "model.onnx").unlink(), (a / "model.onnx").symlink_to("/etc/passwd"))),
        _damaged("missing-file", "ort", lambda a: (a / "model.onnx").unlink()),
        _damaged("no-manifest", "ort", lambda a: (a / "manifest.json").unlink()),
        _damaged("remote-workdir-from-artifact", "ort", _set("profile.bench", {"workdir": "/", "host": "127.0.0.1:1"}),
                 ["bench", "art", "--runner", "ssh", "--runs", "1"], kind="remote"),
    ]
    c += [  # C artifacts (skipped where no C compiler built the base)
        _damaged("c-tampered-source", "c", _append("model.c")),
        _damaged("c-arena-1", "c", _set("backend_details.arena_bytes", 1), expect=(0,)),  # sizes come from model.h
        _damaged("c-smaller-input", "c", lambda a: _set("inputs", [{**json.loads((a / "manifest.json").read_text())
                                                                      ["inputs"][0], "shape": [1, 1, 2, 2]}])(a)),
        _damaged("c-prefix-changed", "c", _set("backend_details.prefix", "other")),
        _damaged("c-prefix-injection", "c", _set("backend_details.prefix", "x; rm -rf /")),
        _damaged("c-qemu-unknown-machine", "c", _set("profile.bench", {"runner": "qemu", "machine": "evil-board"})),
        _damaged("c-qemu-linker-injection", "c", _set("profile.bench", {
            "runner": "qemu", "machine": "mps2-an386", "flash_origin": "0x0 } INCLUDE /etc/passwd {"})),
    ]
    for cid, value in (("quant-block-list", []), ("quant-block-empty", {}),
                       ("quant-block-path", {"flavor": "onnxruntime", "range_table": {
                           "model_sha256": "../../x", "data_sha256": "a", "key": "../../../etc/passwd", "method": "m"}})):
        c.append(_damaged(cid, "int8", _set("quantization", value), ["quant-report", "art"], kind="quant-report"))
    c.append(_damaged("quant-report-fp32", "ort", lambda a: None, ["quant-report", "art"], kind="quant-report"))
    return c


def _out(cid: str, out: str, files=None, extra=()) -> Case:
    return Case(cid, "out-folder", ["build", "m.onnx", "-t", "onnxruntime", "--no-verify", "--out", out, *extra],
                {"m.onnx": MODEL, **(files or {})})


def _out_cases() -> list[Case]:
    return [
        _out("out-is-file", "o", {"o": b"user data"}),
        _out("out-under-file", "o/deeper", {"o": b"user data"}),
        _out("out-dev-null", "/dev/null"),
        _out("out-proc", "/proc/edgecompile-hostile"),
        _out("out-target-is-file", "o", {"o/onnxruntime-fp32": b"user data"}, ["--force"]),
        _out("out-force-foreign-folder", "o", {"o/onnxruntime-fp32/thesis.txt": b"chapter 1"}, ["--force"]),
        _out("out-force-extra-file", "o", {"o/onnxruntime-fp32/manifest.json": b'{"schema_version": 1, "files": {}}',
                                           "o/onnxruntime-fp32/thesis.txt": b"chapter 1"}, ["--force"]),
        _out("out-no-force", "o", {"o/onnxruntime-fp32/manifest.json": b'{"schema_version": 1, "files": {}}'}),
        _out("out-target-symlink", "o", {"o/onnxruntime-fp32": ("symlink", "/tmp")}, ["--force"]),
    ]


def _cli_cases() -> list[Case]:
    build = ["build", "m.onnx", "-t", "onnxruntime"]
    args = {
        "cli-max-drop-nan": build + ["-p", "int8", "--calib", "random", "--eval", "digits", "--max-accuracy-drop", "nan"],
        "cli-max-drop-inf": build + ["--max-accuracy-drop", "inf"],
        "cli-max-drop-neg": build + ["--max-accuracy-drop", "-1"],
        "cli-min-cosine-2": build + ["--min-cosine", "2"],
        "cli-calib-samples-0": build + ["--calib", "random", "--calib-samples", "0"],
        "cli-c-prefix-unicode": ["build", "m.onnx", "-t", "c", "--c-prefix", "mödel", "--no-verify"],
        "cli-c-prefix-digit": ["build", "m.onnx", "-t", "c", "--c-prefix", "1model", "--no-verify"],
        "cli-unknown-target": ["build", "m.onnx", "-t", "evil"],
        "cli-unknown-precision": build + ["-p", "int4"],
        "cli-input-shape-junk": build + ["--input-shape", "x=axb"],
        "cli-bench-runs-0": ["bench", ".", "--runs", "0"],
        "cli-bench-warmup-neg": ["bench", ".", "--warmup", "-1"],
        "cli-bench-max-seconds-0": ["bench", ".", "--max-seconds", "0"],
        "cli-bench-max-seconds-nan": ["bench", ".", "--max-seconds", "nan"],
        "cli-train-epochs-0": ["train", "--arch", "mlp", "--epochs", "0", "--out", "r"],
        "cli-prune-ratio": ["prune", ".", "--ratio", "1.5", "--out", "r"],
        "cli-calibrate-samples-neg": ["calibrate", "m.onnx", "--calib", "random", "--calib-samples", "-5"],
        "remote-port-99999": ["bench", "art", "--remote", "127.0.0.1:99999"],
        "remote-port-0": ["bench", "art", "--remote", "127.0.0.1:0"],
        "remote-host-junk": ["bench", "art", "--remote", "a b;touch PWNED"],
        "remote-no-known-hosts": ["bench", "art", "--remote", "127.0.0.1:1"],
    }
    out = []
    for cid, argv in args.items():
        kind = "remote" if cid.startswith("remote") else "cli"
        case = Case(cid, kind, argv, {"m.onnx": MODEL}, env={"HOME": "{dir}"} if kind == "remote" else {})
        if kind == "remote":
            case.setup = lambda d: copy_artifact(BASE["ort"], d / "art")
        out.append(case)
    return out


def cases() -> list[Case]:
    return _artifact_cases() + _out_cases() + _cli_cases()
