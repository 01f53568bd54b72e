"""Report plots drawn from result rows: Bland-Altman, predicted vs true HR,
error distribution per method, example waveform overlays, windowed HR over
time and IBI tachograms of the example videos, Bland-Altman of RMSSD and a
critical-difference diagram per dataset.

Each function takes the rows, writes one PNG and returns its path.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..metrics.compare import compare_methods
from .plot_names import IBI_TACHOGRAM, RMSSD_BLAND_ALTMAN, cd_plot_name
from .tables import ok_frame


def _margins(fig, nrows: int = 1, ncols: int = 1, left: float = 0.75, right: float = 0.2, bottom: float = 0.55,
             top: float = 0.35, wgap: float = 0.85, hgap: float = 0.8) -> None:
    """Place a figure's ``nrows`` x ``ncols`` grid of axes with fixed margins and gaps in inches.

    The labels of every plot here are known, so fixed margins fit them; this
    replaces ``tight_layout``, which costs a second full draw of the figure
    (about 40 % of the report's plotting time).
    """
    width, height = fig.get_size_inches()
    ax_w = (width - left - right - (ncols - 1) * wgap) / ncols
    ax_h = (height - top - bottom - (nrows - 1) * hgap) / nrows
    fig.subplots_adjust(left=left / width, right=1 - right / width, bottom=bottom / height, top=1 - top / height,
                        wspace=wgap / ax_w, hspace=hgap / ax_h)


def _panels(n: int, width: float = 3.6, height: float = 3.2):
    """Figure with ``n`` panels, at most 4 per row, sharing the x axis, each with its x tick labels."""
    cols = min(n, 4)
    nrows = int(np.ceil(n / cols))
    fig, axes = plt.subplots(nrows, cols, figsize=(width * cols, height * nrows), squeeze=False, sharex=True)
    _margins(fig, nrows, cols)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    for ax in axes.flat[:n]:
        ax.xaxis.set_tick_params(labelbottom=True)  # the x label and ticks stay under every panel
        ax.locator_params(nbins=5)  # fewer ticks: tick labels are most of a panel's drawing time
    return fig, list(axes.flat[:n])


def _scatter_by_dataset(ax, g: pd.DataFrame, x: pd.Series, y: pd.Series, datasets: list[str],
                        legend: bool) -> None:
    """Scatter ``x`` vs ``y`` of rows ``g``, one colour per dataset of ``datasets`` (the same
    colours in every panel), with the legend when ``legend``."""
    for d, color in zip(datasets, plt.cm.tab10.colors):
        sel = g["dataset"] == d
        if sel.any():
            ax.scatter(x[sel], y[sel], s=18, color=color, label=d)
    if legend:
        ax.legend(fontsize=7, loc="lower right")


def _title(ax, text: str, **kwargs: Any) -> None:
    """Axes title at its default height, given explicitly: matplotlib then skips placing it
    above any top-side tick labels (there are none here), a quarter of a panel's drawing time."""
    ax.set_title(text, y=1.0, **kwargs)


def _save(fig, path: Path, dpi: int = 110) -> Path:
    fig.savefig(path, dpi=dpi)
    plt.close(fig)
    return path


def plot_bland_altman(df: pd.DataFrame, path: Path, pred: str = "hr_pred", true: str = "hr_true",
                      quantity: str = "HR (bpm)") -> Path:
    """One panel per method: difference vs mean of columns ``pred`` and ``true`` (``quantity``,
    e.g. HR in bpm) with bias and 95 % limits of agreement."""
    methods = sorted(df["method"].unique())
    datasets = sorted(df["dataset"].unique())
    name, _, unit = quantity.partition(" ")
    fig, axes = _panels(len(methods))
    for ax, m in zip(axes, methods):
        g = df[df["method"] == m]
        mean = (g[pred] + g[true]) / 2
        diff = g[pred] - g[true]
        bias, sd = diff.mean(), diff.std(ddof=1) if len(diff) > 1 else 0.0
        _scatter_by_dataset(ax, g, mean, diff, datasets, legend=ax is axes[0])
        ax.axhline(bias, color="k", lw=1)
        for lim in (bias - 1.96 * sd, bias + 1.96 * sd):
            ax.axhline(lim, color="k", lw=0.8, ls="--")
        ax.text(0.02, 0.97, f"bias {bias:+.2f}\nLoA [{bias - 1.96 * sd:.2f}, {bias + 1.96 * sd:.2f}]",
                transform=ax.transAxes, va="top", fontsize=8)
        _title(ax, m)
        ax.set_xlabel(f"mean of estimated and true {name} {unit}".rstrip())
        ax.set_ylabel(f"estimated - true {name} {unit}".rstrip())
    return _save(fig, path)


def plot_rmssd_bland_altman(df: pd.DataFrame, path: Path) -> Path | None:
    """Bland-Altman of RMSSD (ms), method vs reference, one panel per method, over the videos
    where both sides have one; None when none has."""
    if not {"rmssd_ms_est", "rmssd_ms_ref"} <= set(df):
        return None
    both = df[pd.to_numeric(df["rmssd_ms_est"], errors="coerce").notna()
              & pd.to_numeric(df["rmssd_ms_ref"], errors="coerce").notna()]
    if both.empty:
        return None
    both = both.astype({"rmssd_ms_est": float, "rmssd_ms_ref": float})
    return plot_bland_altman(both, path, "rmssd_ms_est", "rmssd_ms_ref", "RMSSD (ms)")


def _dataset_panels(examples: dict[str, list[dict[str, Any]]]):
    """A figure with one panel per dataset of ``examples``; returns it and ``(axes, dataset,
    that dataset's rows sorted by method)`` for each, datasets in name order."""
    fig, axes = plt.subplots(len(examples), 1, figsize=(9, 3.0 * len(examples)), squeeze=False)
    _margins(fig, len(examples), right=1.3, hgap=0.9)
    return fig, [(ax, dataset, sorted(examples[dataset], key=lambda r: r["method"]))
                 for ax, dataset in zip(axes[:, 0], sorted(examples))]


def plot_ibi_tachogram(rows: list[dict[str, Any]], path: Path) -> Path | None:
    """Inter-beat intervals (ms) vs time (s) of the reference and of every method, for each
    dataset's example video (the ``_beats`` beat times the runner keeps); one panel per dataset."""
    examples = _example_rows(rows, "_beats")
    if not examples:
        return None
    fig, panels = _dataset_panels(examples)
    for ax, dataset, group in panels:
        ref = np.asarray(group[0]["_beats"]["ref"], float)
        ax.plot(ref[1:], 1000 * np.diff(ref), color="k", lw=2.2, marker="o", ms=4, label="reference")
        for r, color in zip(group, plt.cm.tab10.colors):
            est = np.asarray(r["_beats"]["est"], float)
            ax.plot(est[1:], 1000 * np.diff(est), color=color, lw=1.1, marker=".", ms=5, label=r["method"])
        _title(ax, f"{dataset} / {group[0]['video']}: IBI tachogram", fontsize=10)
        ax.set_xlabel("time (s, beat)")
        ax.set_ylabel("inter-beat interval (ms)")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))
    return _save(fig, path)


