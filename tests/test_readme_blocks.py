"""Every runnable block of the README runs, and prints what the README shows (tests/readme_blocks.py)."""
from __future__ import annotations

import shutil

import pytest

from conftest import MLPERF, REPO, need, need_backend
from readme_blocks import blocks, missing, prepare, run, shape

BLOCKS = blocks((REPO / "README.md").read_text())


def test_the_shape_check_can_fail():
    assert shape("│ onnxruntime │ fp32 │ 259.8 KiB │  0.029 │") == shape("│ onnxruntime │ fp32 │ 1,060.2 KiB │ 11.380 │")
    assert shape("│ onnxruntime │ fp32 │ 259.8 KiB │") != shape("│ onnxruntime │ fp16 │ 259.8 KiB │")
    assert missing(["note: table computed: 0123abcd4567"], "note: table computed: 89ef0123ab45\n") == []
    assert missing(["┃ target ┃ p50 ms ┃"], "┃ target ┃ p50 us ┃\n") == ["┃ target ┃ p50 ms ┃"]


def test_readme_marks_its_blocks():
    assert len(BLOCKS) >= 8 and all(b.commands for b in BLOCKS)
    assert sum(b.base_install for b in BLOCKS) == 1  # the quickstart, as the first README command gives it


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    """One folder for the whole README, as a reader who runs its blocks top to bottom would have."""
    need("mlperf-models", MLPERF.is_dir(), f"{MLPERF} not found (set EDGECOMPILE_MODELS)")
    for backend in ("openvino", "tflite", "tvm", "c"):
        need_backend(backend)
    need("curl", shutil.which("curl") is not None, "curl is not on PATH (the serve example uses it)")
    folder = tmp_path_factory.mktemp("readme")
    prepare(folder)
    return folder


@pytest.mark.parametrize("block", BLOCKS, ids=[f"README.md:{b.line}" for b in BLOCKS])
def test_block_runs_and_prints_its_shape(block, session):
    code, outputs = run(block, session, MLPERF)
    printed = "\n".join(outputs)
    assert code == 0, f"README.md:{block.line} failed (exit {code}):\n{printed[-3000:]}"
    gone = missing(block.output, printed)
    assert not gone, (f"README.md:{block.line}: these lines no longer match the output:\n" + "\n".join(gone)
                      + f"\n--- the commands printed ---\n{printed[-4000:]}")
