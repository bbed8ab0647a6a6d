"""RAM / flash budgets: a build that does not fit fails and names what is responsible."""
from __future__ import annotations

from edgecompile.errors import BudgetExceededError


def _kb(n: int) -> str:
    return f"{n:,} B"


def _patched(plan) -> str:
    best = getattr(plan, "patch_best", None)  # patch_plan: the smallest patch-based arena, which did not fit either
    return (f" Patch-based execution of the first layers gets the arena down to {_kb(best['arena_bytes'])} at best "
            f"({best['chosen']}), still over." if best else "")


def check(budget: dict, plan, g, flash: dict, weights: list[tuple[str, int]], label: str) -> dict:
    """The C artifact's memory figures, one definition everywhere (build, inspect, bench, errors):

    arena_bytes       the planned scratch buffer the caller passes to <prefix>_run
    io_bytes          the input and output buffers the caller owns
    static_ram_bytes  data + bss of model.o (0 for int8 models: every constant is in flash)
    ram_bytes         arena + I/O + static data; the stack comes on top, measured by `bench` on the board
    flash_bytes       text + data of model.o (code and constants)
    """
    io = sum(g.tensors[n].nbytes for n in g.inputs + g.outputs)
    static = flash.get("static_ram_bytes", 0)
    ram = plan.arena_bytes + io + static
    flash_bytes = flash["flash_bytes"]
    report = {"ram_bytes": ram, "io_bytes": io, "static_ram_bytes": static, "flash_bytes": flash_bytes,
              "ram_budget": budget.get("ram"), "flash_budget": budget.get("flash")}
    if budget.get("ram") and ram > budget["ram"]:
        live = plan.peak_tensors[:4]
        names = ", ".join(f"{g.tensors[n].onnx_name or n} ({_kb(b)})" for n, b in live)
        whole = sum(b for _, b in plan.peak_tensors)
        raise BudgetExceededError(
            f"Needs {_kb(ram)} of RAM (arena {_kb(plan.arena_bytes)} + inputs/outputs {_kb(io)} + static data "
            f"{_kb(static)}), over the budget of {_kb(budget['ram'])}. The arena is set by the busiest step "
            f"({plan.peak_step}), where these tensors are live: {names}; whole, they take {_kb(whole)}, which the "
            f"plan fits into {_kb(plan.arena_bytes)} by writing outputs over inputs that die there." + _patched(plan))
    if budget.get("flash") and flash_bytes > budget["flash"]:
        big = ", ".join(f"{n} ({_kb(b)})" for n, b in sorted(weights, key=lambda x: -x[1])[:4])
        raise BudgetExceededError(
            f"Needs {_kb(flash_bytes)} of flash, over the budget of {_kb(budget['flash'])}. "
            f"The largest constants: {big}.")
    return report
