"""PyTorch sources -> ONNX through the TorchScript exporter, checked against PyTorch itself."""
from __future__ import annotations

import importlib.util
import io
import sys
import warnings
from pathlib import Path

import numpy as np

from edgecompile.errors import ModelLoadError, UsageError
from edgecompile.frontends import LoadedModel, sha256_bytes
from edgecompile.core.parity import within

EXPORT_OPSET = 17
PARITY_ATOL = 1e-5  # the export must match PyTorch to this; see verify.within for the scale rule


def _shape_for(input_shapes: dict, module, what: str) -> tuple[int, ...]:
    if "*" in input_shapes:
        return input_shapes["*"]
    if len(input_shapes) == 1:
        return next(iter(input_shapes.values()))
    shape = getattr(module, "input_shape", None)
    if shape:
        return tuple(shape)
    raise UsageError(f"{what} does not say its input shape: pass --input-shape input=1x3x32x32.")


def export(module, example: tuple, source: str, digest: str, kind: str, notes: list[str] | None = None) -> LoadedModel:
    """Export `module` with example inputs, then check ONNX Runtime against PyTorch."""
    import onnx
    import onnxruntime as ort
    import torch

    module.eval()
    buf = io.BytesIO()
    names = ["input"] if len(example) == 1 else [f"input_{i}" for i in range(len(example))]
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        try:
            torch.onnx.export(module, example, buf, input_names=names, output_names=["output"],
                              opset_version=EXPORT_OPSET, dynamo=False)
        except Exception as e:  # the exporter raises many types; report the first line
            raise ModelLoadError(f"PyTorch -> ONNX export of '{source}' failed: {str(e).splitlines()[0]}") from e
        expected = module(*example)
    model = onnx.load_from_string(buf.getvalue())
    expected = expected if isinstance(expected, (tuple, list)) else (expected,)
    sess = ort.InferenceSession(buf.getvalue(), providers=["CPUExecutionProvider"])
    got = sess.run(None, {n: t.numpy() for n, t in zip(names, example)})
    err = max(float(np.max(np.abs(g - e.detach().numpy()))) for g, e in zip(got, expected))
    mag = max(float(np.max(np.abs(e.detach().numpy()))) for e in expected)
    if not within(err, mag, PARITY_ATOL):
        raise ModelLoadError(f"The ONNX export of '{source}' differs from PyTorch by {err:.3g} "
                             f"(allowed {PARITY_ATOL * max(1.0, mag):.3g} for outputs up to {mag:.3g}).")
    parity = {"reference": "pytorch", "max_abs_err": err, "max_abs_output": mag, "tol": PARITY_ATOL}
    return LoadedModel(model, source, digest, kind, notes or [], parity)


def _example(shape: tuple[int, ...]):
    import torch

    g = torch.Generator().manual_seed(0)
    return (torch.randn(*shape, generator=g),)


def _read_state_dict(weights: str):
    import torch

    path = Path(weights)
    if not path.is_file():
        raise ModelLoadError(f"Weights file '{weights}' does not exist.")
    try:
        with warnings.catch_warnings():  # torch warns before raising; the error below says it once
            warnings.simplefilter("ignore")
            ckpt = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:
        first = (str(e).strip().splitlines() or [type(e).__name__])[0][:300]
        raise ModelLoadError(f"'{weights}' is not a PyTorch checkpoint torch.load can read safely "
                             f"(weights only, no pickled code): {first}") from None
    for key in ("state_dict", "model_state_dict", "model"):
        if isinstance(ckpt, dict) and isinstance(ckpt.get(key), dict):
            ckpt = ckpt[key]
            break
    if not isinstance(ckpt, dict) or not all(isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in ckpt.items()):
        raise ModelLoadError(f"'{weights}' holds a {type(ckpt).__name__}, not a state dict (parameter names -> "
                             f"tensors), nor a checkpoint with one under 'state_dict', 'model_state_dict' or 'model'.")
    return ckpt


