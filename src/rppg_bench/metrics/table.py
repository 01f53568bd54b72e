"""The metric table: the columns of the report's per-(dataset, method) summary, defined once.

Each :class:`Metric` says where its value comes from (a statistic of the
per-video heart rates, or the mean of a per-video column of the result rows),
how it is shown and which value is best. :func:`summary_table` computes every
metric of :data:`REPORT_METRICS` (or of :data:`BEAT_METRICS`, the report's
"Beats, HRV and breathing" table) from the rows; the report's tables iterate the
same tuple, so a new metric is one more entry here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from .defaults import GROSS_BPM
from .hr_stats import (
    HR_STATISTICS,
    MIN_BOOTSTRAP_VIDEOS,
    N_BOOT,
    hr_interval,
    hr_statistic,
)
from .stats import bootstrap_ci


@dataclass(frozen=True)
class Metric:
    """One column of the summary table.

    key: column of the summary rows (and, for ``aggregate="mean"``, of the result rows).
    header: column header in summary.md, with the unit.
    digits: decimals shown. scale: factor applied before showing (e.g. s -> ms).
    better: ``"lower"`` or ``"higher"``: which value is shown in bold; None: no bold value.
    interval: shown with its 95 % bootstrap interval (``<key>_lo``, ``<key>_hi``), resampling subjects.
    aggregate: ``"hr"``: ``hr_stats.HR_STATISTICS[key]`` of the per-video HR; ``"mean"``: mean of
        the per-video column ``column``; ``"abs_mean"``: mean of its absolute values. Videos
        where the column is empty (a reason instead of a number) are left out.
    console: header in the console summary; None: not shown there.
    column: the result rows' column a ``"mean"`` / ``"abs_mean"`` metric is drawn from (default: ``key``).
    reason: the result rows' column saying why a video has no value in ``column`` (None: none).
    """

    key: str
    header: str
    digits: int = 2
    better: Literal["lower", "higher"] | None = "lower"
    interval: bool = False
    aggregate: Literal["hr", "mean", "abs_mean"] = "mean"
    console: str | None = None
    scale: float = 1.0
    column: str | None = None
    reason: str | None = None

    def __post_init__(self) -> None:
        if self.aggregate == "hr" and self.key not in HR_STATISTICS:
            raise ValueError(f"{self.key!r} is not an HR statistic ({', '.join(HR_STATISTICS)})")

    def values(self, g: pd.DataFrame) -> tuple[np.ndarray, np.ndarray | None]:
        """Finite per-video values (V,) of a ``"mean"`` / ``"abs_mean"`` metric in rows ``g``, and
        the subjects (V,) of those videos (None without a ``subject`` column)."""
        column = self.column or self.key
        if column not in g:
            return np.zeros(0), None
        v = pd.to_numeric(g[column], errors="coerce").to_numpy(float)
        keep = np.isfinite(v)
        v = np.abs(v[keep]) if self.aggregate == "abs_mean" else v[keep]
        return v, g["subject"].astype(str).to_numpy()[keep] if "subject" in g else None


REPORT_METRICS: tuple[Metric, ...] = (
    Metric("hr_mae", "HR MAE (bpm)", interval=True, aggregate="hr", console="HR MAE"),
    Metric("hr_rmse", "HR RMSE (bpm)", interval=True, aggregate="hr", console="HR RMSE"),
    Metric("hr_mape", "HR MAPE (%)", interval=True, aggregate="hr", console="MAPE %"),
    Metric("hr_r", "HR r", better="higher", interval=True, aggregate="hr", console="r"),
    Metric("win_hr_mae", "win HR MAE (bpm)", console="win MAE"),
    Metric("wave_rmse", "wave RMSE", digits=4),
    Metric("wave_mae", "wave MAE", digits=4),
    Metric("wave_r", "wave r", better="higher"),
    Metric("snr_db", "SNR (dB)", better="higher", console="SNR dB"),
    Metric("runtime_s", "time (ms)", digits=0, better=None, scale=1000.0),
)


#: the report's "Beats, HRV and breathing" table (columns of ``metrics.beat_metrics``)
BEAT_METRICS: tuple[Metric, ...] = (
    Metric("ibi_mae_ms", "IBI MAE (ms)", digits=1, interval=True, reason="ibi_reason"),
    Metric("beats_matched_share", "beats matched (%)", digits=1, better="higher", interval=True, scale=100.0),
    Metric("beats_missed", "missed/video", digits=1),
    Metric("beats_extra", "extra/video", digits=1),
    Metric("mean_ibi_abs_diff", "mean IBI abs. diff (ms)", digits=1, aggregate="abs_mean",
           column="mean_ibi_ms_diff", reason="mean_ibi_ms_reason"),
    Metric("sdnn_abs_diff", "SDNN abs. diff (ms)", digits=1, aggregate="abs_mean",
           column="sdnn_ms_diff", reason="sdnn_ms_reason"),
    Metric("rmssd_abs_diff", "RMSSD abs. diff (ms)", digits=1, interval=True, aggregate="abs_mean",
           column="rmssd_ms_diff", reason="rmssd_ms_reason"),
    Metric("pnn50_abs_diff", "pNN50 abs. diff (%)", digits=1, aggregate="abs_mean",
           column="pnn50_pct_diff", reason="pnn50_pct_reason"),
    Metric("lf_hf_abs_diff", "LF/HF abs. diff", aggregate="abs_mean", column="lf_hf_diff", reason="lf_hf_reason"),
    Metric("breathing_mae", "breathing MAE (breaths/min)", interval=True, aggregate="abs_mean",
           column="breathing_error", reason="breathing_reason"),
    Metric("breathing_win_mae", "win breathing MAE (breaths/min)", interval=True, reason="breathing_win_reason"),
)


#: the report's "HR at a confidence threshold" table (columns of ``metrics.evaluate.confidence_columns``):
#: coverage and MAE of the estimates kept beside those of all estimates, as clinical studies report them
CONFIDENCE_METRICS: tuple[Metric, ...] = (
    Metric("hr_kept_share", "videos kept (%)", digits=0, better=None, scale=100.0, column="hr_confident"),
    Metric("hr_mae_kept", "HR MAE kept (bpm)", interval=True, column="hr_abs_error_confident"),
    Metric("hr_mae_all", "HR MAE all (bpm)", interval=True, column="hr_abs_error"),
    Metric("win_kept_share", "windows kept (%)", digits=0, better=None, scale=100.0, column="win_hr_confident_share"),
    Metric("win_mae_kept", "win HR MAE kept (bpm)", column="win_hr_mae_confident"),
    Metric("win_mae_all", "win HR MAE all (bpm)", column="win_hr_mae"),
    Metric("win_gross_kept", f"win > {GROSS_BPM:g} bpm kept (%)", digits=1, scale=100.0,
           column="win_hr_gross_share_confident"),
    Metric("win_gross_all", f"win > {GROSS_BPM:g} bpm all (%)", digits=1, scale=100.0, column="win_hr_gross_share"),
    Metric("hr_confidence_mean", "mean confidence", better=None, column="hr_confidence"),
)


def mean_interval(values: np.ndarray, groups: np.ndarray | None, n_boot: int = N_BOOT,
                  seed: int = 0) -> tuple[float, float]:
    """95 % percentile bootstrap interval of the mean of (V,) per-video ``values``, resampling whole
    ``groups`` (subjects) when given; ``(nan, nan)`` for fewer than ``MIN_BOOTSTRAP_VIDEOS`` videos
    or ``n_boot = 0`` (as :func:`.hr_stats.hr_interval`)."""
    if len(values) < MIN_BOOTSTRAP_VIDEOS or n_boot <= 0:
        return float("nan"), float("nan")
    return bootstrap_ci(values, n_boot=n_boot, seed=seed, groups=groups)


def best_index(values: np.ndarray, better: str | None) -> int | None:
    """Index of the best of (M,) values (NaN ignored), or None when none is finite or ``better`` is None."""
    v = np.asarray(values, dtype=float)
    if better is None or not np.isfinite(v).any():
        return None
    return int(np.nanargmin(v) if better == "lower" else np.nanargmax(v))


def summary_table(df: pd.DataFrame, metrics: tuple[Metric, ...] = REPORT_METRICS, seed: int = 0,
                  n_boot: int = N_BOOT) -> pd.DataFrame:
    """One row per (dataset, method) of the successful result rows ``df``: ``n`` (videos) and each
    metric's value, with ``<key>_lo`` and ``<key>_hi`` (95 % bootstrap interval resampling subjects;
    NaN with ``n_boot=0`` or fewer than 3 videos) for the metrics with ``interval``, and for the
    ``"mean"`` / ``"abs_mean"`` metrics ``<key>_n``, the videos with a value."""
    out = []
    for (dataset, method), g in df.groupby(["dataset", "method"], sort=True):
        pred, true = g["hr_pred"].to_numpy(float), g["hr_true"].to_numpy(float)
        groups = g["subject"].astype(str).to_numpy() if "subject" in g else None
        row: dict[str, Any] = {"dataset": dataset, "method": method, "n": len(g)}
        for m in metrics:
            if m.aggregate == "hr":
                row[m.key] = hr_statistic(m.key, pred, true)
                if m.interval:
                    row[f"{m.key}_lo"], row[f"{m.key}_hi"] = hr_interval(m.key, pred, true, groups, n_boot, seed)
                continue
            values, subjects = m.values(g)
            row[m.key] = float(np.mean(values)) if values.size else np.nan
            row[f"{m.key}_n"] = values.size
            if m.interval:
                row[f"{m.key}_lo"], row[f"{m.key}_hi"] = mean_interval(values, subjects, n_boot, seed)
        out.append(row)
    return pd.DataFrame(out)


def hr_statistic_by(df: pd.DataFrame, by: str, name: str = "hr_mae") -> pd.DataFrame:
    """``hr_stats.HR_STATISTICS[name]`` of the per-video HR of each method (rows, sorted) and value of
    column ``by`` (columns, sorted) of the result rows ``df``; NaN where a method has no video there."""
    values = {key: hr_statistic(name, g["hr_pred"].to_numpy(float), g["hr_true"].to_numpy(float))
              for key, g in df.groupby(["method", by], sort=True)}
    index = pd.MultiIndex.from_tuples(list(values), names=["method", by])
    return pd.Series(list(values.values()), index=index, dtype=float).unstack(by)
