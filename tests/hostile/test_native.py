"""Issue 16 items 2 and 6: C libraries in a private cache checked by hash, buffer sizes from the
compiled header, native code in a child process, sha256s verified on open."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile

import numpy as np
import pytest

from conftest import need_tool
from edgecompile.artifact import Artifact
from edgecompile.errors import ArtifactError, ToolError


@pytest.fixture(scope="module")
def c_artifact(tmp_path_factory):
    need_tool("gcc", "c")
    from edgecompile.driver import build
    from hostile import inputs

    root = tmp_path_factory.mktemp("native")
    (root / "m.onnx").write_bytes(inputs.onnx_bytes())
    report = build(str(root / "m.onnx"), ["c"], out=root / "out")
    assert report.ok, [r.error for r in report.results]
    return report.results[0].path


def _copy(src, dst):
    shutil.copytree(src, dst)
    return dst


def _rewrite_manifest(art, edit):
    m = json.loads((art / "manifest.json").read_text())
    edit(m)
    (art / "manifest.json").write_text(json.dumps(m))


def test_manifest_sizes_do_not_reach_the_c_code(c_artifact, tmp_path):
    x = np.random.default_rng(0).standard_normal((1, 1, 8, 8)).astype(np.float32)
    want = Artifact.open(c_artifact).load().run({"x": x})["y"]
    art = _copy(c_artifact, tmp_path / "a")
    _rewrite_manifest(art, lambda m: m["backend_details"].update(arena_bytes=1))
    np.testing.assert_array_equal(Artifact.open(art).load().run({"x": x})["y"], want)
    _rewrite_manifest(art, lambda m: m["inputs"][0].update(shape=[1, 1, 2, 2]))
    with pytest.raises(ArtifactError, match="do not match the compiled code"):
        Artifact.open(art).load()


def test_tampered_files_are_refused_on_open(c_artifact, tmp_path):
    art = _copy(c_artifact, tmp_path / "a")
    with open(art / "model.c", "a") as f:
        f.write("/* changed */\n")
    with pytest.raises(ArtifactError, match="model.c changed since the build"):
        Artifact.open(art)


def test_a_crashing_kernel_does_not_take_the_caller_down(c_artifact, tmp_path):
    art = _copy(c_artifact, tmp_path / "a")
    src = (art / "model.c").read_text().replace("  return 0;\n}", "  *(volatile int *)0 = 1;\n  return 0;\n}")
    (art / "model.c").write_text(src)
    digest = hashlib.sha256(src.encode()).hexdigest()  # someone else's artifact, consistently signed
    _rewrite_manifest(art, lambda m: m["files"].update({"model.c": digest}))
    runner = Artifact.open(art).load()
    with pytest.raises(ToolError, match="crashed"):
        runner.run({"x": np.zeros((1, 1, 8, 8), np.float32)})


def test_library_cache_is_private_and_checked(c_artifact, tmp_path, monkeypatch):
    from edgecompile.backends.c.runner import _cache_root, build_shared

    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(tempfile, "tempdir", None)
    planted = tmp_path / "edgecompile-c"  # the old shared path: never looked at
    planted.mkdir()
    lib = build_shared(c_artifact)
    root = _cache_root()
    assert lib.parent == root and root.stat().st_mode & 0o777 == 0o700 and root.stat().st_uid == os.getuid()
    lib.write_bytes(b"planted")  # a changed library is rebuilt, not loaded
    assert build_shared(c_artifact).read_bytes()[:4] == b"\x7fELF"
    root.chmod(0o777)
    with pytest.raises(ArtifactError, match="not a private folder"):
        build_shared(c_artifact)
