"""Report plots drawn from result rows: Bland-Altman, predicted vs true HR,
error distribution per method and example waveform overlays.

Each function takes the rows, writes one PNG and returns its path.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402


def _ok(rows: list[dict[str, Any]]) -> pd.DataFrame:
    df = pd.DataFrame([{k: v for k, v in r.items() if not k.startswith("_")} for r in rows])
    if df.empty or "status" not in df:
        return df
    return df[df["status"] == "ok"]


def _panels(n: int, width: float = 3.6, height: float = 3.2):
    cols = min(n, 4)
    nrows = int(np.ceil(n / cols))
    fig, axes = plt.subplots(nrows, cols, figsize=(width * cols, height * nrows), squeeze=False)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    return fig, list(axes.flat[:n])


def plot_bland_altman(df: pd.DataFrame, path: Path) -> Path:
    """One panel per method: HR difference vs mean (bpm) with bias and 95 % limits of agreement."""
    methods = sorted(df["method"].unique())
    fig, axes = _panels(len(methods))
    for ax, m in zip(axes, methods):
        g = df[df["method"] == m]
        mean = (g["hr_pred"] + g["hr_true"]) / 2
        diff = g["hr_pred"] - g["hr_true"]
        bias, sd = diff.mean(), diff.std(ddof=1) if len(diff) > 1 else 0.0
        for d, color in zip(sorted(g["dataset"].unique()), plt.cm.tab10.colors):
            sel = g["dataset"] == d
            ax.scatter(mean[sel], diff[sel], s=18, color=color, label=d)
        ax.axhline(bias, color="k", lw=1)
        for lim in (bias - 1.96 * sd, bias + 1.96 * sd):
            ax.axhline(lim, color="k", lw=0.8, ls="--")
        ax.text(0.02, 0.97, f"bias {bias:+.2f}\nLoA [{bias - 1.96 * sd:.2f}, {bias + 1.96 * sd:.2f}]",
                transform=ax.transAxes, va="top", fontsize=8)
        ax.set_title(m)
        ax.set_xlabel("mean of estimated and true HR (bpm)")
        ax.set_ylabel("estimated - true HR (bpm)")
        ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_hr_scatter(df: pd.DataFrame, path: Path) -> Path:
    """One panel per method: estimated vs true HR (bpm) with the identity line."""
    methods = sorted(df["method"].unique())
    fig, axes = _panels(len(methods))
    lo = float(min(df["hr_pred"].min(), df["hr_true"].min())) - 5
    hi = float(max(df["hr_pred"].max(), df["hr_true"].max())) + 5
    for ax, m in zip(axes, methods):
        g = df[df["method"] == m]
        ax.plot([lo, hi], [lo, hi], color="0.6", lw=1)
        for d, color in zip(sorted(g["dataset"].unique()), plt.cm.tab10.colors):
            sel = g["dataset"] == d
            ax.scatter(g["hr_true"][sel], g["hr_pred"][sel], s=18, color=color, label=d)
        ax.set_xlim(lo, hi)
        ax.set_ylim(lo, hi)
        ax.set_title(m)
        ax.set_xlabel("true HR (bpm)")
        ax.set_ylabel("estimated HR (bpm)")
        ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_error_distribution(df: pd.DataFrame, path: Path) -> Path:
    """Box plot of absolute HR error (bpm) per method, per-video points overlaid."""
    methods = sorted(df["method"].unique())
    errors = [(df[df["method"] == m]["hr_pred"] - df[df["method"] == m]["hr_true"]).abs().to_numpy() for m in methods]
    fig, ax = plt.subplots(figsize=(max(4.0, 1.0 * len(methods) + 1.5), 3.6))
    ax.boxplot(errors, showfliers=False)
    ax.set_xticks(range(1, len(methods) + 1), methods)
    for i, e in enumerate(errors, start=1):
        ax.scatter(np.full(e.size, i) + np.linspace(-0.15, 0.15, e.size), e, s=10, alpha=0.7)
    ax.set_ylabel("|estimated - true HR| (bpm)")
    ax.set_xlabel("method")
    ax.set_title("per-video HR error")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_waveforms(rows: list[dict[str, Any]], path: Path, seconds: float = 10.0) -> Path | None:
    """Example overlays (first ``seconds`` s) of each method's [0, 1] waveform on the reference."""
    examples = [r for r in rows if r.get("status") == "ok" and r.get("_waveform")]
    if not examples:
        return None
    fig, axes = plt.subplots(len(examples), 1, figsize=(9, 1.7 * len(examples)), squeeze=False)
    for ax, r in zip(axes[:, 0], examples):
        w = r["_waveform"]
        t = np.asarray(w["t"]) - w["t"][0]
        keep = t <= seconds
        ax.plot(t[keep], np.asarray(w["ref"])[keep], color="k", lw=1, label="ground truth")
        ax.plot(t[keep], np.asarray(w["pred"])[keep], color="tab:red", lw=1, label=r["method"])
        ax.set_ylabel("[0, 1]")
        ax.set_title(f"{r['dataset']} / {r['video']} / {r['method']}", fontsize=9)
        ax.legend(fontsize=7, loc="upper right")
    axes[-1, 0].set_xlabel("time (s)")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def write_plots(folder: Path, rows: list[dict[str, Any]]) -> list[Path]:
    """Every plot of the report into ``folder``; returns the written paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    df = _ok(rows)
    if df.empty:
        return []
    paths = [plot_bland_altman(df, folder / "bland_altman.png"), plot_hr_scatter(df, folder / "hr_scatter.png"),
             plot_error_distribution(df, folder / "hr_error_distribution.png")]
    wave = plot_waveforms(rows, folder / "waveforms.png")
    return paths + ([wave] if wave else [])
