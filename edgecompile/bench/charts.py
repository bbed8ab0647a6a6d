"""PNG charts of a bench report (matplotlib, headless): latency against accuracy or parity,
latency distributions, and Cortex-M RAM/flash against the profile's budget."""
from __future__ import annotations

from pathlib import Path


def _plt():
    import matplotlib

    matplotlib.use("Agg")  # files only; never a window
    import matplotlib.pyplot as plt

    return plt


def _colors(results: list[dict]) -> dict[str, str]:
    backends = sorted({m["backend"] for m in results})
    return {b: f"C{k % 10}" for k, b in enumerate(backends)}


def latency_vs_quality(results: list[dict], path: Path) -> Path:
    """x: p50 (with its 95% interval), y: accuracy on --eval or parity cosine; area ~ artifact size."""
    from edgecompile.bench.rows import quality

    plt = _plt()
    colors = _colors(results)
    fig, ax = plt.subplots(figsize=(8, 5.5), dpi=110)
    biggest = max(m["size_bytes"] for m in results)
    use_acc = any(m.get("accuracy") for m in results)
    for k, m in enumerate(sorted(results, key=lambda r: r["latency_ms"]["p50"])):
        q = (m.get("accuracy") or {}).get("top1") if use_acc else quality(m)
        if q is None:  # never mix accuracy and parity on one axis
            continue
        y = 100 * q if use_acc else q
        lat = m["latency_ms"]
        ci = lat.get("p50_ci95") or [lat["p50"], lat["p50"]]
        ax.errorbar(lat["p50"], y, xerr=[[lat["p50"] - ci[0]], [ci[1] - lat["p50"]]], fmt="none",
                    ecolor=colors[m["backend"]], alpha=0.6)
        ax.scatter(lat["p50"], y, s=60 + 900 * m["size_bytes"] / biggest, color=colors[m["backend"]], alpha=0.55,
                   edgecolors="black", linewidths=0.5)
        # neighbours on the latency axis get labels at different heights, so names stay readable
        ax.annotate(m["name"], (lat["p50"], y), textcoords="offset points", xytext=(6, 8 + 11 * (k % 4)), fontsize=8,
                    arrowprops={"arrowstyle": "-", "color": "gray", "lw": 0.5})
    for b, c in colors.items():
        ax.scatter([], [], color=c, label=b, s=60)
    ax.set_xscale("log")
    ax.set_xlabel("p50 latency per inference (ms, log scale; bars: 95% interval)")
    ax.set_ylabel("top-1 accuracy on --eval data (%)" if use_acc else "parity: output cosine vs ONNX Runtime fp32")
    ax.set_title("Latency vs " + ("accuracy" if use_acc else "parity") + " (marker area ~ artifact size)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(title="backend", fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def latency_distribution(results: list[dict], path: Path) -> Path:
    """One box per artifact (whiskers at the 1st/99th percentile), every run behind it as dots."""
    import numpy as np

    plt = _plt()
    colors = _colors(results)
    rows = [m for m in results if m.get("samples_ms")]
    fig, ax = plt.subplots(figsize=(8, 1.2 + 0.55 * len(rows)), dpi=110)
    data = [m["samples_ms"] for m in rows]
    bp = ax.boxplot(data, orientation="horizontal", whis=(1, 99), showfliers=False, patch_artist=True, widths=0.6)
    for patch, m in zip(bp["boxes"], rows):
        patch.set_facecolor(colors[m["backend"]])
        patch.set_alpha(0.5)
    rng = np.random.default_rng(0)
    for k, d in enumerate(data, start=1):
        ax.scatter(d, k + rng.uniform(-0.2, 0.2, len(d)), s=2, color="black", alpha=0.15)
    ax.set_yticks(range(1, len(rows) + 1), [f"{m['name']} ({'deterministic' if m.get('deterministic') else 'n=' + str(len(m['samples_ms']))})"
                                          for m in rows], fontsize=8)
    ax.set_xscale("log")
    ax.set_xlabel("latency per inference (ms, log scale)")
    ax.set_title("Latency distribution (box: quartiles; whiskers: p1-p99; dots: every run)")
    ax.grid(True, axis="x", which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def cortex_m_memory(results: list[dict], path: Path) -> Path | None:
    """RAM and flash of each Cortex-M artifact as a share of its profile's budget."""
    rows = [m for m in results if m.get("flash_bytes") is not None and m.get("ram_bytes") is not None]
    if not rows:
        return None
    plt = _plt()
    fig, axes = plt.subplots(1, 2, figsize=(9, 1.5 + 0.6 * len(rows)), dpi=110)
    for ax, key, label in ((axes[0], "ram", "RAM"), (axes[1], "flash", "flash")):
        names = [m["name"] for m in rows]
        used = [m[f"{key}_bytes"] / 1024 for m in rows]
        budget = [(m.get("budget") or {}).get(key) for m in rows]
        ax.barh(names, [b / 1024 if b else 0 for b in budget], color="lightgray", label="profile budget")
        ax.barh(names, used, color=["C3" if b and u * 1024 > b else "C0" for u, b in zip(used, budget)], label="used")
        for k, (u, b) in enumerate(zip(used, budget)):
            ax.text(u, k, f" {u:.1f}" + (f" of {b / 1024:.0f} KiB" if b else " KiB"), va="center", fontsize=8)
        ax.set_xlabel(f"{label} (KiB)")
        ax.set_title(f"{label} vs budget")
    axes[0].legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
