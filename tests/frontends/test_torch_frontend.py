"""PyTorch sources: file.py:Class + weights, TorchScript, ExportedProgram; each checked against PyTorch."""
import textwrap

import pytest
import torch

from edgecompile.errors import ModelLoadError, UsageError
from edgecompile.frontends import load, parse_input_shapes

MODEL_PY = textwrap.dedent("""
    import torch.nn as nn

    class Net(nn.Module):
        input_shape = (1, 3, 16, 16)

        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
                                      nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 4))

        def forward(self, x):
            return self.body(x)

    def make_net():
        return Net()
""")


@pytest.fixture
def model_py(tmp_path):
    path = tmp_path / "net.py"
    path.write_text(MODEL_PY)
    return path


def _trained_weights(model_py, tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location("net_for_weights", model_py)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    torch.manual_seed(1)
    net = mod.Net()
    for p in net.parameters():
        torch.nn.init.normal_(p)
    net.body[1].running_mean.uniform_(-1, 1)
    ckpt = tmp_path / "w.pt"
    torch.save({"state_dict": net.state_dict()}, ckpt)
    return net.eval(), ckpt


def test_python_class_with_weights(model_py, tmp_path):
    net, ckpt = _trained_weights(model_py, tmp_path)
    loaded = load(f"{model_py}:Net", weights=str(ckpt))
    assert loaded.kind == "pytorch"
    assert loaded.parity["max_abs_err"] <= 1e-5 * max(1.0, loaded.parity["max_abs_output"])
    # the exported weights are the checkpoint's, not the initial ones
    import onnxruntime as ort

    x = torch.randn(1, 3, 16, 16)
    sess = ort.InferenceSession(loaded.model.SerializeToString(), providers=["CPUExecutionProvider"])
    got = sess.run(None, {"input": x.numpy()})[0]
    assert abs(got - net(x).detach().numpy()).max() < 1e-4


def test_factory_and_input_shape_override(model_py):
    loaded = load(f"{model_py}:make_net", input_shapes=parse_input_shapes(["input=2x3x16x16"]))
    dims = [d.dim_value for d in loaded.model.graph.input[0].type.tensor_type.shape.dim]
    assert dims == [2, 3, 16, 16]
    assert any("initial weights" in n for n in loaded.notes)


def test_weights_that_do_not_fit(model_py, tmp_path):
    bad = tmp_path / "bad.pt"
    torch.save({"body.0.weight": torch.zeros(1)}, bad)
    with pytest.raises(ModelLoadError, match="do not fit"):
        load(f"{model_py}:Net", weights=str(bad))


def test_missing_attribute(model_py):
    with pytest.raises(ModelLoadError, match="no class or function named 'Nope'"):
        load(f"{model_py}:Nope")


def test_torchscript(model_py, tmp_path):
    net, _ = _trained_weights(model_py, tmp_path)
    path = tmp_path / "net.pt"
    torch.jit.trace(net, torch.randn(1, 3, 16, 16)).save(str(path))
    with pytest.raises(UsageError, match="--input-shape"):
        load(str(path))
    loaded = load(str(path), input_shapes={"*": (1, 3, 16, 16)})
    assert loaded.kind == "torchscript" and loaded.parity["max_abs_err"] < 1e-4


def test_exported_program(model_py, tmp_path):
    net, _ = _trained_weights(model_py, tmp_path)
    path = tmp_path / "net.pt2"
    torch.export.save(torch.export.export(net, (torch.randn(1, 3, 16, 16),)), str(path))
    loaded = load(str(path))
    assert loaded.kind == "exported-program"
    assert [d.dim_value for d in loaded.model.graph.input[0].type.tensor_type.shape.dim] == [1, 3, 16, 16]
    assert loaded.parity["max_abs_err"] < 1e-4


@pytest.mark.parametrize("spec", ["input=1x3xAx4", "input=", "input=0x3", "=-1x2"])
def test_malformed_input_shape(spec):
    with pytest.raises(UsageError, match="Malformed --input-shape"):
        parse_input_shapes([spec])


def test_pt2_dynamic_batch_defaults_to_one(tmp_path):
    """A dynamic dimension of an ExportedProgram is 1, as for every other source, not the example's size."""
    import torch

    from edgecompile import frontends

    class M(torch.nn.Module):
        def forward(self, x):
            return torch.relu(x).sum(dim=1)

    batch = torch.export.Dim("batch", min=1, max=16)
    torch.export.save(torch.export.export(M(), (torch.randn(2, 3),), dynamic_shapes={"x": {0: batch}}),
                      str(tmp_path / "dyn.pt2"))
    loaded = frontends.load(str(tmp_path / "dyn.pt2"), None, None)
    assert [d.dim_value for d in loaded.model.graph.input[0].type.tensor_type.shape.dim] == [1, 3]
    assert any("dynamic dimensions set to 1" in n for n in loaded.notes)
    fixed = frontends.load(str(tmp_path / "dyn.pt2"), None, {"input": (4, 3)})
    assert [d.dim_value for d in fixed.model.graph.input[0].type.tensor_type.shape.dim] == [4, 3]
