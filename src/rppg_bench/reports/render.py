"""Tables rendered from result rows: results.csv/json, summary.md and the console summary.

Everything here is computed from the rows (and the run record), never from the
methods, so ``rerender_report`` rebuilds a report without running anything.

A report is a pure function of its inputs, so ``write_report`` keys it by a
hash of the rows, the run record (less the fields that differ between runs of
the same command: date and wall time) and the source of the report code, kept
in ``<out>/.report-inputs.json``. A rerun whose inputs hash the same (e.g. every
row was already in ``rows.jsonl``) leaves the report of the run that made the
rows as it is, instead of drawing every plot and bootstrap interval again;
plots, which depend on the rows only, are kept when only the record changed.
"""

from __future__ import annotations

import hashlib
import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tabulate import tabulate

from ..metrics.stats import bootstrap_ci, toolbox_errors
from .results import ROWS_FILE, _jsonable, latest_rows, read_rows

RULE = "-" * 62
N_BOOT = 2000

#: summary columns: (column, label, direction) with direction -1 = lower is better
SUMMARY_COLUMNS = [
    ("hr_mae", "HR MAE (bpm)", -1),
    ("hr_rmse", "HR RMSE (bpm)", -1),
    ("hr_mape", "HR MAPE (%)", -1),
    ("hr_r", "HR r", 1),
    ("win_hr_mae", "win HR MAE (bpm)", -1),
    ("wave_rmse", "wave RMSE", -1),
    ("wave_mae", "wave MAE", -1),
    ("wave_r", "wave r", 1),
    ("snr_db", "SNR (dB)", 1),
]


def ok_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Successful rows as a DataFrame (empty frame with the key columns when none)."""
    df = pd.DataFrame([{k: v for k, v in r.items() if not k.startswith("_")} for r in rows])
    if df.empty or "status" not in df:
        return pd.DataFrame(columns=["dataset", "video", "method", "subject", "condition"])
    return df[df["status"] == "ok"].reset_index(drop=True)


# Each statistic is in the weighted form of ``bootstrap_ci(..., weighted=True)``: ``w`` (B, N)
# holds how many times each video is in each of B resamples; the point estimate is ``w = 1``.
def _wmean(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    return (w @ x) / w.sum(axis=1)


def _hr_mae(p: np.ndarray, t: np.ndarray, w: np.ndarray) -> np.ndarray:
    return _wmean(np.abs(p - t), w)


def _hr_rmse(p: np.ndarray, t: np.ndarray, w: np.ndarray) -> np.ndarray:
    return np.sqrt(_wmean((p - t) ** 2, w))


def _hr_mape(p: np.ndarray, t: np.ndarray, w: np.ndarray) -> np.ndarray:
    return _wmean(np.abs(p - t) / t, w) * 100


def _hr_r(p: np.ndarray, t: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Pearson r of per-video HR; NaN for fewer than 3 videos or a constant side."""
    n = w.sum(axis=1)
    dp, dt = p[None, :] - _wmean(p, w)[:, None], t[None, :] - _wmean(t, w)[:, None]
    denom = np.sqrt(np.sum(w * dp * dp, axis=1) * np.sum(w * dt * dt, axis=1))
    drawn = w > 0
    constant = ((np.where(drawn, p, -np.inf).max(axis=1) == np.where(drawn, p, np.inf).min(axis=1))
                | (np.where(drawn, t, -np.inf).max(axis=1) == np.where(drawn, t, np.inf).min(axis=1)))
    ok = (n >= 3) & ~constant & (denom > 0)
    return np.where(ok, np.sum(w * dp * dt, axis=1) / np.where(ok, denom, 1.0), np.nan)


#: per-dataset HR statistics of (predicted, true) per-video HR (bpm), weighted form (see above)
HR_STATISTICS = {"hr_mae": _hr_mae, "hr_rmse": _hr_rmse, "hr_mape": _hr_mape, "hr_r": _hr_r}


def hr_statistic(name: str, pred: np.ndarray, true: np.ndarray) -> float:
    """``HR_STATISTICS[name]`` of all the videos once (no resampling)."""
    return float(HR_STATISTICS[name](pred, true, np.ones((1, len(pred))))[0])