def load_python(path: Path, attr: str, weights: str | None, input_shapes: dict) -> LoadedModel:
    """'file.py:ClassOrFactory': import the file, build the module, load --weights."""
    import torch

    if not path.is_file():
        raise ModelLoadError(f"Model file '{path}' does not exist.")
    spec = importlib.util.spec_from_file_location(f"_edgecompile_user_{path.stem}", path)
    module_obj = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(path.parent.resolve()))
    try:
        spec.loader.exec_module(module_obj)
    except (Exception, SystemExit) as e:  # the user's file runs here; sys.exit() in it is no success either
        raise ModelLoadError(f"Importing '{path}' failed: {type(e).__name__}: {str(e)[:300]}") from None
    finally:
        sys.path.pop(0)
    factory = getattr(module_obj, attr, None)
    if factory is None or not callable(factory):
        raise ModelLoadError(f"'{path}' has no class or function named '{attr}'.")
    try:
        net = factory()
    except (Exception, SystemExit) as e:
        raise ModelLoadError(f"'{path}:{attr}()' raised {type(e).__name__}: {str(e)[:300]}") from None
    if not isinstance(net, torch.nn.Module):
        raise ModelLoadError(f"'{path}:{attr}()' returned {type(net).__name__}, not a torch.nn.Module.")
    notes, chunks = [], [path.read_bytes()]
    if weights:
        try:
            net.load_state_dict(_read_state_dict(weights))
        except (RuntimeError, TypeError, ValueError) as e:
            raise ModelLoadError(f"Weights '{weights}' do not fit '{attr}': {str(e).splitlines()[0]}") from e
        chunks.append(Path(weights).read_bytes())
    else:
        notes.append("no --weights given: exporting the module's initial weights")
    example = _example(_shape_for(input_shapes, net, f"'{path}:{attr}'"))
    return export(net, example, f"{path}:{attr}", sha256_bytes(*chunks), "pytorch", notes)


def load_torchscript(path: Path, weights: str | None, input_shapes: dict) -> LoadedModel:
    import torch

    from edgecompile.frontends.torch_archive import pt_kind

    if weights:
        raise UsageError("--weights goes with 'file.py:Class' sources; a TorchScript file carries its weights.")
    if pt_kind(path) == "state-dict":
        raise ModelLoadError(f"'{path}' holds weights only (a torch.save()d state dict), not a TorchScript model. "
                             f"Name the model's code and pass the file as weights: "
                             f"edgecompile build net.py:ClassName --weights {path} ...")
    try:
        net = torch.jit.load(str(path), map_location="cpu")
    except Exception as e:
        raise ModelLoadError(f"'{path}' is not a TorchScript archive torch.jit.load can read: {str(e).splitlines()[0]}") from e
    example = _example(_shape_for(input_shapes, net, f"TorchScript '{path}'"))
    return export(net, example, str(path), sha256_bytes(path.read_bytes()), "torchscript")


def _as_module(ep):
    """nn.Module view of an ExportedProgram for the TorchScript exporter."""
    import torch

    class ExportedProgramModule(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.fn = ep.module()

        def train(self, mode: bool = True):  # ExportedProgram modules refuse train(); they are eval already
            return self

        def forward(self, *xs):
            return self.fn(*xs)

    return ExportedProgramModule()


def load_exported_program(path: Path, weights: str | None, input_shapes: dict) -> LoadedModel:
    from edgecompile.frontends.torch_archive import safe_export_load

    if weights:
        raise UsageError("--weights goes with 'file.py:Class' sources; a .pt2 file carries its weights.")

    ep = safe_export_load(path)
    notes = []
    if input_shapes:
        example = _example(_shape_for(input_shapes, None, f"'{path}'"))
    else:
        args = ep.example_inputs[0] if ep.example_inputs else ()
        if not args:
            raise UsageError(f"'{path}' stores no example inputs: pass --input-shape input=1x3x32x32.")
        example = _example(tuple(args[0].shape))
        notes.append(f"input shape {tuple(args[0].shape)} taken from the program's example inputs")
    return export(_as_module(ep), example, str(path), sha256_bytes(path.read_bytes()),
                  "exported-program", notes)
