"""On PYTHONPATH, makes this interpreter look like `pip install -e .` without extras: the extras'
packages are unimportable exactly as absent ones are (sys.modules[name] = None), nothing else
changes. The README test runs the quickstart block through it (tests/test_readme_blocks.py)."""
import sys

EXTRAS = ("openvino", "nncf", "tensorflow", "tf_keras", "onnx2tf", "tf2onnx", "onnx_graphsurgeon", "sng4onnx",
          "ai_edge_litert", "tflite_runtime", "tflite_micro", "tvm", "coremltools", "tritonclient", "peft",
          "torch_pruning", "webdataset", "tensorboard", "transformers", "paramiko", "mlperf_loadgen", "matplotlib",
          "fastapi", "uvicorn", "prometheus_client")
for name in EXTRAS:
    sys.modules[name] = None
