"""Calibration data, range tables and per-backend INT8 flavors."""
