"""``summary.md``: the report's markdown, assembled from the tables of each dataset."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from ..metrics.compare import compare_datasets
from .plot_names import cd_plot_name, is_cd_plot
from .tables import (
    SummaryTables,
    beats_section,
    comparison_section,
    condition_table,
    confidence_section,
    dataset_table,
    failures_table,
    has_beat_metrics,
    has_confidence,
    ok_frame,
    reference_check_note,
    summary_tables,
    toolbox_table,
    video_table,
)

READING_NOTE = (
    "HR metrics compare each video's whole-recording heart rate with the truth; brackets are 95 % bootstrap "
    "intervals (resampling subjects). win HR MAE: mean over 10 s windows. wave: [0, 1] waveforms aligned by "
    "timestamps. Best value per column in bold. Paired tests compare methods video by video "
    "(see docs/report.md in rppg-bench).")

#: added to :data:`READING_NOTE` when the run's protocol takes the whole-recording HR from its windows
WINDOWS_NOTE = ("The whole-recording heart rate, of a method and of the truth alike, is the mean of the "
                "recording's windowed rates (protocol hr_whole_from_windows).")


def reading_note(record: dict[str, Any]) -> str:
    """:data:`READING_NOTE`, with :data:`WINDOWS_NOTE` when ``record``'s protocol takes the whole-recording
    HR from the windows."""
    from_windows = record.get("protocol", {}).get("hr_whole_from_windows")
    return f"{READING_NOTE} {WINDOWS_NOTE}" if from_windows else READING_NOTE


def header_lines(record: dict[str, Any]) -> list[str]:
    """The report's title and the run record's facts: date, git, command, protocol, seed and methods."""
    proto = record.get("protocol", {})
    history = record.get("code_history", [])
    return [
        "# rppg-bench report", "",
        (f"- date (UTC): {record.get('date_utc', '?')}; git: `{record.get('git_revision', '?')}`; "
         f"python {record.get('python', '?')}; wall time {record.get('wall_time_s', float('nan')):.1f} s"
         + (f" ({record['rows_from_cache']} results read from the result cache; `--no-cache` computes them)"
            if record.get("rows_from_cache") else "")),
        f"- command: `{' '.join(record.get('argv', []))}`",
        *([f"- **rows from {len(history)} code versions** (the folder was resumed after an "
           "update; package versions in `settings.json`): "
           + ", ".join(f"git `{c.get('git_revision', '?')}`" for c in history)]
          if len(history) > 1 else []),
        f"- protocol `{proto.get('name', '?')}`: " + ", ".join(f"{k}={v}" for k, v in proto.items() if k != "name"),
        f"- seed: {record.get('seed', '?')}; methods: "
        + ", ".join(f"{m}({', '.join(f'{k}={v}' for k, v in p.items())})" for m, p in record.get("methods", {}).items()),
        "",
    ]


def dataset_section(df: pd.DataFrame, summary: pd.DataFrame, dataset: str, record: dict[str, Any],
                    plots: list[str], compared: dict[str, Any] | None,
                    beats_summary: pd.DataFrame | None = None,
                    conf_summary: pd.DataFrame | None = None) -> list[str]:
    """Markdown lines of one dataset: metric table, HR at the confidence threshold (``conf_summary``: the
    ``summary_table`` of ``CONFIDENCE_METRICS``, when the estimator gives a confidence), optional
    standard errors, paired comparison, CD diagram, HR MAE by condition, beats, HRV and breathing
    (``beats_summary``: the ``summary_table`` of ``BEAT_METRICS``, when the rows have them) and per-video HR."""
    lines = [f"## {dataset}", "", dataset_table(summary, dataset), "", *reference_check_note(df, dataset)]
    if conf_summary is not None and has_confidence(df, dataset):
        lines += confidence_section(conf_summary, df, dataset, record.get("protocol", {}))
    if record.get("protocol", {}).get("standard_errors"):
        lines += ["### HR metrics ± standard error (rPPG-Toolbox formulas)", "", toolbox_table(df, dataset), ""]
    lines += comparison_section(df, dataset, result=compared)
    cd_plot = f"plots/{cd_plot_name(dataset)}"
    if cd_plot in plots:
        lines += [f"![critical-difference diagram, {dataset}]({cd_plot})", ""]
    cond = condition_table(df, dataset)
    if cond:
        lines += ["### HR MAE (bpm) by condition", "", cond, ""]
    if beats_summary is not None and has_beat_metrics(df, dataset):
        lines += beats_section(df, beats_summary, dataset, record.get("protocol", {}))
    return lines + ["### Per-video HR (bpm)", "", video_table(df, dataset), ""]


def summary_markdown(rows: list[dict[str, Any]], record: dict[str, Any], plots: list[str],
                     compared: dict[str, dict[str, Any]] | None = None, tables: SummaryTables | None = None) -> str:
    """The whole ``summary.md`` of result ``rows``, run ``record`` and ``plots`` (paths relative to the
    report folder); ``compared``: ``metrics.compare.compare_datasets`` of the rows and ``tables`` their
    ``summary_tables``, when already computed."""
    df = ok_frame(rows)
    compared = compare_datasets(df) if compared is None and not df.empty else (compared or {})
    tables = tables or summary_tables(df, record.get("seed", 0))
    lines = [*header_lines(record), reading_note(record), ""]
    for dataset in sorted(df["dataset"].unique()) if not df.empty else []:
        lines += dataset_section(df, tables.main, dataset, record, plots, compared.get(dataset), tables.beats,
                                 tables.confidence)
    other = [p for p in plots if not is_cd_plot(p)]
    if other:
        lines += ["## Plots", ""] + [f"![{Path(p).stem}]({p})" for p in other] + [""]
    fails = failures_table(rows)
    if fails:
        lines += ["## Failures", "", fails, ""]
    return "\n".join(lines)
