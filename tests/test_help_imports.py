"""`edgecompile --help` must stay light: no torch, no runtime, no backend SDK."""
import json
import subprocess
import sys

import pytest

HEAVY = ("torch", "onnxruntime", "onnx", "tensorflow", "openvino", "tvm", "coremltools", "tensorrt", "onnx2tf", "tf2onnx")


@pytest.mark.parametrize("argv", [["--help"], ["build", "--help"], ["bench", "--help"], ["serve", "--help"]])
def test_help_imports_no_heavy_modules(argv):
    code = (
        "import sys, json\n"
        "from edgecompile.cli.main import cli\n"
        f"try:\n    cli({argv!r})\nexcept SystemExit:\n    pass\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r})))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert json.loads(out.strip().splitlines()[-1]) == []
    assert "Usage:" in out
