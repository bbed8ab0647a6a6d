"""TVM targets from profile options: host LLVM with a detected -mcpu, or a cross triple + compiler.

TVM 0.27 rejects target strings like "llvm -mcpu=x"; targets are dicts. Options:
  mcpu            LLVM CPU name; "native" or absent = this host's (llvm_get_system_cpu)
  mtriple         LLVM triple for cross builds, e.g. "aarch64-linux-gnu"
  cross_compiler  the C compiler that links the shared library, e.g. "aarch64-linux-gnu-gcc"
  num_cores       cores MetaSchedule may assume while tuning
"""
from __future__ import annotations

import platform
import shutil

from edgecompile.errors import UsageError

# uname -m spellings of the architecture each LLVM triple's first field names
_ARCH_ALIASES = {"x86_64": {"x86_64", "amd64"}, "aarch64": {"aarch64", "arm64"}, "arm": {"armv7l", "armv7", "arm"}}


def target_dict(options: dict) -> dict:
    """The LLVM target dict this profile asks for (deterministic for a given machine + options)."""
    import tvm

    mtriple = options.get("mtriple")
    mcpu = options.get("mcpu")
    if mcpu in (None, "", "native"):
        if mtriple:
            raise UsageError("tvm: a cross build (mtriple) needs an explicit mcpu, e.g. cortex-a72.")
        mcpu = tvm.target.codegen.llvm_get_system_cpu()
    d = {"kind": "llvm", "mcpu": str(mcpu)}
    if mtriple:
        d["mtriple"] = str(mtriple)
    if options.get("num_cores"):
        d["num-cores"] = int(options["num_cores"])
    return d


def host_cores(options: dict) -> int:
    """Cores MetaSchedule tunes for: the profile's num_cores, else this machine's."""
    import os

    return int(options.get("num_cores") or os.cpu_count() or 1)


def make_target(d: dict):
    import tvm

    try:
        return tvm.target.Target(d)
    except Exception as e:  # TVM raises its own error types for unknown CPUs or triples
        raise UsageError(f"tvm: target {d} is not valid: {str(e).splitlines()[0]}") from e


def is_cross(d: dict) -> bool:
    return bool(d.get("mtriple")) and not runs_on_host(d["mtriple"])


def runs_on_host(mtriple: str) -> bool:
    arch = mtriple.split("-")[0]
    return platform.machine().lower() in _ARCH_ALIASES.get(arch, {arch})


def cross_compiler(options: dict, d: dict):
    """fcompile for export_library: the profile's cross compiler, checked on PATH first."""
    if not is_cross(d):
        return None, None
    cc = options.get("cross_compiler") or f"{d['mtriple']}-gcc"
    if shutil.which(cc) is None:
        raise UsageError(f"tvm: cross build for {d['mtriple']} needs '{cc}' on PATH "
                         f"(Debian/Ubuntu: apt-get install gcc-{d['mtriple']}).")
    from tvm.support import cc as tvm_cc

    return tvm_cc.cross_compiler(cc), cc
