"""How far the report's heart-rate confidence can be trusted on video: its calibration over finished runs.

The ``structured`` estimator's confidence was fitted on signal-level traces as the probability of an
error within 5 bpm (docs/hr-estimators.md). This script reads the rows of finished runs (each
``--out`` folder's ``rows.jsonl``) and prints, per run folder and pooled, over whole-video estimates
and over windows (the report's ``_series.win_hr``): the share within 5 bpm of the reference by
confidence bin beside the bin's mean confidence (a calibrated confidence matches the share), the
area under the ROC curve of the confidence for "within 5 bpm" (``sklearn.metrics.roc_auc_score``;
0.5: no better than chance), and the coverage and gross-error rate kept at each threshold, as the
report's "HR at confidence" table filters (``--by FIELD``: also pooled per value of a row field, e.g.
``method`` or a dataset's label such as the synthetic set's ``label_scenario``). Rows without a confidence (``--hr-method harmonic``) and
failed rows are left out::

    python benchmarks/confidence_calibration.py RUN [RUN ...] [--thresholds 0.5 0.7 0.9] [--by method label_scenario]

docs/hr-estimators.md ("The confidence on video") quotes it. Not a test: pytest does not collect it.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score
from tabulate import tabulate

from rppg_bench.metrics.defaults import GROSS_BPM
from rppg_bench.reports.results import read_rows

BINS = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0001)


def estimates(run: Path, fields: tuple[str, ...] = ()) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Whole-video and window estimates (confidence, abs_error, and the row's fields ``fields``, e.g.
    method) of the finished rows of ``run``."""
    videos, windows = [], []
    for row in read_rows(run / "rows.jsonl"):
        conf = row.get("hr_confidence")
        if row.get("status") != "ok" or conf is None or not np.isfinite(conf):
            continue
        keys = {f: row.get(f) for f in ("method", *fields)}
        videos.append({**keys, "confidence": conf, "abs_error": abs(row["hr_error"])})
        series = (row.get("_series") or {}).get("win_hr") or {}
        if series.get("conf") is not None:
            pred, true, wconf = (np.asarray(series[k], dtype=float) for k in ("pred", "true", "conf"))
            ok = np.isfinite(pred) & np.isfinite(true) & np.isfinite(wconf)
            windows.append(pd.DataFrame({**keys, "confidence": wconf[ok],
                                         "abs_error": np.abs(pred - true)[ok]}))
    return pd.DataFrame(videos), (pd.concat(windows, ignore_index=True) if windows else pd.DataFrame())


def calibration(frame: pd.DataFrame) -> pd.DataFrame:
    """Per confidence bin: estimates, mean confidence and share (%) within ``GROSS_BPM``."""
    right = frame.abs_error <= GROSS_BPM
    bins = pd.cut(frame.confidence, BINS, right=False)
    out = pd.DataFrame({"n": frame.groupby(bins, observed=False).size(),
                        "mean confidence": frame.confidence.groupby(bins, observed=False).mean(),
                        "within 5 bpm %": 100 * right.groupby(bins, observed=False).mean()})
    out.index = [f"{b.left:.1f}-{min(b.right, 1.0):.1f}" for b in out.index]
    return out


def summary(frame: pd.DataFrame, thresholds: list[float]) -> dict[str, float]:
    """AUC of the confidence for an error within ``GROSS_BPM``, and coverage / gross % at each threshold."""
    right = (frame.abs_error <= GROSS_BPM).to_numpy()
    auc = roc_auc_score(right, frame.confidence) if 0 < right.sum() < right.size else float("nan")
    out = {"n": len(frame), "gross %": 100 * float(np.mean(~right)), "AUC": auc}
    for t in thresholds:
        kept = frame.confidence.to_numpy() >= t
        out[f"kept % at {t:g}"] = 100 * float(np.mean(kept))
        out[f"gross % kept at {t:g}"] = 100 * float(np.mean(~right[kept])) if kept.any() else float("nan")
    return out


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("runs", nargs="+", type=Path, help="run folders (each with rows.jsonl)")
    p.add_argument("--thresholds", nargs="+", type=float, default=[0.5, 0.7, 0.9])
    p.add_argument("--by", nargs="+", default=[], metavar="FIELD",
                   help="also a line per value of each row field, pooled over the runs (e.g. method, label_scenario)")
    args = p.parse_args(argv)
    pooled: dict[str, list[pd.DataFrame]] = {"videos": [], "windows": []}
    lines = []
    for run in args.runs:
        videos, windows = estimates(run, tuple(args.by))
        for level, frame in (("videos", videos), ("windows", windows)):
            if len(frame):
                pooled[level].append(frame)
                lines.append({"run": str(run), "level": level, **summary(frame, args.thresholds)})
    if not lines:
        raise SystemExit("no rows with a confidence in the runs given")
    for level, frames in pooled.items():
        if frames:
            lines.append({"run": "all", "level": level, **summary(pd.concat(frames), args.thresholds)})
    for field in args.by:
        for level, frames in pooled.items():
            for value, frame in pd.concat(frames).groupby(field) if frames else ():
                lines.append({"run": f"all, {field}={value}", "level": level, **summary(frame, args.thresholds)})
    print(tabulate(pd.DataFrame(lines), headers="keys", tablefmt="github", showindex=False, floatfmt=".2f"))
    for level, frames in pooled.items():
        if frames:
            print(f"\n{level}, all runs: within 5 bpm by confidence\n")
            print(tabulate(calibration(pd.concat(frames)), headers="keys", tablefmt="github", floatfmt=".2f"))


if __name__ == "__main__":
    main()
