"""The Measured page's curves, drawn by the benchmark scripts that measure them (matplotlib, no
display): answered against declined as the "not found" threshold moves (fit_confidence.py --plot),
and search time by collection size (vectors.py --sizes … --plot)."""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

SIZE_NAMES = {1: "1 passage", 10: "10 passages", 0: "all passages"}
TITLES = {"xquad-report": "XQuAD, report half", "ester-dev": "ESTER dev (news)",
          "squad2-report": "SQuAD 2.0 look-alike unanswerables"}


def threshold_curves(curves: dict[str, dict[int, list[tuple[float, float, float]]]], shipped: float,
                     out: Path) -> None:
    """`curves`: {set: {collection size: [(threshold, answered, declined)…]}}; one panel per set,
    one line per size, the shipped threshold marked on each."""
    fig, axes = plt.subplots(1, len(curves), figsize=(4.2 * len(curves), 4), squeeze=False)
    for axis, (name, by_size) in zip(axes[0], curves.items()):
        for size, points in by_size.items():
            _, answered, declined = zip(*points)
            line, = axis.plot(declined, answered, label=SIZE_NAMES.get(size, str(size)))
            at = min(points, key=lambda p: abs(p[0] - shipped))
            axis.plot(at[2], at[1], "o", color=line.get_color())
        axis.set(title=TITLES.get(name, name), xlabel="unanswerable questions declined", xlim=(0, 1.02),
                 ylim=(0.5, 1.01))
        axis.grid(alpha=0.3)
    axes[0][0].set_ylabel("answerable questions answered")
    axes[0][0].legend(loc="lower left", title=f"dot: threshold {shipped:.3f}")
    fig.suptitle('"Not found" as the threshold moves (held-out data)')
    _save(fig, out)


def latency_by_size(rows: dict[str, list[tuple[int, float]]], out: Path) -> None:
    """`rows`: {kind: [(vectors, p50 ms)…]} on log-log axes."""
    fig, axis = plt.subplots(figsize=(6, 4))
    for kind, points in rows.items():
        sizes, ms = zip(*points)
        axis.plot(sizes, ms, "o-", label=kind)
    axis.set(xscale="log", yscale="log", xlabel="chunks in the collection", ylabel="vector search p50, ms (one thread)",
             title="Vector search time by collection size")
    axis.grid(alpha=0.3, which="both")
    axis.legend()
    _save(fig, out)


def _save(fig, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)
    print(f"wrote {out}")