def plot_hr_scatter(df: pd.DataFrame, path: Path) -> Path:
    """One panel per method: estimated vs true HR (bpm) with the identity line."""
    methods = sorted(df["method"].unique())
    datasets = sorted(df["dataset"].unique())
    fig, axes = _panels(len(methods))
    lo = float(min(df["hr_pred"].min(), df["hr_true"].min())) - 5
    hi = float(max(df["hr_pred"].max(), df["hr_true"].max())) + 5
    for ax, m in zip(axes, methods):
        g = df[df["method"] == m]
        ax.plot([lo, hi], [lo, hi], color="0.6", lw=1)
        _scatter_by_dataset(ax, g, g["hr_true"], g["hr_pred"], datasets, legend=ax is axes[0])
        ax.set_xlim(lo, hi)
        ax.set_ylim(lo, hi)
        _title(ax, m)
        ax.set_xlabel("true HR (bpm)")
        ax.set_ylabel("estimated HR (bpm)")
    return _save(fig, path)


def plot_error_distribution(df: pd.DataFrame, path: Path) -> Path:
    """Box plot of absolute HR error (bpm) per method, per-video points overlaid."""
    methods = sorted(df["method"].unique())
    errors = [(df[df["method"] == m]["hr_pred"] - df[df["method"] == m]["hr_true"]).abs().to_numpy() for m in methods]
    fig, ax = plt.subplots(figsize=(max(4.0, 1.0 * len(methods) + 1.5), 3.6))
    _margins(fig)
    ax.boxplot(errors, showfliers=False)
    ax.set_xticks(range(1, len(methods) + 1), methods)
    for i, e in enumerate(errors, start=1):
        ax.scatter(np.full(e.size, i) + np.linspace(-0.15, 0.15, e.size), e, s=10, alpha=0.7)
    ax.set_ylabel("|estimated - true HR| (bpm)")
    ax.set_xlabel("method")
    _title(ax, "per-video HR error")
    return _save(fig, path)


