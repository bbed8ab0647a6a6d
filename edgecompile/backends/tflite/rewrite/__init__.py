"""Bit-exact rewrites of integer .tflite graphs that XNNPACK runs faster (see pipeline.py)."""
