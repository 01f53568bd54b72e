"""``index.html``: the report as one self-contained page (styles, script and images inlined).

Per dataset: the metric table, the paired tests with the Friedman / Nemenyi
text, the critical-difference diagram (the report's PNG, inlined as a data
URI) and the results table (one row per video and method, sortable and
filterable); below, one panel per video (see :mod:`.panel`).
"""

from __future__ import annotations

import base64
from html import escape
from pathlib import Path
from typing import Any

import pandas as pd

from ...metrics.table import CONFIDENCE_METRICS
from ..plot_names import cd_plot_name
from ..summary import header_lines, reading_note
from ..tables import (
    SummaryTables,
    comparison_section,
    confidence_note,
    confident_gross_note,
    has_confidence,
    ok_frame,
    summary_tables,
)
from .assets import SCRIPT, STYLE
from .panel import MAX_PLOTTED_VIDEOS, MAX_WAVEFORM_VIDEOS, method_colours, video_panel
from .tables import filter_controls, pairs_html, results_html, summary_html

INDEX_FILE = "index.html"


def header_html(record: dict[str, Any]) -> str:
    """The run record's facts (as in summary.md's header) as a list, markdown marks removed."""
    lines = [ln.removeprefix("- ").replace("`", "").replace("**", "") for ln in header_lines(record)[2:] if ln]
    return "<ul>" + "".join(f"<li>{escape(ln)}</li>" for ln in lines) + "</ul>"


def inline_png(path: Path) -> str:
    """``<img>`` of the PNG at ``path`` as a data URI ("" when it does not exist)."""
    if not path.is_file():
        return ""
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f'<img alt="{escape(path.stem)}" src="data:image/png;base64,{data}">'


def video_index(rows: list[dict[str, Any]]) -> dict[tuple[str, str], str]:
    """Panel id (``v0``, ``v1``, ...) of each (dataset, video) of ``rows`` with a video, in order."""
    ids: dict[tuple[str, str], str] = {}
    for r in rows:
        key = (str(r.get("dataset", "")), str(r.get("video", "")))
        if key[1] and key not in ids:
            ids[key] = f"v{len(ids)}"
    return ids


def dataset_html(dataset: str, rows: list[dict[str, Any]], df: pd.DataFrame, tables: SummaryTables,
                 compared: dict[str, Any] | None, panels: dict[tuple[str, str], str], plots: Path,
                 record: dict[str, Any] | None = None) -> str:
    """One dataset's ``<div class="dataset">``: metric table, HR at the confidence threshold (when the
    estimator gives one), paired tests, CD diagram and results; ``tables``: the rows' ``summary_tables``."""
    parts = [f'<div class="dataset" id="ds-{escape(dataset)}"><h2>{escape(dataset)}</h2>']
    summary = tables.main
    if not summary.empty and (summary["dataset"] == dataset).any():
        parts.append(summary_html(summary, dataset))
    if has_confidence(df, dataset) and tables.confidence is not None:
        protocol = (record or {}).get("protocol", {})
        parts += [f"<h3>HR at confidence &ge; {escape(str(protocol.get('hr_min_confidence', '?')))}</h3>",
                  summary_html(tables.confidence, dataset, CONFIDENCE_METRICS),
                  f"<p>{escape(confidence_note(protocol))}</p>"]
        gross = confident_gross_note(df, dataset)
        parts += [f"<p>{escape(gross)}</p>"] if gross else []
    if compared:
        text = [ln for ln in comparison_section(df, dataset, result=compared) if ln and not ln.startswith(("#", "|"))]
        parts += ["<h3>Paired comparison of |HR error|</h3>", *[f"<p>{escape(t)}</p>" for t in text[:1]],
                  pairs_html(compared), *[f"<p>{escape(t)}</p>" for t in text[1:]],
                  inline_png(plots / cd_plot_name(dataset))]
    parts += ["<h3>Results per video and method</h3>", "<p>Click a row to show its video below.</p>",
              filter_controls(rows), results_html(rows, panels), "</div>"]
    return "".join(parts)


def panels_html(rows: list[dict[str, Any]], panels: dict[tuple[str, str], str]) -> str:
    """The video picker and every video's panel (see :func:`.panel.video_panel` for which get which plots)."""
    colours = method_colours(sorted({str(r["method"]) for r in rows if r.get("method")}))
    by_video: dict[tuple[str, str], list[dict[str, Any]]] = {k: [] for k in panels}
    for r in rows:
        key = (str(r.get("dataset", "")), str(r.get("video", "")))
        if key in by_video:
            by_video[key].append(r)
    options = "".join(f'<option value="{pid}">{escape(d)} / {escape(v)}</option>' for (d, v), pid in panels.items())
    sections = "".join(video_panel(pid, d, v, by_video[(d, v)], colours, order=i)
                       for i, ((d, v), pid) in enumerate(panels.items()))
    note = (f'<p class="note">Aligned waveforms are drawn for the first {MAX_WAVEFORM_VIDEOS} videos, HR and '
            f'spectrum plots for the first {MAX_PLOTTED_VIDEOS}, to keep this page small.</p>'
            if len(panels) > MAX_WAVEFORM_VIDEOS else "")
    return (f'<div id="panel-area"><label>video <select id="video-pick">{options}</select></label>'
            f"{note}{sections}</div>")


def index_html(rows: list[dict[str, Any]], record: dict[str, Any], compared: dict[str, Any],
               plots: Path, tables: SummaryTables | None = None) -> str:
    """The whole page of result ``rows`` and run ``record``; ``compared``: ``compare_datasets`` of the
    rows; ``plots``: the report's plot folder (CD diagrams are inlined from it); ``tables``: the rows'
    ``summary_tables``, when already computed."""
    df = ok_frame(rows)
    tables = tables or summary_tables(df, record.get("seed", 0))
    panels = video_index(rows)
    datasets = sorted({str(r.get("dataset", "")) for r in rows})
    body = [f"<h1>rppg-bench report</h1>{header_html(record)}<p>{escape(reading_note(record))}</p>"]
    body += [dataset_html(d, [r for r in rows if str(r.get("dataset", "")) == d], df, tables,
                          compared.get(d), panels, plots, record) for d in datasets]
    body.append(panels_html(rows, panels))
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>rppg-bench report</title>"
            f"<style>{STYLE}</style></head><body>{''.join(body)}<script>{SCRIPT}</script></body></html>\n")


def write_index(out: Path, rows: list[dict[str, Any]], record: dict[str, Any], compared: dict[str, Any],
                tables: SummaryTables | None = None) -> Path:
    """Write ``out/index.html`` (:func:`index_html`) and return its path."""
    path = Path(out) / INDEX_FILE
    path.write_text(index_html(rows, record, compared, Path(out) / "plots", tables), encoding="utf-8")
    return path