def plot_waveforms(rows: list[dict[str, Any]], path: Path, seconds: float = 10.0) -> Path | None:
    """Example overlays (first ``seconds`` s) of each method's [0, 1] waveform on the reference."""
    examples = [r for r in rows if r.get("status") == "ok" and r.get("_waveform")]
    if not examples:
        return None
    fig, axes = plt.subplots(len(examples), 1, figsize=(9, 1.7 * len(examples)), squeeze=False)
    _margins(fig, len(examples), top=0.3, bottom=0.5, hgap=0.5)
    for ax, r in zip(axes[:, 0], examples):
        w = r["_waveform"]
        t = np.asarray(w["t"]) - w["t"][0]
        keep = t <= seconds
        ax.plot(t[keep], np.asarray(w["ref"])[keep], color="k", lw=1, label="ground truth")
        ax.plot(t[keep], np.asarray(w["pred"])[keep], color="tab:red", lw=1, label=r["method"])
        ax.set_ylabel("[0, 1]")
        _title(ax, f"{r['dataset']} / {r['video']} / {r['method']}", fontsize=9)
        ax.legend(fontsize=7, loc="upper right")
    axes[-1, 0].set_xlabel("time (s)")
    return _save(fig, path, dpi=100)


def _example_rows(rows: list[dict[str, Any]], field: str) -> dict[str, list[dict[str, Any]]]:
    """Per dataset, the successful rows holding ``field`` of the first video that has it (the
    example video the runner keeps series for), one per method."""
    examples: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        if r.get("status") == "ok" and r.get(field):
            first = examples.setdefault(r["dataset"], [r])
            if r is not first[0] and r["video"] == first[0]["video"]:
                first.append(r)
    return examples


def plot_hr_over_time(rows: list[dict[str, Any]], path: Path) -> Path | None:
    """Windowed HR (bpm) vs time (s) of the ground truth and every method, for each dataset's example video.

    Uses the ``_win_hr`` series (``{"t", "true", "pred"}``) that the runner
    keeps for one video per dataset; one panel per dataset.
    """
    examples = _example_rows(rows, "_win_hr")
    if not examples:
        return None
    fig, panels = _dataset_panels(examples)
    for ax, dataset, group in panels:
        w0 = group[0]["_win_hr"]
        ax.plot(w0["t"], w0["true"], color="k", lw=2.2, marker="o", ms=5, label="ground truth")
        values = list(w0["true"])
        for r, color in zip(group, plt.cm.tab10.colors):
            ax.plot(r["_win_hr"]["t"], r["_win_hr"]["pred"], color=color, lw=1.1, marker=".", ms=5,
                    label=r["method"])
            values += list(r["_win_hr"]["pred"])
        mid = (min(values) + max(values)) / 2
        half = max(5.0, 0.55 * (max(values) - min(values)))  # at least +-5 bpm: small errors look small
        ax.set_ylim(mid - half, mid + half)
        if len(w0["t"]) == 1:  # one window (a video not longer than the window): centre it
            ax.set_xlim(w0["t"][0] - 5, w0["t"][0] + 5)
        _title(ax, f"{dataset} / {group[0]['video']}: windowed heart rate", fontsize=10)
        ax.set_xlabel("time (s, window centre)")
        ax.set_ylabel("heart rate (bpm)")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))
    return _save(fig, path)


