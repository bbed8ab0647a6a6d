"""Patch-based execution (MCUNetV2) in the C backend's memory planner: arena against band count, int8.

    python benchmarks/patch_ram.py [--out benchmarks/results/patch_ram.json] [--qemu]

Models: a MobileNetV2-like model with a high-resolution start (tests/backends/c/mbv2_like.py: 96x96x3, stride-2
stem to 16 channels, five inverted-residual blocks; random weights, quantized on random calibration data) and
the MLPerf Tiny KWS and ResNet-8 int8 models. Per model: the plain plan's arena and the whole-tensor liveness
bound; for each band count and tile grid, the smallest arena any stage gives (option patch=N or RxC) with its
recomputed MACs; the
smallest overall; and what `auto` picks under the cortex-m4 profile's 128 KiB RAM budget. With --qemu: the
emulated Cortex-M4's instructions per inference (SMLAD kernels) plain vs patched, and whether the patched
firmware's output bytes equal the plain host build's.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

from models import MODELS  # noqa: E402  ($EDGECOMPILE_MODELS or ../shared/models/mlperf_tiny)

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the MobileNet-like model's builder lives with the tests that use it
BUDGET = 131072  # targets/cortex-m4.toml [budget] ram


def qdq_graph(name: str, tmp: Path):
    """(ONNX model to build, int8 QDQ graph the C backend lowers)."""
    from edgecompile import frontends
    from edgecompile.backends.base import CompileContext
    from edgecompile.backends.c.backend import CBackend
    from edgecompile.passes.pipeline import normalize
    from edgecompile.targets import resolve

    if name == "mobilenet-like":
        import onnx

        from backends.c import mbv2_like

        path = tmp / "mbv2_like.onnx"
        onnx.save(mbv2_like.model(), path)
        rng = np.random.default_rng(0)
        calib = [{"x": rng.standard_normal((1, 3, 96, 96)).astype(np.float32)} for _ in range(16)]
        model = normalize(frontends.load(str(path)).model).model
        return path, CBackend().graph_for(CompileContext(model, resolve("c"), "int8", tmp, calib=calib))
    path = MODELS / name
    return path, normalize(frontends.load(str(path)).model).model


def sweep(qdq) -> dict:
    from edgecompile.backends.c import lower
    from edgecompile.backends.c.backend import _plan
    from edgecompile.backends.c.patch_plan import TILES
    from edgecompile.errors import UsageError

    g, _ = lower.lower(qdq)
    io = sum(g.tensors[n].nbytes for n in g.inputs + g.outputs)
    _, p0 = _plan(g, {})
    row = {"whole_tensor_bound_bytes": p0.lower_bound, "arena_plain_bytes": p0.arena_bytes, "io_bytes": io,
           "bands": []}
    keys = ("grid", "tiles", "arena_after", "recomputed_macs", "recomputed_pct", "macs", "stage_ops")
    for grid in TILES:
        try:
            info = _plan(g, {"patch": _option(grid)})[1].patch
        except UsageError as e:  # no stage has that many output rows and columns
            row["bands"].append({"grid": list(_pair(grid)), "error": str(e)[:80]})
            continue
        row["bands"].append({k: info[k] for k in keys} | {"stage_len": len(info["layers"])})
    best = _plan(g, {"patch": "smallest"})[1].patch
    row["smallest"] = best and {k: best[k] for k in keys}
    auto = _plan(g, {}, BUDGET)[1].patch
    row["auto_under_128k"] = auto and {k: auto[k] for k in keys}
    return row


def _pair(grid) -> tuple:
    return (grid, 1) if isinstance(grid, int) else tuple(grid)


def _option(grid) -> str:
    ty, tx = _pair(grid)
    return str(ty) if tx == 1 else f"{ty}x{tx}"


def emulate(path: Path, tmp: Path, label: str, options: dict) -> dict:
    """The cortex-m4 build with `options` on QEMU."""
    from edgecompile.artifact import Artifact
    from edgecompile.backends.c.qemu import bench
    from edgecompile.driver import build

    r = build(str(path), ["cortex-m4"], ["int8"], calib="random", out=tmp / label.replace(" ", "_"), force=True,
              options=options).results[0]
    if not r.ok:
        raise SystemExit(f"{path.name} {label}: {r.error}")
    art = Artifact.open(r.path)
    m = bench(art, runs=1, warmup=0, settings=art.manifest["profile"]["bench"])
    d = art.manifest["backend_details"]
    chosen = (d.get("patch") or {}).get("chosen")
    return {"patch": label + (f" ({chosen})" if chosen and chosen not in label else ""), "arena_bytes": d["arena_bytes"],
            "flash_bytes": d["flash_bytes"],
            "instructions": m["instructions_per_inference"],
            "estimated_cycles": m.get("estimated_cycles"), "output_matches_host": m["output_matches_host"],
            "host_output": art.load().run({art.inputs[0].name: _sample(art)})}


def _sample(art):
    from edgecompile.backends.c.qemu import sample_input  # the input the emulator run uses

    return sample_input(art.manifest["inputs"][0])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=None, help="write the rows as JSON here")
    ap.add_argument("--qemu", action="store_true", help="also run plain and patched firmware on the emulated M4")
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("mobilenet-like", "kws_ref_model.tflite", "pretrainedResnet_quant.tflite"):
            path, qdq = qdq_graph(name, Path(tmp))
            row = {"model": name, **sweep(qdq)}
            print(f"{name}: whole-tensor bound {row['whole_tensor_bound_bytes']:,} B, plain arena "
                  f"{row['arena_plain_bytes']:,} B, I/O {row['io_bytes']:,} B")
            for b in row["bands"]:
                what = _option(b["grid"]).replace("x", " x ") + (" bands" if b["grid"][1] == 1 else " tiles")
                if "error" in b:
                    print(f"  {what:>12}: no stage")
                    continue
                print(f"  {what:>12}: arena {b['arena_after']:>8,} B ({row['arena_plain_bytes'] / b['arena_after']:.2f}x"
                      f" smaller), stage of {b['stage_len']} ops, recomputed {b['recomputed_macs']:>10,} MACs "
                      f"(+{b['recomputed_pct']}% of the stage's {b['macs']:,})")
            s, a = row["smallest"], row["auto_under_128k"]
            print(f"  smallest: {s['arena_after']:,} B ({row['arena_plain_bytes'] / s['arena_after']:.2f}x smaller) in "
                  f"{_option(s['grid'])}, +{s['recomputed_pct']}%" if s else
                  "  smallest: no patch plan beats the plain arena")
            print(f"  auto under {BUDGET:,} B RAM: {a['arena_after']:,} B in {_option(a['grid'])}, +{a['recomputed_pct']}%"
                  if a else f"  auto under {BUDGET:,} B RAM: plain plan kept (it fits, or nothing smaller)")
            if args.qemu and (s or a):
                work = Path(tmp) / name
                configs = [("patch=off", {"patch": "off", "max_ram": 1 << 22})]
                if a:
                    configs.append((f"auto under {BUDGET:,} B", {"max_ram": BUDGET}))
                configs.append((f"patch={_option(s['grid'])}", {"patch": _option(s["grid"]), "max_ram": 1 << 22}))
                runs = [emulate(path, work, label, o) for label, o in configs]
                outs = [r.pop("host_output") for r in runs]
                row["qemu"] = runs
                for r, o in zip(runs, outs):
                    same = all(np.array_equal(u, v) for u, v in zip(o.values(), outs[0].values()))
                    print(f"  cortex-m4 {r['patch']}: arena {r['arena_bytes']:,} B, flash {r['flash_bytes']:,} B, "
                          f"{r['instructions']:,} instructions ({r['instructions'] / runs[0]['instructions']:.3f}x)"
                          f"{', %s cycles (est.)' % format(r['estimated_cycles'], ',') if r['estimated_cycles'] else ''}"
                          f"; emulator == host: {r['output_matches_host']}; host == plain host: {same}")
                    r["host_output_equals_plain"] = same
            rows.append(row)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
