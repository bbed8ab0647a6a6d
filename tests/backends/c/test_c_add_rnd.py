"""The fast int8 Add (kernels/add_s8_flat_rnd.c) against TFLite's arithmetic as ec_add_s8_flat writes it
(MultiplyByQuantizedMultiplier per input and for the output): every one of the 65,536 input pairs, for drawn
scales, zero points and clamps (none, a Relu whose floor is the zero point, a Clip), the larger-scale input on
either side, multipliers that are not a halving on both sides (the kernel's third form), and outputs
that are ties (where the rounding's sign term, dropped under a Relu, matters)."""
from __future__ import annotations

import subprocess

import numpy as np

from conftest import REPO, need_tool
from edgecompile.backends.c.fixedpoint import activation_range, add_params
from edgecompile.backends.c.ops.binary import fast_add

KERNELS = REPO / "edgecompile" / "backends" / "c" / "kernels"
PROGRAM = r"""
#include <stdio.h>
#include "ec.h"
#include "add_q.h"
#include "srdhm_ns.c"
#include "rdbpot.c"
#include "mbqm.c"
#include "sat8.c"
#include "add_s8_flat.c"
#include "smmulr.c"
#include "add_s8_flat_rnd.c"
int main(void) {
  static int8_t a[65536], b[65536], r[65536], f[65536];
  long p[11];
  int32_t i;
  for (i = 0; i < 65536; ++i) {
    a[i] = (int8_t)(i & 255);
    b[i] = (int8_t)(i >> 8);
  }
  while (scanf("%ld %ld %ld %ld %ld %ld %ld %ld %ld %ld %ld", &p[0], &p[1], &p[2], &p[3], &p[4], &p[5], &p[6],
               &p[7], &p[8], &p[9], &p[10]) == 11) {
    const ec_add_q q = {(int32_t)p[0], (int32_t)p[1], 20, (int32_t)p[2], (int32_t)-p[3], (int32_t)p[4],
                        (int32_t)-p[5], (int32_t)p[6], (int32_t)-p[7], (int32_t)p[8], (int32_t)p[9], (int32_t)p[10]};
    int bad = 0;
    ec_add_s8_flat(a, b, r, 65536, &q);
    ec_add_s8_flat_rnd(a, b, f, 65536, q.off1, q.off2, 20, q.m1, -q.s1, q.m2, -q.s2, q.mo, -q.so, q.out_zp, q.amin,
                       q.amax);
    for (i = 0; i < 65536; ++i) bad += r[i] != f[i];
    printf("%d\n", bad);
  }
  return 0;
}
"""


def _cases(rng) -> list[list[int]]:
    rows = []
    while len(rows) < 48:
        s1, s2, so = np.exp(rng.uniform(np.log(1e-3), np.log(0.5), 3))
        z1, z2, zo = (int(v) for v in rng.integers(-128, 128, 3))
        q = add_params(s1, s2, so)
        if len(rows) % 4 == 3:  # neither input a halving: the kernel's general form (any multiplier, shift <= 0);
            # small output shifts, where ties (the rounding's sign term) are frequent
            q.update(m1=int(rng.integers(1 << 30, 1 << 31)), s1=-int(rng.integers(0, 4)),
                     m2=int(rng.integers(1 << 30, 1 << 31)), s2=-int(rng.integers(1, 4)),
                     mo=int(rng.integers(1 << 30, 1 << 31)), so=-int(rng.integers(1, 6)))
        if not fast_add(q, (-z1, -z2)):
            continue
        kind = ("none", "relu", "clip")[len(rows) % 3]
        lo, hi = activation_range(kind, so, zo, -float(rng.uniform(0, 0.2)), float(rng.uniform(0.05, 0.3)))
        rows.append([-z1, -z2, q["m1"], -q["s1"], q["m2"], -q["s2"], q["mo"], -q["so"], zo, lo, hi])
    # Both inputs halved and an output multiplier of 2^-20 (2^30 and a shift of 19): the result is the rounded half
    # of a + b - z1 - z2, a tie on every odd sum, so the rounding's sign term decides half of all negative outputs
    # (unless a Relu's floor at the zero point clamps them: the third row)
    halves = [1 << 30, 0, 1 << 30, 0, 1 << 30, 19]
    rows += [[3, -5, *halves, 0, -128, 127], [-7, 0, *halves, 4, -30, 90], [0, 0, *halves, -6, -6, 127]]
    return rows


def test_fast_add_equals_tflite_arithmetic_on_every_input_pair(tmp_path):
    cc = need_tool("gcc")
    (tmp_path / "t.c").write_text(PROGRAM)
    build = subprocess.run([cc, "-std=c99", "-O2", "-Wall", "-Werror", f"-I{KERNELS}", str(tmp_path / "t.c"),
                            "-o", str(tmp_path / "t")], capture_output=True, text=True, timeout=120)
    assert build.returncode == 0, build.stderr
    rows = _cases(np.random.default_rng(11))
    assert {r[2] == 1 << 30 and r[3] == 0 for r in rows} == {True, False}  # the halving on the first input too
    run = subprocess.run([str(tmp_path / "t")], input="\n".join(" ".join(map(str, r)) for r in rows),
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    mismatches = [int(v) for v in run.stdout.split()]
    assert len(mismatches) == len(rows)
    assert mismatches == [0] * len(rows), [(r, m) for r, m in zip(rows, mismatches) if m]