def summarise(df: pd.DataFrame, seed: int = 0, n_boot: int = N_BOOT) -> pd.DataFrame:
    """Per (dataset, method): HR MAE/RMSE/MAPE/r of per-video HR with 95 % bootstrap
    intervals (resampling subjects; none with ``n_boot=0``), and the mean of the per-video metrics."""
    out = []
    for (dataset, method), g in df.groupby(["dataset", "method"], sort=True):
        pred, true = g["hr_pred"].to_numpy(float), g["hr_true"].to_numpy(float)
        groups = g["subject"].astype(str).to_numpy() if "subject" in g else None
        row: dict[str, Any] = {"dataset": dataset, "method": method, "n": len(g)}
        for name, stat in HR_STATISTICS.items():
            row[name] = hr_statistic(name, pred, true)
            if len(g) >= 3 and n_boot > 0:
                lo, hi = bootstrap_ci(pred, true, statistic=stat, n_boot=n_boot, seed=seed, groups=groups,
                                      weighted=True)
            else:
                lo, hi = np.nan, np.nan
            row[f"{name}_lo"], row[f"{name}_hi"] = lo, hi
        for col in ("win_hr_mae", "wave_rmse", "wave_mae", "wave_r", "snr_db", "runtime_s", "preprocess_s"):
            row[col] = float(g[col].mean()) if col in g else np.nan
        out.append(row)
    return pd.DataFrame(out)


def _fmt(value: float, lo: float | None = None, hi: float | None = None, digits: int = 2) -> str:
    if value is None or not np.isfinite(value):
        return "n/a"
    text = f"{value:.{digits}f}"
    if lo is not None and hi is not None and np.isfinite(lo) and np.isfinite(hi):
        text += f" [{lo:.{digits}f}, {hi:.{digits}f}]"
    return text


def dataset_table(summary: pd.DataFrame, dataset: str) -> str:
    """Markdown table methods x metrics for one dataset, best value of each column in bold."""
    s = summary[summary["dataset"] == dataset].reset_index(drop=True)
    best = {}
    for col, _, direction in SUMMARY_COLUMNS:
        vals = s[col].to_numpy(float)
        if np.isfinite(vals).any():
            best[col] = np.nanargmin(vals) if direction < 0 else np.nanargmax(vals)
    table = []
    for i, r in s.iterrows():
        line = [r["method"], int(r["n"])]
        for col, _, _ in SUMMARY_COLUMNS:
            digits = 4 if col.startswith(("wave_rmse", "wave_mae")) else 2
            cell = _fmt(r[col], r.get(f"{col}_lo"), r.get(f"{col}_hi"), digits)
            line.append(f"**{cell}**" if best.get(col) == i else cell)
        line.append(f"{r['runtime_s'] * 1000:.0f}")
        table.append(line)
    headers = ["method", "videos", *[label for _, label, _ in SUMMARY_COLUMNS], "time (ms)"]
    return tabulate(table, headers=headers, tablefmt="github")


def condition_table(df: pd.DataFrame, dataset: str) -> str | None:
    """HR MAE (bpm) per method x condition for one dataset, or None with one condition."""
    d = df[df["dataset"] == dataset]
    if "condition" not in d or d["condition"].nunique() < 2:
        return None
    pivot = d.assign(abs_err=(d["hr_pred"] - d["hr_true"]).abs()).pivot_table(
        index="method", columns="condition", values="abs_err", aggfunc="mean")
    return tabulate(pivot.round(2), headers="keys", tablefmt="github")


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


def _p(value: float) -> str:
    if value is None or not np.isfinite(value):
        return "n/a"
    return "<0.001" if value < 0.001 else f"{value:.3f}"


def comparisons(df: pd.DataFrame, alpha: float = 0.05) -> dict[str, dict[str, Any]]:
    """``compare_methods`` of each dataset with at least 2 methods (shared by the summary and the CD plots)."""
    # scipy.stats: imported only when a report is drawn
    from ..metrics.compare import compare_methods

    return {dataset: compare_methods(d, alpha=alpha) for dataset, d in df.groupby("dataset", sort=True)
            if d["method"].nunique() >= 2}


