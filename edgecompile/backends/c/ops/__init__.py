"""One emitter per IR op kind. Each module has `emit(e, op, i) -> str` (the C call for step i)."""
from __future__ import annotations

import importlib

EMITTERS = {k: f"edgecompile.backends.c.ops.{k}" for k in
            ("conv", "dense", "binary", "unary", "lut", "pool", "softmax", "copy", "concat", "pad", "alias", "patch")}


def emitter(kind: str):
    return importlib.import_module(EMITTERS[kind])
