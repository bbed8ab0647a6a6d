"""Issue 16 item 1: a real .pt2 whose sample inputs are a pickle payload must not run it."""
from __future__ import annotations

import io
import zipfile

import pytest

from edgecompile.errors import ModelLoadError


class Payload:
    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))  # creates the file when unpickled


def test_exported_program_with_a_pickle_payload_is_refused(tmp_path):
    torch = pytest.importorskip("torch")
    from edgecompile.frontends import load

    class Net(torch.nn.Module):
        def forward(self, x):
            return torch.relu(x)

    good = tmp_path / "good.pt2"
    torch.export.save(torch.export.export(Net(), (torch.randn(1, 4),)), str(good))
    evil, marker = tmp_path / "evil.pt2", tmp_path / "PWNED"
    payload = io.BytesIO()
    torch.save(Payload(str(marker)), payload)
    with zipfile.ZipFile(good) as zin, zipfile.ZipFile(evil, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            zout.writestr(info, payload.getvalue() if info.filename.endswith("sample_inputs/model.pt") else data)
    with pytest.raises(ModelLoadError, match="unrestricted"):
        load(str(evil))
    assert not marker.exists()
    assert load(str(good)).kind == "exported-program"
