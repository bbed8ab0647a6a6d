"""Emulated Cortex-M runner: the C artifact cross-compiled with arm-none-eabi-gcc into a bare-metal
firmware, run under qemu-system-arm with semihosting and `-icount shift=0`.

Under -icount shift=0 QEMU advances virtual time by exactly 1 ns per guest instruction, so SysTick
(clocked from the 25 MHz MPS2 system clock) counts one tick per 40 instructions. The firmware
measures that ratio itself on a loop of known length (2 instructions per iteration) and reports it
as `instructions_per_tick`; counts are instructions, not real Cortex-M cycles. Cycles are estimated
separately (Cortex-M4/M7 profiles): a second firmware runs one inference under QEMU's block trace and
edgecompile.backends.c.cycles prices the executed instructions with the core's timing table.
"""
from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import numpy as np

from edgecompile.backends.c import toolchain
from edgecompile.errors import EdgeCompileError, MissingExtraError, UsageError
from edgecompile.tools import run as run_tool

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates" / "cortex_m"
CALIB_ITERS = 1_000_000
BOARD_KEYS = ("cpu", "flash_origin", "ram_origin")


def board(machine: str, settings: dict) -> dict:
    """The board's memory map: the profile's [bench] settings over boards.toml's entry."""
    import tomllib

    known = tomllib.loads((HERE / "boards.toml").read_text())
    mem = {**known.get(machine, {}), **{k: v for k, v in settings.items() if k in BOARD_KEYS and v}}
    missing = [k for k in BOARD_KEYS if k not in mem]
    if missing:
        raise UsageError(f"The qemu runner does not know the board '{machine}' (known: {', '.join(known)}); "
                         f"give {', '.join(missing)} in the profile's [bench] table.")
    return mem


def tools() -> tuple[str, str, str]:
    found = [shutil.which(t) for t in ("arm-none-eabi-gcc", "arm-none-eabi-size", "qemu-system-arm")]
    if not all(found):
        raise MissingExtraError("qemu benchmark", "c", "needs arm-none-eabi-gcc, libnewlib-arm-none-eabi and "
                                "qemu-system-arm (Debian: apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi "
                                "qemu-system-arm)")
    return found  # type: ignore[return-value]


