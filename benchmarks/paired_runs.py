"""Runs of ``benchmark.py`` compared video by video: the rows every run finished, paired differences
from a baseline run with intervals and tests, and earlier ``--out`` folders pooled.

Shared by ``landmark_every.py``, ``nonrigid_track.py`` and ``hr_video_sets.py``. Not a test: pytest does
not collect it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd


def finished_everywhere(results: dict[str, pd.DataFrame]) -> tuple[dict[str, pd.DataFrame], list[tuple[str, pd.Index]]]:
    """The successful rows of each run of ``results``, indexed by (dataset, video, method), and per
    method (sorted) the index keys of the videos every run finished."""
    labels = list(results)
    ok = {k: df[df["status"] == "ok"].set_index(["dataset", "video", "method"]) for k, df in results.items()}
    common = ok[labels[0]].index
    for k in labels[1:]:
        common = common.intersection(ok[k].index)
    methods = sorted(common.get_level_values("method").unique())
    return ok, [(m, common[common.get_level_values("method") == m]) for m in methods]


def paired_table(results: dict[str, pd.DataFrame], n_boot: int = 2000,
                 columns: tuple[tuple[str, str], ...] = (("win_hr_mae", "win MAE"), ("snr_db", "SNR"))) -> pd.DataFrame:
    """Per method and later run (rows), paired over the videos every run finished: the mean difference
    from the baseline (the first run) of each of ``columns`` ((results column, label); by default the
    windowed HR error in bpm and the SNR in dB), with its 95 % percentile-bootstrap interval
    (``metrics.stats.bootstrap_ci``, seed 0), the Wilcoxon signed-rank p
    (``metrics.compare.wilcoxon_signed_rank``; 1.0 where every difference is 0) and the videos where
    the run is lower / higher than the baseline."""
    from rppg_bench.metrics.compare import wilcoxon_signed_rank
    from rppg_bench.metrics.stats import bootstrap_ci

    labels = list(results)
    ok, by_method = finished_everywhere(results)
    rows = []
    for method, keys in by_method:
        for k in labels[1:]:
            row = {"method": method, "run": k, "videos": len(keys)}
            for column, name in columns:
                d = ok[k].loc[keys, column].to_numpy(float) - ok[labels[0]].loc[keys, column].to_numpy(float)
                lo, hi = bootstrap_ci(d, n_boot=n_boot, seed=0)
                p = wilcoxon_signed_rank(d)[1] if np.any(d != 0) else 1.0
                row[f"{name} diff"] = f"{d.mean():+.2f} [{lo:+.2f}, {hi:+.2f}]"
                row[f"{name} p"] = p
                row[f"{name} lower-higher"] = f"{int((d < 0).sum())}-{int((d > 0).sum())}"
            rows.append(row)
    return pd.DataFrame(rows)


def pooled_results(folders: list[Path], labels: list[str]) -> dict[str, pd.DataFrame]:
    """The runs ``labels`` of earlier ``--out`` ``folders`` (each ``FOLDER/<label without '='>/results.csv``),
    one table per label with every folder's rows, their dataset named ``FOLDER:dataset`` so that videos of
    the same name in two folders stay apart."""
    out = {}
    for label in labels:
        frames = []
        for folder in folders:
            path = Path(folder) / label.replace("=", "") / "results.csv"
            if not path.is_file():
                raise SystemExit(f"{path}: missing (run this script with --out {folder} first)")
            df = pd.read_csv(path)
            frames.append(df.assign(dataset=f"{Path(folder).name}:" + df["dataset"].astype(str)))
        out[label] = pd.concat(frames, ignore_index=True)
    return out
