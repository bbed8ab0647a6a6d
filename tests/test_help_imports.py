"""`edgecompile --help` must stay light: no torch, no runtime, no backend SDK."""
import json
import subprocess
import sys

HEAVY = ("torch", "onnxruntime", "onnx", "tensorflow", "openvino", "tvm", "coremltools", "tensorrt", "onnx2tf", "tf2onnx")


def test_help_imports_no_heavy_modules():
    code = (
        "import sys, json\n"
        "from edgecompile.cli.main import cli\n"
        "try:\n    cli(['--help'])\nexcept SystemExit:\n    pass\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r})))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    heavy = json.loads(out.strip().splitlines()[-1])
    assert heavy == []
    assert "build" in out and "quickstart" in out


def test_subcommand_help_is_light_too():
    code = (
        "import sys, json\n"
        "from edgecompile.cli.main import cli\n"
        "try:\n    cli(['build', '--help'])\nexcept SystemExit:\n    pass\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r})))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert json.loads(out.strip().splitlines()[-1]) == []
