"""Markdown tables of one dataset's results, drawn from the result rows and the metric table.

The numbers come from ``metrics`` (:func:`metrics.table.summary_table`,
``metrics.compare``, ``metrics.hr_stats``); this module formats them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from tabulate import tabulate

from ..metrics.defaults import GROSS_BPM
from ..metrics.hr_stats import toolbox_errors
from ..metrics.table import (
    BEAT_METRICS,
    CONFIDENCE_METRICS,
    REPORT_METRICS,
    Metric,
    best_index,
    hr_statistic_by,
    summary_table,
)


def ok_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Successful rows as a DataFrame (empty frame with the key columns when none)."""
    df = pd.DataFrame([{k: v for k, v in r.items() if not k.startswith("_")} for r in rows])
    if df.empty or "status" not in df:
        return pd.DataFrame(columns=["dataset", "video", "method", "subject", "condition"])
    return df[df["status"] == "ok"].reset_index(drop=True)


@dataclass(frozen=True)
class SummaryTables:
    """A report's ``summary_table`` results, computed once for summary.md and index.html: ``main``
    (``REPORT_METRICS``), ``beats`` (``BEAT_METRICS``; None without beat columns) and ``confidence``
    (``CONFIDENCE_METRICS``; None where the estimator gives no confidence), each one row per (dataset,
    method)."""

    main: pd.DataFrame
    beats: pd.DataFrame | None
    confidence: pd.DataFrame | None


def summary_tables(df: pd.DataFrame, seed: int = 0) -> SummaryTables:
    """:class:`SummaryTables` of the successful result rows ``df`` (``ok_frame``), intervals seeded by ``seed``."""
    return SummaryTables(
        main=summary_table(df, seed=seed) if not df.empty else pd.DataFrame(),
        beats=summary_table(df, BEAT_METRICS, seed=seed) if "ibi_mae_ms" in df else None,
        confidence=summary_table(df, CONFIDENCE_METRICS, seed=seed) if "hr_confidence" in df else None)


def fmt(value: float, lo: float | None = None, hi: float | None = None, digits: int = 2) -> str:
    """``value`` with ``digits`` decimals and its ``[lo, hi]`` interval when both are finite; "n/a" when not finite."""
    if value is None or not np.isfinite(value):
        return "n/a"
    text = f"{value:.{digits}f}"
    if lo is not None and hi is not None and np.isfinite(lo) and np.isfinite(hi):
        text += f" [{lo:.{digits}f}, {hi:.{digits}f}]"
    return text


def metric_cell(row: pd.Series, metric: Metric) -> str:
    """One summary row's ``metric`` as shown: scaled, with its interval when it has one."""
    lo, hi = row.get(f"{metric.key}_lo"), row.get(f"{metric.key}_hi")
    scale = metric.scale
    return fmt(row[metric.key] * scale, None if lo is None else lo * scale, None if hi is None else hi * scale,
               metric.digits)


def dataset_table(summary: pd.DataFrame, dataset: str, metrics: tuple[Metric, ...] = REPORT_METRICS) -> str:
    """Markdown table methods x ``metrics`` for one dataset of ``summary`` (``metrics.table.summary_table``),
    the best value of each column in bold."""
    s = summary[summary["dataset"] == dataset].reset_index(drop=True)
    best = {m.key: best_index(s[m.key].to_numpy(float), m.better) for m in metrics}
    table = []
    for i, r in s.iterrows():
        cells = [metric_cell(r, m) for m in metrics]
        table.append([r["method"], int(r["n"]),
                      *[f"**{c}**" if best[m.key] == i else c for m, c in zip(metrics, cells)]])
    return tabulate(table, headers=["method", "videos", *[m.header for m in metrics]], tablefmt="github")


def condition_table(df: pd.DataFrame, dataset: str) -> str | None:
    """HR MAE (bpm) per method x condition for one dataset, or None with one condition."""
    d = df[df["dataset"] == dataset]
    if "condition" not in d or d["condition"].nunique() < 2:
        return None
    return tabulate(hr_statistic_by(d, "condition", "hr_mae").round(2), headers="keys", tablefmt="github")


