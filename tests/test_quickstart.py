"""The main job: `edgecompile quickstart` trains, builds every available backend, verifies, measures."""
import pytest
from click.testing import CliRunner

from edgecompile.artifact import Artifact
from edgecompile.backends import get_backend, implemented
from edgecompile.cli.main import cli


@pytest.mark.slow
def test_quickstart(tmp_path):
    out = tmp_path / "qs"
    res = CliRunner().invoke(cli, ["quickstart", "--out", str(out), "--runs", "20"])
    assert res.exit_code == 0, res.output
    assert "test accuracy" in res.output and "edgecompile inspect" in res.output
    available = {b for b in implemented() if get_backend(b).available()[0]}
    built = {}
    for folder in (out / "artifacts").iterdir():
        art = Artifact.open(folder)
        parity = art.manifest["parity"]
        assert parity["passed"] or (parity["passed"] is None and parity["skipped"])  # built for another device
        built.setdefault(art.backend, set()).add(art.precision)
    assert set(built) == available
    for backend, precisions in built.items():
        assert precisions == set(get_backend(backend).info.precisions) or backend != "onnxruntime"
    assert built["onnxruntime"] == {"fp32", "fp16", "int8"}
    # the table's accuracy column is measured per artifact on the digits test split
    rows = [line for line in res.output.splitlines() if line.startswith("│ onnxruntime")]
    assert len(rows) == 3
    for line in rows:
        accuracy = float(line.rstrip(" │").rsplit("│", 1)[1].strip().rstrip("%"))
        assert accuracy >= 95.0


def test_quickstart_refuses_a_foreign_folder(tmp_path):
    (tmp_path / "mine.txt").write_text("keep")
    res = CliRunner().invoke(cli, ["quickstart", "--out", str(tmp_path)])
    assert res.exit_code == 1 and "not written by the quickstart" in res.output
    assert [p.name for p in tmp_path.iterdir()] == ["mine.txt"]
