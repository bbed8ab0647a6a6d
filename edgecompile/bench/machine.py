"""Where a benchmark ran and with what: enough to tell whether two reports are comparable."""
from __future__ import annotations

import os
import platform
from importlib.metadata import PackageNotFoundError, version

PACKAGES = ("edgecompile", "numpy", "onnxruntime", "openvino", "ai-edge-litert", "tensorflow", "apache-tvm",
            "mlcommons-loadgen")


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_info() -> dict:
    return {"cpu": cpu_model(), "cores": os.cpu_count(), "arch": platform.machine(),
            "os": f"{platform.system()} {platform.release()}", "python": platform.python_version()}


def tool_versions() -> dict:
    out = {}
    for pkg in PACKAGES:
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            pass
    return out


def same_machine(a: dict, b: dict) -> bool:
    return all(a.get(k) == b.get(k) for k in ("cpu", "cores", "arch"))
