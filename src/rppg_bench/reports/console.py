"""The console summary of a run: mean waveform errors per (dataset, method), then the metric table."""

from __future__ import annotations

from typing import Any

from tabulate import tabulate

from ..metrics.table import REPORT_METRICS, summary_table
from .tables import metric_cell, ok_frame

RULE = "-" * 62


def console_summary(rows: list[dict[str, Any]]) -> str:
    """Per dataset and method: a rule and the mean waveform RMSE and MAE, then a table of the
    report metrics that have a console header (no intervals)."""
    df = ok_frame(rows)
    if df.empty:
        return "No successful results."
    summary = summary_table(df, n_boot=0)
    parts = []
    for _, r in summary.iterrows():
        parts += [f"\n{r['dataset']} / {r['method']}", RULE, f"Mean RMSE: {r['wave_rmse']:.4f}",
                  f"Mean MAE : {r['wave_mae']:.4f}"]
    shown = [m for m in REPORT_METRICS if m.console]
    table = [[r["dataset"], r["method"], int(r["n"]), *[metric_cell(r, m) for m in shown]]
             for _, r in summary.iterrows()]
    parts += ["", tabulate(table, headers=["dataset", "method", "videos", *[m.console for m in shown]],
                           tablefmt="simple")]
    return "\n".join(parts)
