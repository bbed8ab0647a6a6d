"""Flavor: how a backend turns the shared INT8 range table into its scales and zero points.

Every flavor quantizes weights per output channel, symmetric int8 (zero point 0), and biases to
int32 with scale = input_scale * weight_scale (TFLite's rule), unless `float_bias` keeps them float. Flavors differ in activations,
and each backend declares its own (`Backend.int8_flavor`).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Flavor:
    name: str  # shown in manifests and reports, e.g. "u8 asymmetric"
    activations: str  # "s8" or "u8"
    symmetric: bool  # symmetric activations, zero point 0
    tflite_softmax: bool = False  # Softmax outputs in TFLite's int8 steps (1/256, zero point -128)
    float_bias: bool = False  # biases stay float (TensorRT dequantizes 8-bit tensors, not int32 biases)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> "Flavor":
        return cls(str(d["name"]), str(d["activations"]), bool(d["symmetric"]), bool(d.get("tflite_softmax", False)),
                   bool(d.get("float_bias", False)))


# The flavors the built-in backends declare; a new backend may declare any other.
S8 = Flavor("s8 asymmetric", "s8", False)
U8 = Flavor("u8 asymmetric", "u8", False)
S8_SYMMETRIC = Flavor("s8 symmetric", "s8", True)
TENSORRT = Flavor("s8 symmetric, float biases", "s8", True, float_bias=True)  # TensorRT's explicit quantization
TFLITE = Flavor("s8 asymmetric, TFLite softmax", "s8", False, tflite_softmax=True)
