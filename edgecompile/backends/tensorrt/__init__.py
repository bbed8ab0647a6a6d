"""NVIDIA TensorRT: a portable part built anywhere (TensorRT-ready ONNX + the engine build script) and
a device part (the engine) built where TensorRT and a GPU are: see backend.py."""