def video_table(df: pd.DataFrame, dataset: str) -> str:
    """Per-video HR estimates (bpm): true HR and each method's estimate."""
    d = df[df["dataset"] == dataset]
    pivot = d.pivot_table(index="video", columns="method", values="hr_pred", aggfunc="first")
    truth = d.groupby("video")["hr_true"].first()
    pivot.insert(0, "true HR", truth)
    pivot = pivot.loc[sorted(pivot.index, key=_natural_key)]
    return tabulate(pivot.round(1), headers="keys", tablefmt="github")


def _natural_key(text: str) -> list:
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", str(text))]


def format_p(value: float) -> str:
    """A p-value as shown in the report: three decimals, "<0.001" below that, "n/a" when not finite."""
    if value is None or not np.isfinite(value):
        return "n/a"
    return "<0.001" if value < 0.001 else f"{value:.3f}"


def comparison_section(df: pd.DataFrame, dataset: str, alpha: float = 0.05,
                       result: dict[str, Any] | None = None) -> list[str]:
    """Markdown lines: paired Wilcoxon tests (Holm) and the Friedman / Nemenyi result for one dataset
    (``result``: its ``compare_methods`` at ``alpha`` when already computed)."""
    d = df[df["dataset"] == dataset]
    if d["method"].nunique() < 2:
        return []
    if result is None:
        from ..metrics.compare import compare_methods  # scipy.stats: on first use

        result = compare_methods(d, alpha=alpha)
    pairs, fr = result["pairs"], result["friedman"]
    table = [[r["method_a"], r["method_b"], int(r["n"]), fmt(r["median_diff"]), format_p(r["p"]), format_p(r["p_holm"]),
              "yes" if r["significant"] else "no"] for _, r in pairs.iterrows()]
    lines = ["### Paired comparison of |HR error|", "",
             ("Wilcoxon signed-rank test per pair of methods on the videos both finished; median difference "
              "of absolute HR errors (A - B, bpm; negative: A is closer to the truth); p-values Holm-corrected "
              f"over the {len(pairs)} pair(s); significant at alpha = {alpha:g}."), "",
             tabulate(table, headers=["method A", "method B", "videos", "median diff (bpm)", "p", "Holm p",
                                      "significant"], tablefmt="github", disable_numparse=True), ""]
    if fr["k"] >= 3:
        ranks = ", ".join(f"{m} {r:.2f}" for m, r in sorted(fr["ranks"].items(), key=lambda kv: kv[1]))
        text = (f"Friedman test, {fr['k']} methods on the {fr['n']} video(s) all finished: "
                f"chi2 = {fmt(fr['statistic'])}, p = {format_p(fr['p'])} (Iman-Davenport F = "
                f"{fmt(fr['iman_davenport_f'])}, p = {format_p(fr['iman_davenport_p'])}). "
                f"Average ranks (1 = smallest error): {ranks or 'n/a'}.")
        if np.isfinite(fr["cd"]):
            groups = "; ".join("{" + ", ".join(g) + "}" for g in fr["groups"]) or "none"
            text += (f" Nemenyi critical difference (alpha = {alpha:g}): CD = {fr['cd']:.2f}; groups not "
                     f"significantly different: {groups}.")
        lines += [text, ""]
    return lines


def toolbox_table(df: pd.DataFrame, dataset: str) -> str:
    """HR MAE, RMSE, MAPE and Pearson r of per-video HR with rPPG-Toolbox's standard errors."""
    table = []
    for method, g in df[df["dataset"] == dataset].groupby("method", sort=True):
        e = toolbox_errors(g["hr_pred"].to_numpy(float), g["hr_true"].to_numpy(float))
        table.append([method, len(g)] + [f"{fmt(e[k])} ± {fmt(e[k + '_se'])}" if np.isfinite(e[k]) else "n/a"
                                         for k in ("mae", "rmse", "mape", "pearson")])
    return tabulate(table, headers=["method", "videos", "MAE (bpm)", "RMSE (bpm)", "MAPE (%)", "Pearson r"],
                    tablefmt="github")


def failures_table(rows: list[dict[str, Any]]) -> str | None:
    """Markdown table of the rows that failed (dataset, video, method, error), or None when none did."""
    bad = [r for r in rows if r.get("status") != "ok"]
    if not bad:
        return None
    return tabulate([[r.get("dataset", ""), r.get("video", ""), r.get("method", ""), r.get("error", "")] for r in bad],
                    headers=["dataset", "video", "method", "error"], tablefmt="github")


