"""`python -m edgecompile.backends.c.child LIB PREFIX SPEC ARENA`: run a compiled C model for the parent.

Reads each inference's raw input bytes from stdin and writes the raw output bytes to stdout, until
stdin closes. A crash here ends only this process; the parent reports it (see runner._Child).
"""
from __future__ import annotations

import ctypes
import sys

import numpy as np


def main(lib: str, prefix: str, spec: str, arena_bytes: int) -> None:
    groups = [[(d, int(n)) for d, n in (item.split(":") for item in part.split(",") if item)]
              for part in spec.split(";")]
    ins = [np.zeros(n, d) for d, n in groups[0]]
    outs = [np.zeros(n, d) for d, n in groups[1]]
    arena = np.zeros(max(arena_bytes, 1), np.uint8)
    fn = getattr(ctypes.CDLL(lib), f"{prefix}_run")
    fn.restype = ctypes.c_int
    fn.argtypes = [ctypes.c_void_p] * (len(ins) + len(outs) + 1)
    args = [a.ctypes.data for a in ins + outs] + [arena.ctypes.data]
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    while True:
        for a in ins:
            view = memoryview(a.view(np.uint8))
            got = stdin.readinto(view)
            if got != a.nbytes:
                return
        fn(*args)
        for a in outs:
            stdout.write(a.tobytes())
        stdout.flush()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]))