def sample_input(spec: dict, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if spec["dtype"] == "int8":
        return rng.integers(-128, 128, size=spec["shape"], dtype=np.int8)
    return rng.standard_normal(spec["shape"]).astype(np.float32)


def write_sample_header(path: Path, artifact, x: np.ndarray, runs: int, warmup: int) -> None:
    from edgecompile.backends.c.ir import CTYPE

    prefix = artifact.manifest["backend_details"]["prefix"]
    out = artifact.manifest["outputs"][0]
    ctype = CTYPE[str(x.dtype)]
    vals = [f"{float(v):.9g}f" for v in x.ravel()] if x.dtype == np.float32 else [str(int(v)) for v in x.ravel()]
    body = ",\n  ".join(", ".join(vals[k:k + 16]) for k in range(0, len(vals), 16))
    path.write_text(
        f"#define EC_RUN {prefix}_run\n#define EC_PROFILE_MARK {prefix}_profile_mark\n#define OUT_T {CTYPE[out['dtype']]}\n"
        f"#define EC_ARENA_BYTES {prefix.upper()}_ARENA_SIZE\n#define EC_OUT_SIZE {prefix.upper()}_OUTPUT0_SIZE\n"
        f"#define CALIB_ITERS {CALIB_ITERS}u\n#define BENCH_RUNS {runs}u\n#define BENCH_WARMUP {warmup}u\n"
        f"static const {ctype} sample_input[{x.size}] = {{\n  {body}\n}};\n"
        # a stack of samples: the firmware runs each once and prints its output (exactness checks)
        + (f"#define EC_SAMPLES {len(x)}u\n#define EC_IN_SIZE {prefix.upper()}_INPUT0_SIZE\n"
           if x.ndim == len(artifact.manifest["inputs"][0]["shape"]) + 1 else ""))


def cpu_flags(options: dict) -> list[str]:
    from edgecompile.backends.c.size import cortex_m_flags

    flags = cortex_m_flags(options)
    return flags if options.get("mfpu") else flags + ["-mfloat-abi=soft"]


def build_firmware(artifact, work: Path, runs: int, warmup: int, machine: str, x: np.ndarray,
                   profile: bool = False, settings: dict | None = None, trace: bool = False) -> tuple[Path, dict]:
    cc, size, _ = tools()
    bench = settings if settings is not None else artifact.manifest.get("profile", {}).get("bench", {})
    mem = board(machine, bench)
    for key in ("flash_origin", "flash_length", "ram_origin", "ram_length"):  # they go into the linker script
        if key in {**mem, **bench} and not re.fullmatch(r"0x[0-9A-Fa-f]{1,8}", str({**mem, **bench}[key])):
            raise UsageError(f"The qemu runner's {key} must be a hex address like 0x20000000, "
                             f"got {({**mem, **bench})[key]!r}.")
    (work / "link.ld").write_text((TEMPLATES / "link.ld.in").read_text().format(
        machine=machine, flash_origin=bench.get("flash_origin", mem["flash_origin"]),
        flash_length=bench.get("flash_length", mem.get("flash_length", "0x00400000")),
        ram_origin=bench.get("ram_origin", mem["ram_origin"]),
        ram_length=bench.get("ram_length", mem.get("ram_length", "0x00400000"))))
    write_sample_header(work / "sample.h", artifact, x, runs, warmup)
    options = artifact.manifest.get("options") or {}
    flags = [*cpu_flags(options), options.get("opt", "-O2"), "-ffp-contract=off", "-ffunction-sections", "-fdata-sections"]
    if profile:  # per-layer SysTick marks (the ticks are summed over all runs)
        prefix = artifact.manifest["backend_details"]["prefix"]
        flags += [f"-D{prefix.upper()}_PROFILE", "-DEC_PROFILE_LAYERS"]
    if trace:  # one inference between marks for the block trace (see edgecompile.backends.c.trace)
        flags += ["-DEC_TRACE"]
    model_o = work / "model.o"
    steps = [
        [cc, "-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", *flags, "-I", str(artifact.path), "-c",
         str(artifact.file("model.c")), "-o", str(model_o)],
        [cc, *flags, "--specs=rdimon.specs", "-T", str(work / "link.ld"), "-Wl,--gc-sections", "-I", str(artifact.path),
         "-I", str(work), str(TEMPLATES / "startup.c"), str(TEMPLATES / "bench_main.c"), str(model_o),
         "-o", str(work / "fw.elf"), "-lm"],
    ]
    for cmd in steps:
        toolchain.run(cmd, "Cross-compiling the benchmark firmware")
    text, data, bss = (int(v) for v in run_tool([size, model_o], "Measuring the firmware's size",
                                                120).stdout.splitlines()[1].split()[:3])
    return work / "fw.elf", {"text": text, "data": data, "bss": bss}


def run_qemu(elf: Path, machine: str, timeout: float = 300) -> tuple[dict, float]:
    _, _, qemu = tools()
    cmd = [qemu, "-M", machine, "-nographic", "-monitor", "none", "-serial", "none", "-icount", "shift=0",
           "-semihosting-config", "enable=on,target=native", "-kernel", str(elf)]
    t = time.perf_counter()
    proc = run_tool(cmd, f"Running the firmware under QEMU ({machine})", timeout)
    wall = time.perf_counter() - t
    vals: dict = {"run_ticks": [], "layer_ticks": {}}
    for m in re.finditer(r"EC (\w+)=(\S*)", proc.stdout):
        k, v = m.group(1), m.group(2)
        if k == "layer_ticks":
            step, n = v.split(":")
            vals["layer_ticks"][int(step)] = int(n)
        elif k in ("run_ticks", "sample_output"):
            vals.setdefault(k, []).append(int(v) if k == "run_ticks" else v)
        else:
            vals[k] = v
    if "done" not in vals:
        raise EdgeCompileError(f"The firmware did not finish under {machine} (exit {proc.returncode}): "
                               f"{(proc.stdout + proc.stderr)[-800:]}")
    for m in re.finditer(r"EC calib_instructions=(\d+) calib_ticks=(\d+)", proc.stdout):
        vals["calib_instructions"], vals["calib_ticks"] = int(m.group(1)), int(m.group(2))
    return vals, wall


def bench(artifact, runs: int, warmup: int, settings: dict, profile: bool = False) -> dict:
    """Metrics of one C artifact on the emulated Cortex-M its [bench] settings name."""
    from edgecompile.bench.stats import latency_summary

    from edgecompile.staging import scratch_dir

    machine = settings.get("machine") or "mps2-an386"
    runs, warmup = max(1, min(runs, 20)), max(0, min(warmup, 2))  # instruction counts are deterministic
    x = sample_input(artifact.manifest["inputs"][0])
    t = time.perf_counter()
    with scratch_dir("qemu") as tmp:
        elf, model_size = build_firmware(artifact, Path(tmp), runs, warmup, machine, x, profile, settings)
        load_ms = (time.perf_counter() - t) * 1e3
        vals, wall = run_qemu(elf, machine)
        cyc = estimate_cycles(artifact, Path(tmp) / "trace", machine, x, settings)
    per_tick = vals["calib_instructions"] / max(vals["calib_ticks"], 1)
    insns = [round(t * per_tick) for t in vals["run_ticks"]]
    details = artifact.manifest["backend_details"]
    io = sum(int(np.prod(s["shape"])) * np.dtype(s["dtype"]).itemsize
             for s in artifact.manifest["inputs"] + artifact.manifest["outputs"])
    stack = int(vals["stack_bytes"])
    host = artifact.load().run({artifact.manifest["inputs"][0]["name"]: x})
    host_bytes = np.ascontiguousarray(next(iter(host.values()))).tobytes().hex()
    macs = details.get("macs") or 0
    n = int(np.median(insns))
    layers = []
    if profile:  # instructions per step of one inference (the profile covers warmup + runs + the stack run)
        calls = len(vals["run_ticks"]) + warmup + 1
        for step, kind, source, lmacs in details.get("layers", []):
            n_l = round(vals["layer_ticks"].get(step, 0) * per_tick / calls)
            layers.append({"step": step, "kind": kind, "source": source, "macs": lmacs, "instructions": n_l,
                           "macs_per_instruction": lmacs / n_l if n_l else None})
    clock_hz = float(settings.get("clock_hz") or 1e9)
    # cycles per instruction of the traced inference (1 when the core has no timing table)
    cpi = cyc["cycles"] / cyc["instructions"] if cyc else 1.0
    basis = (f"estimated {cyc['core']} cycles (QEMU block trace x TRM timing table, zero-wait-state memory) at "
             f"{clock_hz / 1e6:g} MHz (estimate)" if cyc else
             f"instructions at {clock_hz / 1e6:g} MHz, 1 instruction per cycle (estimate)")
    cycle_metrics = {"estimated_cycles": cyc["cycles"], "macs_per_cycle": macs / cyc["cycles"] if cyc["cycles"] else None,
                     "cycles_estimate": cyc} if cyc else {}
    return {
        "runner": "qemu",
        "machine": machine,
        "size_bytes": artifact.size_bytes(),
        "load_ms": load_ms,
        "runs": len(insns),
        # an estimate for the real part at the profile's clock: qemu counts instructions, not cycles
        "latency_ms": latency_summary([i * cpi / clock_hz for i in insns], deterministic=True)[0],
        "deterministic": True,  # -icount: every run executes the same instructions
        "samples_ms": [i * cpi / clock_hz * 1e3 for i in insns],
        "latency_basis": basis,
        "throughput": {"from_median_ips": clock_hz / (n * cpi) if n else None, "from_wall_ips": None, "wall_s": None,
                       "batch": 1},
        "instructions_per_inference": n,
        "instructions_per_tick": per_tick,
        "macs": macs,
        "macs_per_instruction": macs / n if n else None,
        "flash_bytes": model_size["text"] + model_size["data"],
        # the build's definition (arena + I/O + data + bss, budget.py), and the stack measured here on top
        "ram_bytes": details["arena_bytes"] + io + model_size["data"] + model_size["bss"],
        "stack_bytes": stack,
        "ram_breakdown": {"arena": details["arena_bytes"], "io_buffers": io, "data": model_size["data"],
                          "bss": model_size["bss"], "stack": stack},
        "output_matches_host": vals["output"] == host_bytes,
        "emulator_wall_s": wall,
        **cycle_metrics,
        **({"layers": layers} if profile else {}),
    }


def estimate_cycles(artifact, work: Path, machine: str, x: np.ndarray, settings: dict) -> dict | None:
    """Estimated cycles of one inference from QEMU's block trace and the core's timing table (None when
    the profile's CPU has no table). Layers are split at the model's profile marks."""
    from edgecompile.backends.c.cycles import CORES, Table, disassemble, estimate
    from edgecompile.backends.c.trace import traced_run

    core = (artifact.manifest.get("options") or {}).get("mcpu", "cortex-m4")
    if core not in CORES:
        return None
    work.mkdir(parents=True, exist_ok=True)
    elf, _ = build_firmware(artifact, work, 1, 0, machine, x, profile=True, settings=settings, trace=True)
    code = disassemble(elf)
    first = {}
    for a in sorted(code):
        first.setdefault(code[a].symbol, a)
    prefix = artifact.manifest["backend_details"]["prefix"]
    counts, _ = traced_run(tools()[2], machine, elf, first["ec_trace_begin"], first["ec_trace_end"],
                           frozenset({first[f"{prefix}_profile_mark"]}))
    est = estimate(code, counts, Table.load(core))
    layers = artifact.manifest["backend_details"].get("layers", [])
    return {"core": core, "instructions": est.instructions, "cycles": round(est.cycles),
            "by_symbol": {k: {"instructions": v[0], "cycles": round(v[1])} for k, v in
                          sorted(est.by_symbol.items(), key=lambda kv: -kv[1][1])},
            # segment k + 1 runs the k-th layer (segment 0: the run's prologue)
            "layers": [{"step": la[0], "kind": la[1], "source": la[2], "macs": la[3],
                        "instructions": est.by_segment.get(k + 1, [0, 0])[0],
                        "cycles": round(est.by_segment.get(k + 1, [0, 0.0])[1])} for k, la in enumerate(layers)],
            "mix": dict(est.mix.most_common())}