def has_beat_metrics(df: pd.DataFrame, dataset: str) -> bool:
    """Whether ``dataset``'s rows carry the beat, HRV and breathing columns (not under ``--protocol toolbox``)."""
    return "ibi_mae_ms" in df and bool(df.loc[df["dataset"] == dataset, "beats_ref"].notna().any())


def unscored_table(df: pd.DataFrame, dataset: str, metrics: tuple[Metric, ...] = BEAT_METRICS) -> str | None:
    """Markdown table: for each metric of ``metrics`` that some of ``dataset``'s rows have no value
    for, how many (of all methods' rows) and the most common reason those rows give; None when
    every row has every value."""
    d = df[df["dataset"] == dataset]
    table = []
    for m in metrics:
        values = pd.to_numeric(d[m.column or m.key], errors="coerce") if (m.column or m.key) in d else None
        missing = d.index if values is None else d.index[~np.isfinite(values.to_numpy(float))]
        if len(missing) == 0:
            continue
        reasons = d.loc[missing, m.reason].dropna().astype(str) if m.reason in d else pd.Series(dtype=str)
        kinds = reasons.str.replace(r"\d+(\.\d+)?", "#", regex=True)  # "got 19 s" and "got 29 s" alike
        why = "n/a"
        if len(kinds):
            common = kinds.value_counts().index[0]
            why = f"{reasons[kinds == common].iloc[0]} ({int((kinds == common).sum())} rows like it)"
        table.append([m.header, f"{len(missing)} of {len(d)}", why])
    if not table:
        return None
    return tabulate(table, headers=["metric", "rows without a value", "most common reason"], tablefmt="github",
                    disable_numparse=True)


def beats_section(df: pd.DataFrame, beats_summary: pd.DataFrame, dataset: str,
                  protocol: dict[str, Any]) -> list[str]:
    """Markdown lines of ``dataset``'s "Beats, HRV and breathing" section: the table of
    :data:`BEAT_METRICS` (``beats_summary``: their ``summary_table``), a reading note with the
    protocol's settings, the breathing reference's source and the rows without a value."""
    beats = protocol.get("beats") or {}
    sources = df.loc[df["dataset"] == dataset, "breathing_ref_source"].value_counts()
    lines = ["### Beats, HRV and breathing", "", dataset_table(beats_summary, dataset, BEAT_METRICS), "",
             (f"Beats are systolic peaks of each pulse band-passed to {beats.get('band', '?')} Hz; an estimated "
              f"beat matches a reference beat within ±{beats.get('tolerance_s', '?')} s after a constant shift "
              f"of at most {beats.get('max_offset_s', '?')} s. IBI MAE compares consecutive matched intervals. "
              "HRV columns: mean over videos of |method - reference| of each index, each side's index from its "
              f"own beats (LF/HF needs {beats.get('min_lf_hf_s', '?')} s; a pulse whose beats correlate with "
              f"their average below {beats.get('min_quality', '?')} is too noisy). Breathing rate (breaths/min) "
              f"from the {', '.join(beats.get('breathing_modulations', []) or ['?']).upper()} of the pulse "
              f"(needs {beats.get('min_breathing_s', '?')} s), whole span and "
              f"{beats.get('breathing_window', '?')} s windows; reference: "
              + ", ".join(f"{src} ({n} rows)" for src, n in sources.items()) + "."), ""]
    unscored = unscored_table(df, dataset)
    if unscored:
        lines += ["Rows without a value (each row says why in its `*_reason` column):", "", unscored, ""]
    return lines


def has_confidence(df: pd.DataFrame, dataset: str) -> bool:
    """Whether ``dataset``'s rows carry an HR confidence (an estimator with one, e.g. ``structured``)."""
    return "hr_confidence" in df and bool(
        pd.to_numeric(df.loc[df["dataset"] == dataset, "hr_confidence"], errors="coerce").notna().any())


