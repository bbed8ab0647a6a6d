"""The C backend's kernels are real C files: each compiles on its own with the strict flags for the host and
for a Cortex-M4 (and a Cortex-M0+, no DSP extension; a Cortex-M55, Helium); the variant table names every
file and only files that exist. (No import cycles: tests/core/test_import_graph.py.)"""
from __future__ import annotations

import subprocess

import pytest

from conftest import REPO, need_tool

KERNELS = REPO / "edgecompile" / "backends" / "c" / "kernels"
STRICT = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-O2"]
TARGETS = {"gcc": [], "arm-none-eabi-gcc": ["-mcpu=cortex-m4", "-mthumb"],
           "arm-none-eabi-gcc m0plus": ["-mcpu=cortex-m0plus", "-mthumb"],
           "arm-none-eabi-gcc m55": ["-mcpu=cortex-m55", "-mthumb", "-mfloat-abi=hard"]}  # Helium (MVE) forms


@pytest.mark.parametrize("target", list(TARGETS))
def test_every_kernel_compiles_alone(target, tmp_path):
    cc = need_tool(target.split()[0])
    sources = sorted(KERNELS.glob("*.c"))
    assert len(sources) > 20
    for src in sources:
        proc = subprocess.run([cc, *STRICT, *TARGETS[target], "-c", str(src), "-o", str(tmp_path / "k.o")],
                              capture_output=True, text=True)
        assert proc.returncode == 0, f"{src.name}: {proc.stderr}"


def test_variant_table_matches_the_files():
    from edgecompile.backends.c.kernel_table import TABLE

    named = {k.file for k in TABLE.values()} | {k.mve for k in TABLE.values() if k.mve}
    on_disk = {p.name for p in KERNELS.iterdir() if p.suffix in (".c", ".h")} - {"ec.h"}  # ec.h: standalone prelude
    assert named == on_disk
    for key, k in TABLE.items():
        assert set(k.needs) | set(k.follows) <= set(TABLE), key
        text = k.text()
        for sym in k.symbols:
            assert sym in text, (key, sym)
