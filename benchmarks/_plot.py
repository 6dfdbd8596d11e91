"""The PNG: CPU time against n, log-log, for mocked and every lever set."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def plot(rows: list[dict[str, Any]], path: Path) -> Path | None:
    """Write the figure; None (and a note) when matplotlib is missing."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed (pip install -e '.[bench]'): no PNG written")
        return None
    modes = sorted({r["mode"] for r in rows})
    fig, axes = plt.subplots(1, len(modes), figsize=(6 * len(modes), 4.5), squeeze=False)
    for ax, mode in zip(axes[0], modes, strict=True):
        cases = sorted((r for r in rows if r["mode"] == mode), key=lambda r: r["n"])
        for key in cases[0]["result"]:
            ns = [c["n"] for c in cases]
            ax.plot(ns, [c["result"][key]["cpu"] for c in cases], marker="o", label=key)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("steps (n)")
        ax.set_ylabel("CPU seconds (median of rounds)")
        ax.set_title({"seq": "sequential steps", "chunk": "chunks of 5 (group.parallel)"}[mode])
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
