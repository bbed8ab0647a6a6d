"""C backend goals on the MLPerf Tiny int8 models, measured on the emulated Cortex-M4 (MPS2-AN386) and
Cortex-M55 (MPS3-AN547, Helium).

    python benchmarks/c_backend.py [--out benchmarks/results/c_backend.json] [--targets cortex-m4,cortex-m55]

Per model, target and kernel path (plain C, SMLAD, MVE on the M55): planned arena vs the whole-tensor liveness
bound vs TensorFlow Lite Micro's arena, flash vs int8 weights + biases + requantization constants + 8 KB,
instructions per inference and MACs per instruction (SysTick under -icount shift=0), estimated cycles and
MACs per cycle where the core has a timing table (Cortex-M4: edgecompile.backends.c.cycles, an estimate),
and whether the emulator's output bytes equal the host build's (which the tests hold bit-exact with
TFLite's reference kernels).
"""
from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from models import MODELS  # noqa: E402  ($EDGECOMPILE_MODELS or ../shared/models/mlperf_tiny)
# TensorFlow Lite Micro's arena (RecordingMicroAllocator, tflite-micro package; see the models' README)
TFLM_ARENA = {"kws_ref_model.tflite": 24272, "pretrainedResnet_quant.tflite": 55984}


def measure(name: str, simd: bool, out: Path, profile: bool = False, target: str = "cortex-m4") -> dict:
    from edgecompile.artifact import Artifact
    from edgecompile.backends.c.qemu import bench
    from edgecompile.driver import build

    r = build(str(MODELS / name), [target], ["int8"], calib="random", out=out, force=True,
              options={"simd": simd}).results[0]
    if not r.ok:
        raise SystemExit(f"{name}: {r.error}")
    art = Artifact.open(r.path)
    d = art.manifest["backend_details"]
    m = bench(art, runs=3, warmup=1, settings=art.manifest["profile"]["bench"], profile=profile)
    cycles = {la["step"]: la["cycles"] for la in m.get("cycles_estimate", {}).get("layers", [])}
    for la in m.get("layers", []):
        c = cycles.get(la["step"])
        print(f"  step {la['step']:3d} {la['kind']:8s} {la['source'][:40]:40s} {la['macs']:>9,d} MAC "
              f"{la['instructions']:>11,d} instr {la['macs_per_instruction'] or 0:6.3f} MAC/instr"
              + (f" {c:>11,d} cycles (est.) {la['macs'] / c if c else 0:6.3f} MAC/cycle" if c is not None else ""))
    helium = (art.manifest.get("options") or {}).get("mcpu") in ("cortex-m55", "cortex-m85")  # gcc defines MVE
    kernels = "plain-c" if not simd else ("mve" if helium else "smlad")
    return {
        "model": name, "target": target, "kernels": kernels,
        "arena_bytes": d["arena_bytes"], "whole_tensor_bound_bytes": d["whole_tensor_bound_bytes"],
        "arena_strategy": d["arena_strategy"],
        "tflm_arena_bytes": TFLM_ARENA.get(name),
        "other_state_bytes": m["ram_breakdown"]["data"] + m["ram_breakdown"]["bss"],
        "stack_bytes": m["ram_breakdown"]["stack"], "ram_bytes": m["ram_bytes"],
        "flash_bytes": m["flash_bytes"], "constants_bytes": d["const_bytes"],
        "flash_goal_bytes": d["const_bytes"] + 8192,
        "instructions_per_inference": m["instructions_per_inference"], "macs": m["macs"],
        "macs_per_instruction": round(m["macs_per_instruction"], 4),
        "estimated_cycles": m.get("estimated_cycles"),
        "macs_per_cycle": round(m["macs_per_cycle"], 4) if m.get("macs_per_cycle") else None,
        "latency_ms_estimate": round(m["latency_ms"]["p50"], 3), "latency_basis": m["latency_basis"],
        "output_matches_host": m["output_matches_host"],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=None, help="write the rows as JSON here")
    ap.add_argument("--profile", action="store_true", help="also print instructions per layer")
    ap.add_argument("--only", default=None, help="run only models whose file name contains this")
    ap.add_argument("--kernels", choices=["both", "plain-c", "smlad"], default="both",
                    help="plain C, the SIMD kernels (SMLAD; MVE on the M55), or both")
    ap.add_argument("--targets", default="cortex-m4,cortex-m55", help="comma-separated Cortex-M profiles")
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, target, simd in [(n, t, s) for n in TFLM_ARENA if args.only is None or args.only in n
                               for t in args.targets.split(",")
                               for s in (False, True) if args.kernels == "both" or s == (args.kernels == "smlad")]:
            rows.append(measure(name, simd, Path(tmp), args.profile, target))
            r = rows[-1]
            est = (f" {r['estimated_cycles']:>10,d} cycles (est.) {r['macs_per_cycle']:.3f} MAC/cycle"
                   if r["estimated_cycles"] else "")
            print(f"{r['model']:30s} {r['target']:10s} {r['kernels']:7s} arena {r['arena_bytes']:6d} (whole-tensor "
                  f"bound {r['whole_tensor_bound_bytes']}, TFLM {r['tflm_arena_bytes']}) stack {r['stack_bytes']:4d} "
                  f"flash {r['flash_bytes']:6d} (goal <= {r['flash_goal_bytes']}) "
                  f"{r['instructions_per_inference']:>10,d} instr {r['macs_per_instruction']:.3f} MAC/instr{est} "
                  f"host-identical {r['output_matches_host']}", flush=True)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
