"""The default HR estimator against ``harmonic`` on many synthetic videos: issue 24's video check beyond
the 8 videos of the synthetic default.

    python benchmarks/hr_video_sets.py [--seeds 1 2 3 4] [--out DIR] [--methods pos chrom ...]
    python benchmarks/hr_video_sets.py --pool DIR            # the tables again from an earlier --out
    python benchmarks/hr_video_sets.py --extra "--method-band 0.5 6 --wave-in-band" --out DIR

For each seed, one synthetic set of 2 easy and 14 hard (moving) videos of 30 s (``--param
synthetic.seed=S``, 16 videos, the sets of ``landmark_every.py``), scored four times by ``benchmark.py``
with the default protocol: ``--hr-method harmonic`` (the baseline, the estimator before issue 24), the
default (``structured``, the whole-video HR the mean of the tracked windows'), and the default with
``--no-hr-whole-from-windows`` (one ``structured`` estimate over the whole span, the default before
2026-12-07), and the default with ``--no-hr-octave-check`` (no octave check of the tracked paths, the
default before it: docs/hr-estimators.md). Prints, pooled over the seeds, per method the mean whole-video and windowed HR error (bpm)
of each run, then each run's paired difference from ``harmonic`` with a bootstrap interval, a Wilcoxon p
and the videos where it is lower-higher. The face products are cached after the first run (about 1
minute per set cold on 2 cores, seconds warm). ``--extra`` adds ``benchmark.py`` options to every run (e.g.
another method band: docs/hr-estimators.md, "What a method's output leaves the estimator"). Not a test:
pytest does not collect it.
"""

from __future__ import annotations

import argparse
import os
import shlex
import tempfile
from pathlib import Path

import pandas as pd
from machine import header
from paired_runs import finished_everywhere, paired_table, pooled_results
from sidebyside import run_harness

from rppg_bench.methods.registry import CLASSICAL_DEFAULT

RUNS = {"harmonic": ["--hr-method", "harmonic"], "structured": [], "structured, whole span": ["--no-hr-whole-from-windows"],
        "structured, no octave check": ["--no-hr-octave-check"]}
SET = ["synthetic.n_easy=2", "synthetic.n_hard=14", "synthetic.duration=30"]
COLUMNS = (("hr_abs_error", "HR MAE"), ("win_hr_mae", "win MAE"))


def folder_name(label: str) -> str:
    """The sub-folder of a run's label."""
    return label.replace(", ", "-").replace(" ", "-")


def run_seed(seed: int, out: Path, methods: list[str], extra: list[str]) -> None:
    """Every run of :data:`RUNS` on the set of ``seed`` into ``out/<run>``, with the options ``extra``."""
    for label, options in RUNS.items():
        argv = ["--methods", *methods, *options, *extra, "--quiet", "--out", str(out / folder_name(label))]
        for p in (f"synthetic.seed={seed}", *SET):
            argv += ["--param", p]
        wall = run_harness(argv, accept=(0, 1))
        print(f"seed {seed}, {label}: {wall:.1f} s", flush=True)


def means_table(results: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Per method (rows): the videos and each run's mean whole-video and windowed HR error (bpm)."""
    ok, by_method = finished_everywhere(results)
    rows = []
    for method, keys in by_method:
        row: dict[str, object] = {"method": method, "videos": len(keys)}
        for label, frame in ok.items():
            for column, name in COLUMNS:
                row[f"{name} {label}"] = frame.loc[keys, column].mean()
        rows.append(row)
    return pd.DataFrame(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4])
    ap.add_argument("--methods", nargs="+", default=list(CLASSICAL_DEFAULT))
    ap.add_argument("--out", default=None, help="folder for the runs (default: a new temporary folder)")
    ap.add_argument("--pool", type=Path, metavar="DIR", help="run nothing: the tables of an earlier --out")
    ap.add_argument("--extra", default="", metavar="OPTIONS", help="benchmark.py options for every run (one string)")
    a = ap.parse_args()
    out = a.pool or Path(a.out or tempfile.mkdtemp(prefix="rppg-hr-sets-"))
    if a.pool is None:
        os.environ.setdefault("TQDM_DISABLE", "1")
        os.environ.setdefault("GLOG_minloglevel", "2")
        print(header(("rppg-bench", "numpy", "scipy")))
        for seed in a.seeds:
            run_seed(seed, out / f"seed{seed}", a.methods, shlex.split(a.extra))
    folders = sorted(p for p in out.iterdir() if p.is_dir() and p.name.startswith("seed"))
    labels = [folder_name(label) for label in RUNS]
    results = dict(zip(RUNS, pooled_results(folders, labels).values()))
    print(f"\n{len(folders)} sets: {' '.join(f.name for f in folders)} ({out})\n")
    print(means_table(results).to_markdown(index=False, floatfmt=".3f"))
    print("\nPaired over the videos, each run minus harmonic (mean [95 % bootstrap interval], Wilcoxon p, "
          "videos lower-higher):")
    print(paired_table(results, columns=COLUMNS).to_markdown(index=False, floatfmt=".3f"))


if __name__ == "__main__":
    main()
