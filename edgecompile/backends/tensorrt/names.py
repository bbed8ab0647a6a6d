"""File names inside a tensorrt artifact, and what the manifest says before the engine exists."""
ONNX_FILE, SCRIPT, CONFIG = "model.onnx", "build_engine.py", "engine_config.json"
ENGINE, INFO, TIMING_CACHE = "model.engine", "engine_info.json", "timing.cache"
NOT_BUILT = "not built (no NVIDIA GPU here)"
