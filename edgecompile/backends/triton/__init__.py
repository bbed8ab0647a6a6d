"""Triton Inference Server model repositories: config.pbtxt + one model version (see backend.py)."""