def comparison_section(df: pd.DataFrame, dataset: str, alpha: float = 0.05,
                       result: dict[str, Any] | None = None) -> list[str]:
    """Markdown lines: paired Wilcoxon tests (Holm) and the Friedman / Nemenyi result for one dataset
    (``result``: its ``compare_methods`` at ``alpha`` when already computed)."""
    d = df[df["dataset"] == dataset]
    if d["method"].nunique() < 2:
        return []
    if result is None:
        from ..metrics.compare import compare_methods

        result = compare_methods(d, alpha=alpha)
    pairs, fr = result["pairs"], result["friedman"]
    table = [[r["method_a"], r["method_b"], int(r["n"]), _fmt(r["median_diff"]), _p(r["p"]), _p(r["p_holm"]),
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
                f"chi2 = {_fmt(fr['statistic'])}, p = {_p(fr['p'])} (Iman-Davenport F = "
                f"{_fmt(fr['iman_davenport_f'])}, p = {_p(fr['iman_davenport_p'])}). "
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
        table.append([method, len(g)] + [f"{_fmt(e[k])} ± {_fmt(e[k + '_se'])}" if np.isfinite(e[k]) else "n/a"
                                         for k in ("mae", "rmse", "mape", "pearson")])
    return tabulate(table, headers=["method", "videos", "MAE (bpm)", "RMSE (bpm)", "MAPE (%)", "Pearson r"],
                    tablefmt="github")


def failures_table(rows: list[dict[str, Any]]) -> str | None:
    bad = [r for r in rows if r.get("status") != "ok"]
    if not bad:
        return None
    return tabulate([[r.get("dataset", ""), r.get("video", ""), r.get("method", ""), r.get("error", "")] for r in bad],
                    headers=["dataset", "video", "method", "error"], tablefmt="github")


def cd_plot_name(dataset: str) -> str:
    """File name of ``dataset``'s critical-difference diagram (in ``plots/``)."""
    return "cd_" + re.sub(r"[^A-Za-z0-9_.-]+", "_", str(dataset)) + ".png"


def summary_markdown(rows: list[dict[str, Any]], record: dict[str, Any], plots: list[str],
                     compared: dict[str, dict[str, Any]] | None = None) -> str:
    """The whole ``summary.md`` (``compared``: :func:`comparisons` of the rows, when already computed)."""
    df = ok_frame(rows)
    compared = comparisons(df) if compared is None and not df.empty else (compared or {})
    summary = summarise(df, seed=record.get("seed", 0)) if not df.empty else pd.DataFrame()
    proto = record.get("protocol", {})
    lines = [
        "# rppg-bench report", "",
        (f"- date (UTC): {record.get('date_utc', '?')}; git: `{record.get('git_revision', '?')}`; "
         f"python {record.get('python', '?')}; wall time {record.get('wall_time_s', float('nan')):.1f} s"),
        f"- command: `{' '.join(record.get('argv', []))}`",
        *([f"- **rows from {len(record['code_history'])} code versions** (the folder was resumed after an "
           "update; package versions in `settings.json`): "
           + ", ".join(f"git `{c.get('git_revision', '?')}`" for c in record["code_history"])]
          if len(record.get("code_history", [])) > 1 else []),
        f"- protocol `{proto.get('name', '?')}`: " + ", ".join(f"{k}={v}" for k, v in proto.items() if k != "name"),
        f"- seed: {record.get('seed', '?')}; methods: "
        + ", ".join(f"{m}({', '.join(f'{k}={v}' for k, v in p.items())})" for m, p in record.get("methods", {}).items()),
        "",
        ("HR metrics compare each video's whole-recording heart rate with the truth; brackets are 95 % bootstrap "
         "intervals (resampling subjects). win HR MAE: mean over 10 s windows. wave: [0, 1] waveforms aligned by "
         "timestamps. Best value per column in bold. Paired tests compare methods video by video "
         "(see README, \"How to read the report\")."), "",
    ]
    for dataset in sorted(df["dataset"].unique()) if not df.empty else []:
        lines += [f"## {dataset}", "", dataset_table(summary, dataset), ""]
        if proto.get("standard_errors"):
            lines += ["### HR metrics ± standard error (rPPG-Toolbox formulas)", "", toolbox_table(df, dataset), ""]
        lines += comparison_section(df, dataset, result=compared.get(dataset))
        cd_plot = f"plots/{cd_plot_name(dataset)}"
        if cd_plot in plots:
            lines += [f"![critical-difference diagram, {dataset}]({cd_plot})", ""]
        cond = condition_table(df, dataset)
        if cond:
            lines += ["### HR MAE (bpm) by condition", "", cond, ""]
        lines += ["### Per-video HR (bpm)", "", video_table(df, dataset), ""]
    other = [p for p in plots if not Path(p).stem.startswith("cd_")]
    if other:
        lines += ["## Plots", ""] + [f"![{Path(p).stem}]({p})" for p in other] + [""]
    fails = failures_table(rows)
    if fails:
        lines += ["## Failures", "", fails, ""]
    return "\n".join(lines)


def console_summary(rows: list[dict[str, Any]]) -> str:
    """Per dataset and method: a rule and the mean waveform errors (as the original
    scripts printed), then the heart-rate table."""
    df = ok_frame(rows)
    if df.empty:
        return "No successful results."
    parts = []
    for (dataset, method), g in df.groupby(["dataset", "method"], sort=True):
        parts += [f"\n{dataset} / {method}", RULE, f"Mean RMSE: {g['wave_rmse'].mean():.4f}",
                  f"Mean MAE : {g['wave_mae'].mean():.4f}"]
    summary = summarise(df, n_boot=0)
    table = [[r["dataset"], r["method"], int(r["n"]), _fmt(r["hr_mae"]), _fmt(r["hr_rmse"]), _fmt(r["hr_mape"]),
              _fmt(r["hr_r"]), _fmt(r["win_hr_mae"]), _fmt(r["snr_db"])] for _, r in summary.iterrows()]
    parts += ["", tabulate(table, headers=["dataset", "method", "videos", "HR MAE", "HR RMSE", "MAPE %", "r",
                                           "win MAE", "SNR dB"], tablefmt="simple")]
    return "\n".join(parts)


#: run-record fields that differ between two runs of the same command over the same rows
VOLATILE_RECORD_FIELDS = ("date_utc", "wall_time_s")
INPUTS_FILE = ".report-inputs.json"
REPORT_FILES = ("results.csv", "results.json", "summary.md")


@lru_cache(maxsize=1)
def _report_code_digest() -> str:
    """sha256 of the source of the modules a report is drawn by (a code change redraws it)."""
    here = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for f in (here / "render.py", here / "plots.py", here / "results.py", here.parent / "metrics" / "stats.py",
              here.parent / "metrics" / "compare.py"):
        h.update(f.read_bytes())
    return h.hexdigest()


def _digest(value: Any) -> str:
    text = json.dumps(_jsonable(value), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def report_keys(rows: list[dict[str, Any]], record: dict[str, Any]) -> dict[str, str]:
    """``{"plots": ..., "report": ...}``: hashes of what the plots (the rows) and the
    whole report (rows and record less ``VOLATILE_RECORD_FIELDS``) are drawn from."""
    code = _report_code_digest()
    plots = _digest({"code": code, "rows": rows})
    stable = {k: v for k, v in record.items() if k not in VOLATILE_RECORD_FIELDS}
    return {"plots": plots, "report": _digest({"plots": plots, "record": stable})}


def _read_inputs(out: Path) -> dict[str, Any]:
    try:
        return json.loads((out / INPUTS_FILE).read_text())
    except (OSError, ValueError):
        return {}


def _all_exist(out: Path, files: list[str]) -> bool:
    return all((out / f).is_file() for f in files)


def write_report(out: Path, rows: list[dict[str, Any]], record: dict[str, Any], force: bool = False) -> Path:
    """Write results.csv, results.json, plots/ and summary.md into ``out``; return summary path.

    Unless ``force``, a report whose inputs hash as the one already in ``out``
    is left as it is, and plots drawn from the same rows are not drawn again
    (see the module docstring).
    """
    out = Path(out)
    keys = report_keys(rows, record)
    before = {} if force else _read_inputs(out)
    plots_before = [str(p) for p in before.get("plot_files", [])]
    if before.get("report") == keys["report"] and _all_exist(out, [*REPORT_FILES, *plots_before]):
        return out / "summary.md"
    (out / INPUTS_FILE).unlink(missing_ok=True)  # a rendering cut short leaves no stale key behind
    clean = [{k: v for k, v in r.items() if not k.startswith("_")} for r in rows]
    pd.DataFrame(clean).to_csv(out / "results.csv", index=False)
    (out / "results.json").write_text(json.dumps(_jsonable({"record": record, "rows": clean}), indent=1))
    df = ok_frame(rows)
    compared = comparisons(df) if not df.empty else {}
    if before.get("plots") == keys["plots"] and _all_exist(out, plots_before):
        plots = plots_before
    else:
        from .plots import write_plots  # matplotlib: imported only when plots are drawn

        plots = [str(Path(p).relative_to(out)) for p in write_plots(out / "plots", rows, compared)]
    path = out / "summary.md"
    path.write_text(summary_markdown(rows, record, plots, compared))
    (out / INPUTS_FILE).write_text(json.dumps({**keys, "plot_files": plots}, indent=1))
    return path


def rerender_report(out: Path) -> Path:
    """Rebuild summary.md, results.* and plots of run folder ``out`` from its stored rows."""
    out = Path(out)
    rows = latest_rows(read_rows(out / ROWS_FILE))
    record: dict[str, Any] = {}
    if (out / "results.json").exists():
        record = json.loads((out / "results.json").read_text()).get("record", {})
    if not rows:
        raise ValueError(f"{out}: no result rows ({ROWS_FILE} missing or empty)")
    return write_report(out, rows, record, force=True)
