"""The Cortex-M cycle estimate (edgecompile.backends.c.cycles) on hand-counted loops run under QEMU, and on
a model: the traced instructions equal QEMU's instruction count, and bench reports the estimate."""
from __future__ import annotations

import subprocess

import pytest

from conftest import need_backend, need_tool
from edgecompile.backends.c.cycles import Table, disassemble, estimate
from edgecompile.backends.c.trace import traced_run

N = 10  # iterations of every loop
# Each loop with its cycles counted by hand from the Cortex-M4 TRM table (timing/cortex_m4.toml): per
# iteration, the last iteration's branch falls through (1 instead of 2), plus the call's return.
LOOPS = r"""
  .syntax unified
  .thumb
  .text
  .macro fn name
  .global \name
  .type \name, %function
  .align 2
\name:
  .endm

fn loop_alu          @ subs 1 + bne taken 2 = 3 per iteration: 3N - 1, bx lr 3 -> 3N + 2
1: subs r0, r0, #1
  bne 1b
  bx lr

fn loop_loads        @ ldr 2, then two pipelined ldr 1 + 1, subs 1, bne 2 = 7: 7N + 2
1: ldr r2, [r1]
  ldr r3, [r1, #4]
  ldr r12, [r1, #8]
  subs r0, r0, #1
  bne 1b
  bx lr

fn loop_stalls       @ adds 1, ldr 2 + 1 (address from the ALU result), ldr 2 (address from the load), 3 = 9: 9N + 2
1: adds r1, r1, #0
  ldr r2, [r1]
  ldr r3, [r1, r2]
  subs r0, r0, #1
  bne 1b
  bx lr

fn loop_mac          @ smlad, smull, mla 1 each, sdiv 7, 3 = 13: 13N + 2
1: smlad r12, r2, r3, r12
  smull r1, r12, r2, r3
  mla r12, r2, r3, r12
  sdiv r1, r2, r3
  subs r0, r0, #1
  bne 1b
  bx lr

fn loop_stack        @ push 1 + 5; ldrd 3, str #imm 1, str reg 2, 3, + 1 (the head, a 32-bit LDRD, sits at 2 mod 4
                     @ after the 16-bit push) = 10; the last 8; pop {.., pc} 1 + 5 + 3: 10N + 13
  push {r4-r7, lr}
1: ldrd r2, r3, [r1]
  str r2, [r1, #8]
  str r2, [r1, r0, lsl #2]
  subs r0, r0, #1
  bne 1b
  pop {r4-r7, pc}

fn loop_wide         @ nop 1; loop head a 32-bit add at 2 mod 4: taken bne 2 + 1: 1 + 1 + 3 = 5: 5N + 2
  nop
1: add.w r2, r2, #1
  subs r0, r0, #1
  bne 1b
  bx lr

fn loop_it           @ cmp 1, it folded 0, addeq 1, 3 = 5: 5N + 2
1: cmp r0, #5
  it eq
  addeq r2, r2, #1
  subs r0, r0, #1
  bne 1b
  bx lr
"""
MAIN = r"""
#include <stdint.h>
#include <stdio.h>
extern void initialise_monitor_handles(void);
void loop_alu(int), loop_loads(int, uint32_t*), loop_stalls(int, uint32_t*), loop_mac(int), loop_stack(int, uint32_t*);
void loop_wide(int), loop_it(int);
void __attribute__((noinline, noipa)) ec_trace_begin(void) { __asm volatile("nop"); }
void __attribute__((noinline, noipa)) ec_trace_end(void) { __asm volatile("nop\n nop"); }
static uint32_t buf[16];
int main(void) {
  initialise_monitor_handles();
  ec_trace_begin();
  loop_alu(N); loop_loads(N, buf); loop_stalls(N, buf); loop_mac(N); loop_stack(N, buf); loop_wide(N); loop_it(N);
  ec_trace_end();
  printf("EC done=1\n");
  return 0;
}
"""
M4 = {"loop_alu": 3 * N + 2, "loop_loads": 7 * N + 2, "loop_stalls": 9 * N + 2, "loop_mac": 13 * N + 2,
      "loop_stack": 10 * N + 13, "loop_wide": 5 * N + 2, "loop_it": 5 * N + 2}
