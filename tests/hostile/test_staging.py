"""Issue 16 items 10-12: --force, interrupted replaces, stale staging folders, the lock, SIGTERM."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap

import pytest

from edgecompile.errors import ArtifactError
from edgecompile.staging import _locked, scratch_dir, staged

MANIFEST = json.dumps({"schema_version": 1, "files": {"a.bin": "0" * 64}})


def _artifact(folder, marker: str):
    folder.mkdir(parents=True)
    (folder / "manifest.json").write_text(MANIFEST)
    (folder / "a.bin").write_text(marker)


def test_force_replaces_own_artifact_only(tmp_path):
    final = tmp_path / "t-fp32"
    _artifact(final, "old")
    with staged(final, force=True) as stage:
        (stage / "manifest.json").write_text(MANIFEST)
        (stage / "a.bin").write_text("new")
    assert (final / "a.bin").read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t-fp32"]  # no staging, trash or lock left
    (final / "thesis.txt").write_text("mine")
    with pytest.raises(ArtifactError, match="did not write"):
        with staged(final, force=True):
            pass
    assert (final / "thesis.txt").read_text() == "mine"


def test_force_replaces_an_artifact_with_nested_packages(tmp_path):
    # A Core ML .mlpackage nests its files two folders deep; those folders are the artifact's own.
    nested = "model.mlpackage/Data/com.apple.CoreML/model.mlmodel"
    manifest = json.dumps({"schema_version": 1, "files": {nested: "0" * 64}})
    final = tmp_path / "t-fp16"
    final.mkdir()
    (final / "manifest.json").write_text(manifest)
    (final / nested).parent.mkdir(parents=True)
    (final / nested).write_text("old")
    with staged(final, force=True) as stage:
        (stage / "manifest.json").write_text(manifest)
        (stage / nested).parent.mkdir(parents=True)
        (stage / nested).write_text("new")
    assert (final / nested).read_text() == "new"
    (final / "model.mlpackage" / "Data" / "notes").mkdir()
    with pytest.raises(ArtifactError, match="did not write.*notes"):
        with staged(final, force=True):
            pass


def test_user_folder_named_like_old_trash_is_kept(tmp_path):
    final = tmp_path / "t-fp32"
    _artifact(final, "old")
    (tmp_path / ".t-fp32.old").mkdir()
    (tmp_path / ".t-fp32.old" / "keep.txt").write_text("mine")
    with staged(final, force=True) as stage:
        (stage / "manifest.json").write_text(MANIFEST)
    assert (tmp_path / ".t-fp32.old" / "keep.txt").read_text() == "mine"


def test_a_kill_between_the_two_renames_is_repaired(tmp_path):
    """Where the atomic exchange is unavailable the replace is two renames; the next build's sweep puts
    the old artifact back if a kill fell between them, and removes dead builds' staging folders."""
    final = tmp_path / "t-fp32"
    _artifact(tmp_path / ".t-fp32.4242-00ff.old", "old")  # the old artifact, moved aside, then killed
    (tmp_path / ".t-fp32.4243-abcd.partial").mkdir()  # a build killed while compiling
    with pytest.raises(RuntimeError):
        with staged(final, force=True):
            assert (final / "a.bin").read_text() == "old"  # restored before anything else happens
            raise RuntimeError("this build fails too")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t-fp32"]
    assert (final / "a.bin").read_text() == "old"


def test_the_loser_of_a_race_gets_a_clear_error(tmp_path):
    final = tmp_path / "t-fp32"
    with _locked(final):
        with pytest.raises(ArtifactError, match=f"process {os.getpid()}"):
            with staged(final, force=True):
                pass
    assert not (tmp_path / ".t-fp32.lock").exists()


def test_scratch_folders_of_dead_processes_are_swept(tmp_path, monkeypatch):
    import tempfile

    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(tempfile, "tempdir", None)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = tmp_path / f"edgecompile-{int(dead.stdout)}-tflite-x1"
    stale.mkdir()
    with scratch_dir("test") as d:
        assert d.parent == tmp_path and not stale.exists()
    assert list(tmp_path.iterdir()) == []


SLOW_BUILD = textwrap.dedent("""
    import sys, time
    from edgecompile.backends.onnxruntime.backend import OnnxRuntimeBackend as B
    def slow(self, ctx):
        print("compiling", flush=True)
        time.sleep(120)
    B.compile = slow
    from edgecompile.cli.main import cli
    cli(["build", sys.argv[1], "-t", "onnxruntime", "-o", sys.argv[2]])
""")


def test_sigterm_cleans_up_like_ctrl_c(tmp_path):
    from hostile import inputs

    (tmp_path / "m.onnx").write_bytes(inputs.onnx_bytes())
    proc = subprocess.Popen([sys.executable, "-c", SLOW_BUILD, str(tmp_path / "m.onnx"), str(tmp_path / "out")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "compiling"
    assert any(p.name.endswith(".partial") for p in (tmp_path / "out").iterdir())
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=60)
    assert proc.returncode != 0 and not (tmp_path / "out").exists()  # staging, lock and the empty folder gone


def test_an_empty_folder_is_replaced_without_force(tmp_path):
    """CMake creates the folders of a custom command's outputs before running it: nothing to lose there."""
    final = tmp_path / "t-fp32"
    final.mkdir()
    with staged(final, force=False) as stage:
        (stage / "manifest.json").write_text(MANIFEST)
    assert (final / "manifest.json").is_file()
    (tmp_path / "u-fp32").mkdir()
    (tmp_path / "u-fp32" / "notes.txt").write_text("mine")
    with pytest.raises(ArtifactError, match="did not write"):
        with staged(tmp_path / "u-fp32", force=True):
            pass
    assert (tmp_path / "u-fp32" / "notes.txt").read_text() == "mine"
