"""Flash of the generated code: measured with the cross compiler when the target names a CPU."""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from edgecompile.backends.c import toolchain
from edgecompile.backends.c.runner import STRICT, compiler
from edgecompile.tools import run as run_tool


def cortex_m_flags(options: dict) -> list[str]:
    mcpu = options.get("mcpu", "cortex-m4")
    flags = [f"-mcpu={mcpu}", "-mthumb"]
    if options.get("mfpu"):
        flags += [f"-mfpu={options['mfpu']}", f"-mfloat-abi={options.get('mfloat_abi', 'hard')}"]
    return flags


def object_size(cc: str, folder: Path, flags: list[str]) -> dict | None:
    """text (code + read-only data), data and bss of model.o, via `size` (Berkeley format)."""
    size_tool = shutil.which(cc.replace("gcc", "size")) if "gcc" in Path(cc).name else shutil.which("size")
    if size_tool is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        obj = Path(tmp) / "model.o"
        toolchain.run([cc, *STRICT, *flags, "-c", "-I", str(folder), str(folder / "model.c"), "-o", str(obj)],
                      "Compiling the generated C to measure its flash")
        out = run_tool([size_tool, obj], "Measuring the generated C's size", 120).stdout.splitlines()
    text, data, bss = (int(v) for v in out[1].split()[:3])
    return {"text": text, "data": data, "bss": bss}


def flash_estimate(folder: Path, const_bytes: int, options: dict) -> dict:
    cross = toolchain.require("arm-none-eabi-gcc", f"the profile names -mcpu={options['mcpu']}") if options.get("mcpu") else None
    opt = options.get("opt", "-O2")
    if cross:
        s = object_size(cross, folder, [*cortex_m_flags(options), opt, "-ffunction-sections", "-fdata-sections"])
        if s:
            return {"flash_bytes": s["text"] + s["data"], "code_bytes": s["text"] + s["data"] - const_bytes,
                    "static_ram_bytes": s["data"] + s["bss"],
                    "flash_method": f"arm-none-eabi-gcc {' '.join(cortex_m_flags(options))} {opt}: text+data of model.o",
                    "flash_tool": run_tool([cross, "-dumpversion"], "arm-none-eabi-gcc", 60).stdout.strip()}
    cc = compiler()
    s = object_size(cc, folder, [opt]) if cc else None
    if s:
        return {"flash_bytes": s["text"] + s["data"], "code_bytes": s["text"] + s["data"] - const_bytes,
                "static_ram_bytes": s["data"] + s["bss"],
                "flash_method": f"host {Path(cc).name} {opt}: text+data of model.o (no target CPU named)"}
    return {"flash_bytes": const_bytes, "code_bytes": None, "static_ram_bytes": 0,
            "flash_method": "constants only (no compiler)"}