INSNS = {"loop_alu": 2 * N + 1, "loop_loads": 5 * N + 1, "loop_stalls": 5 * N + 1, "loop_mac": 6 * N + 1,
         "loop_stack": 5 * N + 2, "loop_wide": 3 * N + 2, "loop_it": 5 * N + 1}


@pytest.fixture(scope="module")
def traced_loops(tmp_path_factory):
    from edgecompile.backends.c.qemu import TEMPLATES

    need_tool("arm-none-eabi-gcc")
    need_tool("qemu-system-arm")
    work = tmp_path_factory.mktemp("loops")
    (work / "loops.S").write_text(LOOPS)
    (work / "main.c").write_text(MAIN)
    (work / "link.ld").write_text((TEMPLATES / "link.ld.in").read_text().format(
        machine="mps2-an386", flash_origin="0x0", flash_length="0x400000", ram_origin="0x20000000",
        ram_length="0x400000"))
    elf = work / "loops.elf"
    subprocess.run(["arm-none-eabi-gcc", "-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=soft", "-O2", f"-DN={N}",
                    "--specs=rdimon.specs", "-T", str(work / "link.ld"), str(TEMPLATES / "startup.c"),
                    str(work / "main.c"), str(work / "loops.S"), "-o", str(elf)], check=True)
    code = disassemble(elf)
    first = {}
    for a in sorted(code):
        first.setdefault(code[a].symbol, a)
    counts, _ = traced_run("qemu-system-arm", "mps2-an386", elf, first["ec_trace_begin"], first["ec_trace_end"])
    return code, counts


def test_hand_counted_loops_cortex_m4(traced_loops):
    code, counts = traced_loops
    est = estimate(code, counts, Table.load("cortex-m4"))
    got = {k: (v[0], v[1]) for k, v in est.by_symbol.items() if k in M4}
    assert got == {k: (INSNS[k], M4[k]) for k in M4}


def test_cortex_m7_dual_issues_the_alu_loop(traced_loops):
    code, counts = traced_loops
    est = estimate(code, counts, Table.load("cortex-m7"))
    # subs + bne issue together: 1 per iteration, the last (not taken) too; bx lr 2; one mispredict (the
    # exit) per conditional branch of the whole trace is charged in the total, not per symbol
    assert tuple(est.by_symbol["loop_alu"]) == (2 * N + 1, N + 2)
    m4 = estimate(code, counts, Table.load("cortex-m4"))
    assert est.cycles < m4.cycles


def test_bench_reports_cycles_and_traced_instructions_match(digits_cnn, tmp_path):
    from conftest import built_artifacts
    from edgecompile.bench import measure

    need_tool("arm-none-eabi-gcc")
    need_tool("qemu-system-arm")
    need_backend("c")
    art, = built_artifacts(digits_cnn, tmp_path, ["cortex-m4"], ["int8"], calib="digits")
    m = measure(art, runs=1, warmup=0)
    est = m["cycles_estimate"]
    # the trace saw the same instructions QEMU counted (bar the profile marks' calls: a few per layer)
    assert abs(est["instructions"] - m["instructions_per_inference"]) <= 4 * len(est["layers"]) + 40
    assert m["estimated_cycles"] > m["instructions_per_inference"]  # loads, branches cost more than 1 cycle
    assert m["macs_per_cycle"] == pytest.approx(m["macs"] / m["estimated_cycles"])
    assert "estimate" in m["latency_basis"] and sum(la["macs"] for la in est["layers"]) == m["macs"]
    assert sum(la["cycles"] for la in est["layers"]) <= m["estimated_cycles"]