def plot_cd_diagram(ranks: dict[str, float], cd: float, groups: list[list[str]], path: Path,
                    title: str = "") -> Path:
    """Critical-difference diagram (Demsar 2006): average ranks on an axis (1 = best, at the left),
    a bar of length CD, and thick bars joining methods that are not significantly different."""
    items = sorted(ranks.items(), key=lambda kv: kv[1])
    k = len(items)
    half = (k + 1) // 2
    fig_h = 1.6 + 0.32 * half + 0.18 * len(groups)
    fig, ax = plt.subplots(figsize=(7.5, fig_h))
    _margins(fig, left=0.1, right=0.1, bottom=0.1, top=0.3 if title else 0.1)
    lo, hi = 1, max(k, 2)
    ax.hlines(0, lo, hi, color="k", lw=1)
    for x in range(lo, hi + 1):
        ax.vlines(x, 0, 0.12, color="k", lw=1)
        ax.text(x, 0.18, str(x), ha="center", va="bottom", fontsize=9)
    ax.text((lo + hi) / 2, 0.62, "average rank of |HR error| (1 = smallest error)", ha="center", va="bottom",
            fontsize=9)
    if np.isfinite(cd):  # the CD bar, above the axis at the left
        ax.hlines(0.95, lo, lo + cd, color="tab:red", lw=2)
        ax.vlines([lo, lo + cd], 0.88, 1.02, color="tab:red", lw=1.5)
        ax.text(lo + cd / 2, 1.06, f"CD = {cd:.2f}", ha="center", va="bottom", fontsize=9, color="tab:red")
    # group bars just below the axis
    bar_y = [-0.18 - 0.18 * i for i in range(len(groups))]
    for y, g in zip(bar_y, groups):
        ax.hlines(y, ranks[g[0]] - 0.03, ranks[g[-1]] + 0.03, color="tab:blue", lw=4, alpha=0.8)
    top = (bar_y[-1] if bar_y else 0) - 0.25
    for i, (name, r) in enumerate(items):  # best half labelled left, the rest right
        left = i < half
        row = i if left else k - 1 - i
        y = top - 0.32 * row
        x_text = lo - 0.25 if left else hi + 0.25
        ax.plot([r, r, x_text], [0, y, y], color="0.3", lw=0.9)
        ax.text(x_text + (-0.05 if left else 0.05), y, f"{name} ({r:.2f})", ha="right" if left else "left",
                va="center", fontsize=9)
    ax.set_xlim(lo - 1.6, hi + 1.6)
    ax.set_ylim(top - 0.32 * (half - 1) - 0.3, 1.35)
    ax.axis("off")
    if title:
        _title(ax, title, fontsize=9)
    return _save(fig, path)


def write_cd_plots(folder: Path, df: pd.DataFrame, alpha: float = 0.05,
                   compared: dict[str, dict[str, Any]] | None = None) -> list[Path]:
    """One critical-difference diagram per dataset with >= 3 methods and >= 3 videos all methods finished.

    ``compared``: ``compare_methods`` at ``alpha`` per dataset, when already computed.
    """
    paths = []
    for dataset in sorted(df["dataset"].unique()):
        d = df[df["dataset"] == dataset]
        if d["method"].nunique() < 3:
            continue
        fr = (compared[dataset] if compared and dataset in compared else compare_methods(d, alpha=alpha))["friedman"]
        if fr["n"] < 3 or not fr["ranks"]:
            continue
        title = (f"{dataset}: {fr['k']} methods, {fr['n']} videos; Friedman p = "
                 + ("n/a" if not np.isfinite(fr["p"]) else f"{fr['p']:.3g}")
                 + f"; Nemenyi alpha = {alpha:g} (bars: not significantly different)")
        paths.append(plot_cd_diagram(fr["ranks"], fr["cd"], fr["groups"], folder / cd_plot_name(dataset), title))
    return paths


def write_plots(folder: Path, rows: list[dict[str, Any]],
                compared: dict[str, dict[str, Any]] | None = None) -> list[Path]:
    """Every plot of the report into ``folder``; returns the written paths.

    ``compared``: ``compare_methods`` per dataset (alpha 0.05), when already computed.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    df = ok_frame(rows)
    if df.empty:
        return []
    paths = [plot_bland_altman(df, folder / "bland_altman.png"), plot_hr_scatter(df, folder / "hr_scatter.png"),
             plot_error_distribution(df, folder / "hr_error_distribution.png")]
    extra = (plot_waveforms(rows, folder / "waveforms.png"), plot_hr_over_time(rows, folder / "hr_over_time.png"),
             plot_ibi_tachogram(rows, folder / IBI_TACHOGRAM), plot_rmssd_bland_altman(df, folder / RMSSD_BLAND_ALTMAN))
    return paths + [p for p in extra if p] + write_cd_plots(folder, df, compared=compared)
