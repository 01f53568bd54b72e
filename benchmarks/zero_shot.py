"""Zero-shot table of a benchmark run: per dataset and method, whole-video and windowed HR MAE,
SNR and the share of videos within 5 bpm (issue 20's held-out check).

Run the benchmark first, e.g. on a held-out corpus and the synthetic default::

    python -m rppg_bench.datasets.synthetic.corpus --out HELDOUT --n 16 --seed 900 --duration 20 --held-out
    python benchmark.py --datasets ubfc=HELDOUT synthetic --methods pos chrom resnet physnet tscan \\
        efficientphys --param resnet.model=pretrained --out reports/zeroshot
    python benchmarks/zero_shot.py reports/zeroshot

Reads ``results.csv`` only; failed rows count as failures in ``n_failed``
and are left out of the means.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd
from tabulate import tabulate

WITHIN_BPM = 5.0


def zero_shot_table(results: pd.DataFrame, within_bpm: float = WITHIN_BPM) -> pd.DataFrame:
    """One row per (dataset, method): n videos, n failed, HR MAE, windowed HR MAE (bpm), SNR (dB),
    share of videos within ``within_bpm`` (failed videos count as outside)."""
    rows = []
    for (dataset, method), g in results.groupby(["dataset", "method"], sort=True):
        ok = g[g["status"] == "ok"]
        rows.append({"dataset": dataset, "method": method, "n": len(g), "n_failed": len(g) - len(ok),
                     "hr_mae_bpm": ok["hr_abs_error"].mean(), "win_hr_mae_bpm": ok["win_hr_mae"].mean(),
                     "snr_db": ok["snr_db"].mean(),
                     f"within_{within_bpm:g}_bpm": float((ok["hr_abs_error"] <= within_bpm).sum() / len(g))})
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run", type=Path, help="a benchmark output folder (holding results.csv)")
    args = parser.parse_args(argv)
    table = zero_shot_table(pd.read_csv(args.run / "results.csv"))
    print(tabulate(table, headers="keys", tablefmt="github", showindex=False, floatfmt=".2f"))


if __name__ == "__main__":
    main()
