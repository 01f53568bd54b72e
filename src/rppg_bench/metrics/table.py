"""The metric table: the columns of the report's per-(dataset, method) summary, defined once.

Each :class:`Metric` says where its value comes from (a statistic of the
per-video heart rates, or the mean of a per-video column of the result rows),
how it is shown and which value is best. :func:`summary_table` computes every
metric of :data:`REPORT_METRICS` from the rows; the report's tables iterate the
same tuple, so a new metric is one more entry here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from .hr_stats import HR_STATISTICS, N_BOOT, hr_interval, hr_statistic


@dataclass(frozen=True)
class Metric:
    """One column of the summary table.

    key: column of the summary rows (and, for ``aggregate="mean"``, of the result rows).
    header: column header in summary.md, with the unit.
    digits: decimals shown. scale: factor applied before showing (e.g. s -> ms).
    better: ``"lower"`` or ``"higher"``: which value is shown in bold; None: no bold value.
    interval: shown with its bootstrap interval (``<key>_lo``, ``<key>_hi``; ``aggregate="hr"`` only).
    aggregate: ``"hr"``: ``hr_stats.HR_STATISTICS[key]`` of the per-video HR; ``"mean"``: mean of
        the per-video column ``key``.
    console: header in the console summary; None: not shown there.
    """

    key: str
    header: str
    digits: int = 2
    better: Literal["lower", "higher"] | None = "lower"
    interval: bool = False
    aggregate: Literal["hr", "mean"] = "mean"
    console: str | None = None
    scale: float = 1.0

    def __post_init__(self) -> None:
        if self.aggregate == "hr" and self.key not in HR_STATISTICS:
            raise ValueError(f"{self.key!r} is not an HR statistic ({', '.join(HR_STATISTICS)})")
        if self.interval and self.aggregate != "hr":
            raise ValueError(f"{self.key!r}: bootstrap intervals are drawn for HR statistics only")


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
    NaN with ``n_boot=0`` or fewer than 3 videos) for the metrics with ``interval``."""
    out = []
    for (dataset, method), g in df.groupby(["dataset", "method"], sort=True):
        pred, true = g["hr_pred"].to_numpy(float), g["hr_true"].to_numpy(float)
        groups = g["subject"].astype(str).to_numpy() if "subject" in g else None
        row: dict[str, Any] = {"dataset": dataset, "method": method, "n": len(g)}
        for m in metrics:
            if m.aggregate == "hr":
                row[m.key] = hr_statistic(m.key, pred, true)
            else:
                row[m.key] = float(g[m.key].mean()) if m.key in g else np.nan
            if m.interval:
                row[f"{m.key}_lo"], row[f"{m.key}_hi"] = hr_interval(m.key, pred, true, groups, n_boot, seed)
        out.append(row)
    return pd.DataFrame(out)


def hr_statistic_by(df: pd.DataFrame, by: str, name: str = "hr_mae") -> pd.DataFrame:
    """``hr_stats.HR_STATISTICS[name]`` of the per-video HR of each method (rows, sorted) and value of
    column ``by`` (columns, sorted) of the result rows ``df``; NaN where a method has no video there."""
    values = {key: hr_statistic(name, g["hr_pred"].to_numpy(float), g["hr_true"].to_numpy(float))
              for key, g in df.groupby(["method", by], sort=True)}
    index = pd.MultiIndex.from_tuples(list(values), names=["method", by])
    return pd.Series(list(values.values()), index=index, dtype=float).unstack(by)
