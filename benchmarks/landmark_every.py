"""Accuracy of the sparse face passes: FaceMesh on every K-th frame (``--landmark-every K``) and FaceMesh on
keyframes with optical-flow tracking between (``--landmarks track``), against FaceMesh on every frame.

    python benchmarks/landmark_every.py [--every 1 2 3] [--track] [--methods pos chrom ...] [--out DIR]
                                        [--datasets SPEC ...] [--param NAME.KEY=VALUE ...]
    python benchmarks/landmark_every.py --every 1 --track --pool DIR [DIR ...]   # earlier --out folders together

Runs ``benchmark.py`` once per K (and once with ``--landmarks track``) on the
same videos (cold, ``--no-cache``) and prints, per method and run, the mean
over videos of the whole-video HR error, the windowed HR error (10 s windows,
bpm) and the SNR (dB), and how many videos' windowed error is worse than in
the first run (K = the first of ``--every``, 1 by default), then, paired over
the videos, each run's difference from the first in windowed error and SNR
with a bootstrap interval and a Wilcoxon p. By default the
videos are a synthetic set other than the harness's default one:
``--param synthetic.seed=1`` with 2 easy and 14 hard (moving) videos of 30 s,
320x240. Wall times of each run are printed too (the speed figures proper
come from ``performance.py``). Not a test: pytest does not collect it.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

import pandas as pd
from machine import header
from paired_runs import finished_everywhere, paired_table, pooled_results
from sidebyside import run_harness

from rppg_bench.methods.registry import CLASSICAL_DEFAULT

DEFAULT_SET = ["synthetic.seed=1", "synthetic.n_easy=2", "synthetic.n_hard=14", "synthetic.duration=30"]


def run_once(face: list[str], out: Path, datasets: list[str], methods: list[str], params: list[str]
             ) -> tuple[pd.DataFrame, float]:
    """(the run's results.csv rows, wall seconds) of ``benchmark.main`` with the face options ``face``
    (e.g. ``--landmark-every 2``; a run where some videos failed counts: their rows say so)."""
    argv = ["--datasets", *datasets, "--methods", *methods, *face, "--no-cache", "--quiet", "--out", str(out)]
    for p in params:
        argv += ["--param", p]
    wall = run_harness(argv, accept=(0, 1))
    return pd.read_csv(out / "results.csv"), wall


def comparison_table(results: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Per method (rows) and run (column groups, labelled by the keys of ``results``, the first the
    baseline): mean HR error, windowed HR error (bpm), SNR (dB) over the videos every run finished,
    and the number of videos whose windowed error exceeds the baseline's."""
    labels = list(results)
    ok, by_method = finished_everywhere(results)
    rows = []
    for method, keys in by_method:
        row = {"method": method, "videos": len(keys)}
        first = ok[labels[0]].loc[keys]
        for k in labels:
            df = ok[k].loc[keys]
            row[f"HR MAE {k}"] = df["hr_abs_error"].mean()
            row[f"win MAE {k}"] = df["win_hr_mae"].mean()
            row[f"SNR {k}"] = df["snr_db"].mean()
            if k != labels[0]:
                row[f"worse {k}"] = int((df["win_hr_mae"].to_numpy() > first["win_hr_mae"].to_numpy()).sum())
        rows.append(row)
    return pd.DataFrame(rows)


def face_runs(every: list[int], track: bool) -> dict[str, list[str]]:
    """The runs to compare: label -> face options of ``benchmark.py``."""
    runs = {f"k={k}": ["--landmark-every", str(k)] for k in every}
    if track:
        runs["track"] = ["--landmarks", "track"]
    return runs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--every", type=int, nargs="+", default=[1, 2, 3], help="values of --landmark-every")
    ap.add_argument("--track", action="store_true", help="also run with --landmarks track")
    ap.add_argument("--methods", nargs="+", default=list(CLASSICAL_DEFAULT))
    ap.add_argument("--datasets", nargs="+", default=["synthetic"])
    ap.add_argument("--param", action="append", default=None,
                    help=f"dataset or method parameter (default: {' '.join(DEFAULT_SET)})")
    ap.add_argument("--out", default=None, help="folder for the runs (default: a new temporary folder)")
    ap.add_argument("--pool", nargs="+", type=Path, metavar="DIR",
                    help="run nothing: pool the runs of earlier --out folders (the same --every and --track) "
                         "and print the tables over all their videos")
    a = ap.parse_args()
    if a.pool:
        results = pooled_results(a.pool, list(face_runs(a.every, a.track)))
        print(f"pooled: {' '.join(str(f) for f in a.pool)}")
        print_tables(results)
        return
    os.environ.setdefault("TQDM_DISABLE", "1")
    os.environ.setdefault("GLOG_minloglevel", "2")
    params = DEFAULT_SET if a.param is None else a.param
    print(header(("rppg-bench", "numpy", "mediapipe", "opencv-contrib-python")))
    print(f"datasets: {' '.join(a.datasets)}; parameters: {' '.join(params)}; methods: {' '.join(a.methods)}")
    out = Path(a.out) if a.out else Path(tempfile.mkdtemp(prefix="rppg-every-"))
    results = {}
    for label, face in face_runs(a.every, a.track).items():
        folder = out / label.replace("=", "")
        results[label], wall = run_once(face, folder, a.datasets, a.methods, params)
        print(f"{' '.join(face)}: {wall:.1f} s wall, {len(results[label])} rows -> {folder}", flush=True)
    print_tables(results)


def print_tables(results: dict[str, pd.DataFrame]) -> None:
    """Print :func:`comparison_table` and :func:`paired_table` of ``results`` (markdown)."""
    print()
    print(comparison_table(results).to_markdown(index=False, floatfmt=".2f"))
    print()
    print(f"Paired over the videos, each run minus {next(iter(results))} (mean [95 % bootstrap interval], Wilcoxon p):")
    print(paired_table(results).to_markdown(index=False, floatfmt=".2f"))


if __name__ == "__main__":
    main()