def confidence_note(protocol: dict[str, Any]) -> str:
    """What the confidence table shows, with the protocol's threshold and estimator."""
    return (f"Estimates whose confidence reaches {protocol.get('hr_min_confidence', '?')} are kept (the "
            f"`{protocol.get('hr_method', '?')}` estimator's confidence: the probability, calibrated on a "
            "signal-level corpus, that the estimate is within 5 bpm; docs/hr-estimators.md). Videos kept: "
            "share of whole-video estimates kept; windows kept: mean share of each video's windows kept; "
            "the MAEs kept are over the kept estimates only, beside those over all; win > "
            f"{GROSS_BPM:g} bpm: mean share of each video's windows (kept, all) more than {GROSS_BPM:g} bpm off.")


#: the kept-but-wrong line names at most this many videos per method (the largest errors)
MAX_NAMED_VIDEOS = 3


def confident_gross_note(df: pd.DataFrame, dataset: str) -> str:
    """A sentence counting ``dataset``'s whole-video estimates kept at the confidence threshold
    (``hr_confident``) although more than ``GROSS_BPM`` from the truth (``hr_abs_error``), per method,
    naming the videos with the largest errors (bpm; at most ``MAX_NAMED_VIDEOS`` per method); "" when
    there is none. A confidence can be high for a clean periodic disturbance read as the pulse
    (docs/hr-estimators.md, "The confidence on video")."""
    if "hr_confident" not in df or "hr_abs_error" not in df:
        return ""
    rows = df[df["dataset"] == dataset]
    rows = rows.assign(_error=pd.to_numeric(rows["hr_abs_error"], errors="coerce"))
    kept = pd.to_numeric(rows["hr_confident"], errors="coerce") > 0
    wrong = rows[kept & (rows["_error"] > GROSS_BPM)].sort_values(["method", "_error", "video"],
                                                                  ascending=[True, False, True])
    if wrong.empty:
        return ""
    parts = []
    for method, group in wrong.groupby("method", sort=True):
        top = group.head(MAX_NAMED_VIDEOS)
        named = ", ".join(f"{video} {err:.1f} bpm" for video, err in zip(top["video"], top["_error"], strict=True))
        parts.append(f"{method} {len(group)} ({'the largest: ' if len(group) > len(top) else ''}{named})")
    return (f"Kept although more than {GROSS_BPM:g} bpm off: {len(wrong)} of {int(kept.sum())} kept "
            f"whole-video estimates ({'; '.join(parts)}). A confident estimate can be a clean periodic "
            "disturbance read as the pulse (docs/hr-estimators.md, \"The confidence on video\").")


def confidence_section(conf_summary: pd.DataFrame, df: pd.DataFrame, dataset: str,
                       protocol: dict[str, Any]) -> list[str]:
    """Markdown lines of ``dataset``'s "HR at a confidence threshold" section: the table of
    :data:`CONFIDENCE_METRICS` (``conf_summary``: their ``summary_table``), its reading note and the
    kept estimates that are grossly wrong (``df``: the result rows, :func:`confident_gross_note`)."""
    gross = confident_gross_note(df, dataset)
    return [f"### HR at confidence >= {protocol.get('hr_min_confidence', '?')}", "",
            dataset_table(conf_summary, dataset, CONFIDENCE_METRICS), "", confidence_note(protocol), "",
            *([gross, ""] if gross else [])]


def reference_check_note(df: pd.DataFrame, dataset: str) -> list[str]:
    """Markdown lines saying on how many of ``dataset``'s videos (and what share of their windows) the
    reference PPG's beats set the true HR (``hr_true_from_beats``, ``win_hr_true_from_beats``); none
    when they set it nowhere."""
    if "hr_true_from_beats" not in df:
        return []
    rows = df[df["dataset"] == dataset].drop_duplicates("video")
    whole = pd.to_numeric(rows["hr_true_from_beats"], errors="coerce").fillna(0.0)
    windows = pd.to_numeric(rows.get("win_hr_true_from_beats", pd.Series(0.0, index=rows.index)),
                            errors="coerce").fillna(0.0)
    if not (whole > 0).any() and not (windows > 0).any():
        return []
    note = (f"True HR from the reference PPG's beats (its spectrum read a harmonic of their rate; "
            f"`ref_beat_check`, docs/hr-estimators.md): {int((whole > 0).sum())} of {len(rows)} videos whole, "
            f"{100.0 * float(windows.mean()):.1f} % of the windows.")
    return [note, ""]
