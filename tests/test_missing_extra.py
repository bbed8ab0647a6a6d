"""A backend whose SDK is missing fails with the pip command; the other targets still build.

The SDK is made unimportable for one real subprocess (sys.modules[name] = None makes `import`
raise ImportError exactly as an absent package does); nothing else is changed.
"""
import subprocess
import sys

import pytest

from edgecompile.backends import implemented

CASES = [("openvino", "openvino", "openvino"), ("tflite", "tflite", "tensorflow"), ("tvm", "tvm", "tvm"),
         ("coreml", "coreml", "coremltools"), ("triton", "triton", "tritonclient")]


@pytest.mark.parametrize("backend,extra,module", CASES)
def test_missing_sdk_names_the_pip_command(tmp_path, tiny_onnx, backend, extra, module):
    if backend not in implemented():
        pytest.skip(f"the {backend} backend is not in this build")
    code = (
        "import sys\n"
        f"sys.modules[{module!r}] = None\n"
        "from edgecompile.cli.main import cli\n"
        f"cli(['build', {str(tiny_onnx)!r}, '-t', {backend!r}, '-t', 'onnxruntime', '--out', {str(tmp_path / 'out')!r}])\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert f"pip install 'edgecompile[{extra}]'" in out
    assert "Traceback" not in out
    assert (tmp_path / "out" / "onnxruntime-fp32" / "manifest.json").is_file()
    assert not (tmp_path / "out" / f"{backend}-fp32").exists()
