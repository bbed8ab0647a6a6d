"""TensorSpec: one artifact input or output as callers see it, and the conversions between the
reference graph's float tensors and what an artifact takes (layout, quantization)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class TensorSpec:
    name: str
    shape: tuple[int, ...]
    dtype: str  # numpy dtype name: "float32", "int8", ...
    layout: str | None = None  # "NCHW", "NHWC" or None when not an image tensor
    scale: float | None = None  # set when the tensor is quantized: real = scale * (q - zero_point)
    zero_point: int | None = None

    def to_json(self) -> dict[str, Any]:
        d = {"name": self.name, "shape": list(self.shape), "dtype": self.dtype, "layout": self.layout}
        if self.scale is not None:
            d["scale"], d["zero_point"] = self.scale, self.zero_point
        return d

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> "TensorSpec":
        return cls(d["name"], tuple(d["shape"]), d["dtype"], d.get("layout"), d.get("scale"), d.get("zero_point"))


def to_layout(x: np.ndarray, src: str | None, dst: str | None) -> np.ndarray:
    if src == dst or src is None or dst is None or x.ndim != 4:
        return x
    if (src, dst) == ("NCHW", "NHWC"):
        return np.ascontiguousarray(x.transpose(0, 2, 3, 1))
    if (src, dst) == ("NHWC", "NCHW"):
        return np.ascontiguousarray(x.transpose(0, 3, 1, 2))
    raise ValueError(f"unknown layouts {src} -> {dst}")


def encode(x: np.ndarray, spec: TensorSpec, ref_layout: str | None = "NCHW") -> np.ndarray:
    """Reference-side float input -> what the artifact's caller passes (layout, quantization)."""
    x = to_layout(x, ref_layout if spec.layout else None, spec.layout)
    if spec.scale is not None and x.dtype.kind == "f":  # an integer sample is already quantized (int8 graph)
        info = np.iinfo(spec.dtype)
        q = np.round(x / spec.scale) + spec.zero_point
        return np.clip(q, info.min, info.max).astype(spec.dtype)
    return x.astype(spec.dtype)


def decode(y: np.ndarray, spec: TensorSpec, ref_layout: str | None = "NCHW", dequantize: bool = True) -> np.ndarray:
    """Artifact output -> float in the reference layout (quantized values as they are: dequantize=False)."""
    y = np.asarray(y)
    if spec.scale is not None and dequantize:
        y = (y.astype(np.float32) - spec.zero_point) * spec.scale
    return to_layout(y.astype(np.float32), spec.layout, ref_layout if spec.layout else None)
