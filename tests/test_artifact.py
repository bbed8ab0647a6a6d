"""Staged writes: a failed build leaves neither a half artifact nor a staging folder."""
import pytest

from edgecompile.artifact import Artifact, staged
from edgecompile.errors import ArtifactError

MINIMAL = '{"schema_version": 1, "files": {}}'


def test_failure_inside_stage_leaves_nothing(tmp_path):
    final = tmp_path / "t-fp32"
    with pytest.raises(RuntimeError):
        with staged(final, force=False) as stage:
            (stage / "model.bin").write_bytes(b"half")
            raise RuntimeError("compiler crashed")
    assert list(tmp_path.iterdir()) == []


def test_failure_keeps_the_previous_artifact(tmp_path):
    final = tmp_path / "t-fp32"
    final.mkdir()
    (final / "manifest.json").write_text(MINIMAL)
    with pytest.raises(KeyboardInterrupt):
        with staged(final, force=True) as stage:
            (stage / "new").write_text("x")
            raise KeyboardInterrupt
    assert [p.name for p in tmp_path.iterdir()] == ["t-fp32"]
    assert (final / "manifest.json").read_text() == MINIMAL


def test_open_rejects_non_artifacts(tmp_path):
    with pytest.raises(ArtifactError, match="not an edgecompile artifact"):
        Artifact.open(tmp_path)
    (tmp_path / "manifest.json").write_text("{not json")
    with pytest.raises(ArtifactError, match="not valid JSON"):
        Artifact.open(tmp_path)


def test_a_folder_of_artifacts_names_them(tmp_path):
    import pytest

    from edgecompile.errors import ArtifactError

    (tmp_path / "c-fp32").mkdir()
    (tmp_path / "c-fp32" / "manifest.json").write_text("{}")
    with pytest.raises(ArtifactError, match=r"no manifest.json\); it holds artifacts: .*c-fp32"):
        Artifact.open(tmp_path)
