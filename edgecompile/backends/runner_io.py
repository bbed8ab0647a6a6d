"""What every Runner shares: a cheap check of the feeds against the manifest, and explicit
quantize/dequantize helpers from the manifest's scales.

`run()` must cost little more than the bare runtime call (small models run in microseconds), so
everything is computed once at load time and the per-call check is a length compare plus, per
input, a dict lookup, a dtype identity test and a shape-tuple compare. A mismatch is an InputError naming the
input, never a silent cast: a float array for an int8 input is refused; the caller converts it
with `quantize_inputs` (and reads real values back with `dequantize_outputs`).
"""
from __future__ import annotations

import numpy as np

from edgecompile.core.tensor import TensorSpec
from edgecompile.errors import InputError


def _fits(got: tuple, declared: tuple) -> bool:
    return len(got) == len(declared) and all(d < 0 or g == d for g, d in zip(got, declared))


class RunnerIO:
    """Base of the backends' runners: `inputs`/`outputs` are the artifact's TensorSpecs."""

    def __init__(self, inputs: list[TensorSpec], outputs: list[TensorSpec]):
        self.inputs, self.outputs = list(inputs), list(outputs)
        self._names = frozenset(s.name for s in self.inputs)
        self._count = len(self._names)
        self._expect = [(s.name, tuple(s.shape), np.dtype(s.dtype)) for s in self.inputs]
        # a dynamic dimension (-1, `--batch dynamic`) takes any size: those inputs get the slower check
        self._dynamic = {s.name for s in self.inputs if any(d < 0 for d in s.shape)}

    def check(self, feeds: dict) -> None:
        """Raise InputError unless `feeds` has exactly the inputs, each with its shape and dtype.

        Fast path: as many feeds as inputs and every input's name found means exactly the inputs (no set
        built per call); a dtype identity test and a shape-tuple compare per input. Anything else goes to
        _explain, which finds what is wrong and says so."""
        if len(feeds) != self._count:
            self._key_error(feeds)
        try:
            for name, shape, dtype in self._expect:
                x = feeds[name]
                if x.dtype is not dtype or x.shape != shape:
                    self._explain(feeds)
        except (KeyError, AttributeError):
            self._explain(feeds)

    def _explain(self, feeds: dict) -> None:
        """The careful check: raise the InputError that names what is wrong, or return if nothing is."""
        if feeds.keys() != self._names:
            self._key_error(feeds)
        for name, shape, dtype in self._expect:
            x = feeds[name]
            if not isinstance(x, np.ndarray):
                self._value_error(name, x, shape, dtype)
            if x.shape != shape and not (name in self._dynamic and _fits(x.shape, shape)):
                self._value_error(name, x, shape, dtype)
            if x.dtype != dtype:
                self._value_error(name, x, shape, dtype)

    def _key_error(self, feeds: dict) -> None:
        missing = sorted(self._names - set(feeds))
        extra = sorted(set(feeds) - self._names)
        parts = ([f"missing {missing}"] if missing else []) + ([f"unknown {extra}"] if extra else [])
        raise InputError(f"run(): the feeds do not match the artifact's inputs {sorted(self._names)}: "
                         f"{', '.join(parts)}.")

    @staticmethod
    def _value_error(name: str, x, shape: tuple, dtype: np.dtype) -> None:
        if not isinstance(x, np.ndarray):
            raise InputError(f"run(): input '{name}' must be a numpy array of {dtype.name} {shape}, "
                             f"got {type(x).__name__}.")
        hint = ""
        if x.dtype.kind == "f" and dtype.kind in "iu":
            hint = " The artifact takes quantized values: convert with runner.quantize_inputs(feeds)."
        elif x.dtype != dtype:
            hint = f" Convert it explicitly (x.astype(np.{dtype.name})) if that is what you mean."
        raise InputError(f"run(): input '{name}' is {x.dtype.name} {tuple(x.shape)}; the artifact takes "
                         f"{dtype.name} {shape}.{hint}")

    def quantize_inputs(self, feeds: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Real-valued feeds -> what run() takes: q = round(x / scale) + zero_point for quantized inputs."""
        out = {}
        for s in self.inputs:
            x = np.asarray(feeds[s.name])
            if s.scale is None:
                out[s.name] = x
                continue
            info = np.iinfo(s.dtype)
            q = np.round(x.astype(np.float32) / np.float32(s.scale)) + s.zero_point
            out[s.name] = np.clip(q, info.min, info.max).astype(s.dtype)
        return out

    def dequantize_outputs(self, results: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """run()'s results -> real values: (q - zero_point) * scale for quantized outputs."""
        return {s.name: (results[s.name].astype(np.float32) - s.zero_point) * np.float32(s.scale)
                if s.scale is not None else results[s.name] for s in self.outputs}
