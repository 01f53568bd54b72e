"""Whole-video heart rate from a run's tracked windows, read three ways: the trade behind one cell.

The default protocol's whole-video HR is the mean of the tracked windows' rates, of the prediction
and of the reference alike (``Protocol.hr_whole_from_windows``). This script reads finished runs
(each ``--out`` folder's ``rows.jsonl``, the windows the report keeps in ``_series.win_hr``) and
prints, per run and method, the mean over videos of |whole-video prediction - mean of the
reference's windows| (bpm) with the prediction's windows combined as: their mean (the harness's
reading), their median, and their confidence-weighted mean; beside it the harness's own whole-video
MAE (``hr_abs_error``, whose reference can also pass the reference beat check, so it can differ
from the mean column by a few hundredths)::

    python benchmarks/whole_from_windows.py RUN [RUN ...]     # each run, then pooled

Runs without window confidences (``--hr-method harmonic``) show the harness's MAE only.
docs/hr-estimators.md ("Synthetic default: structured vs harmonic") quotes it. Not a test: pytest
does not collect it.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from tabulate import tabulate

from rppg_bench.metrics.heart_rate import mean_window_rate
from rppg_bench.reports.results import read_rows


def confidence_weighted_mean(hr: np.ndarray, conf: np.ndarray) -> float:
    """Mean of the windows' rates ``hr`` (W,) bpm weighted by their confidences ``conf`` (W,) in [0, 1]
    (the plain mean where every confidence is 0)."""
    return float(np.average(hr, weights=conf)) if conf.sum() > 0 else float(np.mean(hr))


READINGS: dict[str, Callable[[np.ndarray, np.ndarray], float]] = {
    "mean (harness)": lambda hr, conf: mean_window_rate(hr, conf)[0],
    "median": lambda hr, conf: float(np.median(hr)),
    "confidence-weighted mean": confidence_weighted_mean,
}


def whole_video_errors(run: Path) -> pd.DataFrame:
    """One row per finished method-video of ``run``: the harness's |whole-video error| and, where the
    windows carry confidences, each reading's |error| against the reference windows' mean (bpm)."""
    out = []
    for row in read_rows(run / "rows.jsonl"):
        if row.get("status") != "ok" or row.get("hr_abs_error") is None:
            continue
        entry = {"method": row["method"], "harness": row["hr_abs_error"]}
        series = (row.get("_series") or {}).get("win_hr") or {}
        if series.get("conf") is not None:
            hr, true, conf = (np.asarray(series[k], dtype=float) for k in ("pred", "true", "conf"))
            ok = np.isfinite(hr) & np.isfinite(true) & np.isfinite(conf)
            if ok.any():
                for name, read in READINGS.items():
                    entry[name] = abs(read(hr[ok], conf[ok]) - float(np.mean(true[ok])))
        out.append(entry)
    return pd.DataFrame(out)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("runs", nargs="+", type=Path, help="run folders (each with rows.jsonl)")
    args = p.parse_args(argv)
    runs = {str(run): whole_video_errors(run) for run in args.runs}
    if len(runs) > 1:
        runs["pooled"] = pd.concat(runs.values(), ignore_index=True)
    for name, errors in runs.items():
        if errors.empty:
            print(f"{name}: no finished rows\n")
            continue
        table = errors.groupby("method").mean().round(3)
        print(f"{name}: mean |whole-video error| per method (bpm), {len(errors)} method-videos\n")
        print(tabulate(table, headers=["method", *table.columns]))
        print()


if __name__ == "__main__":
    main()
