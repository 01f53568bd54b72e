"""HTML tables of the report: per-dataset metric summary, paired tests and per-row results.

Every cell carries its sort value (``data-v``: a number, or the text) so the
page's script sorts any column by clicking its header; result rows carry their
method, condition and status (``data-*``) for the filters and the id of their
video's panel (``data-panel``).
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

import numpy as np
import pandas as pd

from ...metrics.table import REPORT_METRICS, Metric, best_index
from ..tables import fmt, format_p, metric_cell

#: result-row columns of the per-dataset results table: (row key, header, decimals)
ROW_COLUMNS = (("hr_true", "true HR (bpm)", 1), ("hr_pred", "HR (bpm)", 1), ("hr_abs_error", "|HR error| (bpm)", 2),
               ("hr_confidence", "HR confidence", 2), ("win_hr_mae", "win HR MAE (bpm)", 2), ("wave_r", "wave r", 3), ("snr_db", "SNR (dB)", 2),
               ("runtime_s", "runtime (s)", 2))

Cell = tuple[str, Any]  # (shown text, sort value)


def _number(value: Any) -> float | None:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return v if np.isfinite(v) else None


def html_table(columns: Sequence[tuple[str, str]], rows: Sequence[tuple[Sequence[Cell], dict[str, str]]],
               css: str = "sortable") -> str:
    """``<table>`` with headers ``columns`` ``(key, label)`` and body ``rows`` ``(cells, attributes)``."""
    head = "".join(f'<th data-key="{escape(k)}">{escape(label)}</th>' for k, label in columns)
    body = []
    for cells, attrs in rows:
        extra = "".join(f' {k}="{escape(str(v))}"' for k, v in attrs.items())
        tds = "".join(f'<td data-v="{escape(str("" if v is None else v))}">{text}</td>' for text, v in cells)
        body.append(f"<tr{extra}>{tds}</tr>")
    return f'<table class="{css}"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def summary_html(summary: pd.DataFrame, dataset: str, metrics: tuple[Metric, ...] = REPORT_METRICS) -> str:
    """Methods x ``metrics`` of ``dataset`` (``metrics.table.summary_table``), best values in bold."""
    s = summary[summary["dataset"] == dataset].reset_index(drop=True)
    best = {m.key: best_index(s[m.key].to_numpy(float), m.better) for m in metrics}
    rows = []
    for i, r in s.iterrows():
        cells = [(escape(str(r["method"])), r["method"]), (str(int(r["n"])), int(r["n"]))]
        for m in metrics:
            text = escape(metric_cell(r, m))
            cells.append((f"<b>{text}</b>" if best[m.key] == i else text, _number(r[m.key])))
        rows.append((cells, {}))
    columns = [("method", "method"), ("n", "videos"), *[(m.key, m.header) for m in metrics]]
    return html_table(columns, rows)


def pairs_html(result: dict[str, Any] | None) -> str:
    """Paired Wilcoxon tests (Holm) of ``result`` (``metrics.compare.compare_methods``), "" without pairs."""
    if not result or result["pairs"].empty:
        return ""
    rows = [([(escape(str(r["method_a"])), r["method_a"]), (escape(str(r["method_b"])), r["method_b"]),
              (str(int(r["n"])), int(r["n"])), (fmt(r["median_diff"]), _number(r["median_diff"])),
              (format_p(r["p"]), _number(r["p"])), (format_p(r["p_holm"]), _number(r["p_holm"])),
              ("yes" if r["significant"] else "no", int(bool(r["significant"])))], {})
            for _, r in result["pairs"].iterrows()]
    columns = [("method_a", "method A"), ("method_b", "method B"), ("n", "videos"),
               ("median_diff", "median diff (bpm)"), ("p", "p"), ("p_holm", "Holm p"), ("significant", "significant")]
    return html_table(columns, rows)


def results_html(rows: list[dict[str, Any]], panels: dict[tuple[str, str], str]) -> str:
    """One row per (video, method) of one dataset's ``rows`` with the ``ROW_COLUMNS`` and the error;
    ``panels``: panel id of each (dataset, video)."""
    body = []
    for r in rows:
        cells: list[Cell] = [(escape(str(r.get(k, ""))), str(r.get(k, ""))) for k in ("video", "method", "condition",
                                                                                    "status")]
        for key, _, digits in ROW_COLUMNS:
            v = _number(r.get(key))
            cells.append(("" if v is None else f"{v:.{digits}f}", v))
        cells.append((escape(str(r.get("error") or "")), str(r.get("error") or "")))
        attrs = {"data-method": r.get("method", ""), "data-condition": r.get("condition", ""),
                 "data-status": r.get("status", ""),
                 "data-panel": panels.get((r.get("dataset", ""), r.get("video", "")), "")}
        body.append((cells, attrs))
    columns = [("video", "video"), ("method", "method"), ("condition", "condition"), ("status", "status"),
               *[(k, label) for k, label, _ in ROW_COLUMNS], ("error", "failure reason")]
    return html_table(columns, body, css="sortable results")


def filter_controls(rows: list[dict[str, Any]]) -> str:
    """``<select>`` filters of a results table: one per field (method, condition, status), "all" first."""
    parts = []
    for field in ("method", "condition", "status"):
        values = sorted({str(r.get(field, "")) for r in rows})
        options = '<option value="">all</option>' + "".join(
            f'<option value="{escape(v)}">{escape(v)}</option>' for v in values)
        parts.append(f'<label>{field} <select data-filter="{field}">{options}</select></label>')
    return f'<div class="filters">{"".join(parts)}</div>'
