"""RAM / flash budgets: a build that does not fit fails and names what is responsible."""
from __future__ import annotations

from edgecompile.errors import BudgetExceededError


def _kb(n: int) -> str:
    return f"{n:,} B"


def check(budget: dict, plan, g, flash_bytes: int, weights: list[tuple[str, int]], label: str) -> dict:
    io = sum(g.tensors[n].nbytes for n in g.inputs + g.outputs)
    ram = plan.arena_bytes + io
    report = {"ram_bytes": ram, "flash_bytes": flash_bytes, "ram_budget": budget.get("ram"),
              "flash_budget": budget.get("flash")}
    if budget.get("ram") and ram > budget["ram"]:
        live = ", ".join(f"{g.tensors[n].onnx_name or n} ({_kb(b)})" for n, b in plan.peak_tensors[:4])
        raise BudgetExceededError(
            f"Needs {_kb(ram)} of RAM (arena {_kb(plan.arena_bytes)} + inputs/outputs {_kb(io)}), over the "
            f"budget of {_kb(budget['ram'])}. At the peak (step {plan.peak_step}) these tensors are live: {live}.")
    if budget.get("flash") and flash_bytes > budget["flash"]:
        big = ", ".join(f"{n} ({_kb(b)})" for n, b in sorted(weights, key=lambda x: -x[1])[:4])
        raise BudgetExceededError(
            f"Needs {_kb(flash_bytes)} of flash, over the budget of {_kb(budget['flash'])}. "
            f"The largest constants: {big}.")
    return report
