"""Cold run vs cached reruns of the command a user types (issue 22's fast start).

    python benchmarks/rerun.py [--videos 8] [--seconds 30] [--repeats 3] [--jobs 1]

Generates ``--videos`` 640x480 synthetic recordings of ``--seconds`` s (UBFC
layout) in a temporary folder, then, ``--repeats`` times, each as a new
``python benchmark.py`` process with the seven classical methods:

1. cold: an empty cache folder and a new ``--out`` (decoding, FaceMesh, methods,
   metrics, plots);
2. the same command into a new ``--out``: rows, ROI thumbnails and plots come
   from the cache; the tables, summary.md and index.html are written again;
3. the same command into the same ``--out``: every row is there, the report is kept.

Prints every run, min / median / max per kind and the ratios of the medians
(the issue's targets: at least 15x for 2., at least 50x for 3.). Not a test.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from machine import header
from performance import CLASSICAL, make_videos

BENCHMARK = Path(__file__).resolve().parents[1] / "benchmark.py"


def timed_run(ubfc: Path, cache: Path, out: Path, jobs: int) -> float:
    """Wall seconds of ``python benchmark.py`` (seven classical methods) in a new process."""
    argv = [sys.executable, str(BENCHMARK), "--datasets", f"ubfc={ubfc}", "--methods", *CLASSICAL,
            "--cache-dir", str(cache), "--out", str(out), "--jobs", str(jobs), "--quiet"]
    t0 = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        print(proc.stdout[-2000:], proc.stderr[-3000:], file=sys.stderr)
        raise SystemExit(f"benchmark.py returned {proc.returncode}")
    return wall


def spread(values: list[float]) -> str:
    return f"{min(values):.2f} / {statistics.median(values):.2f} / {max(values):.2f} s"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--videos", type=int, default=8)
    p.add_argument("--seconds", type=float, default=30.0)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--jobs", type=int, default=1)
    args = p.parse_args()
    print(header())
    times: dict[str, list[float]] = {"cold": [], "new --out": [], "same --out": []}
    with tempfile.TemporaryDirectory(prefix="rerun-") as tmp_name:
        tmp = Path(tmp_name)
        ubfc, _ = make_videos(tmp / "data", args.videos, args.seconds)
        print(f"{args.videos} videos of {args.seconds:g} s, 640x480, methods {' '.join(CLASSICAL)}, "
              f"--jobs {args.jobs}", flush=True)
        for r in range(args.repeats):
            cache = tmp / f"cache{r}"
            runs = {"cold": tmp / f"cold{r}", "new --out": tmp / f"new{r}", "same --out": tmp / f"new{r}"}
            for kind, out in runs.items():
                times[kind].append(timed_run(ubfc, cache, out, args.jobs))
                print(f"round {r + 1}: {kind:<11} {times[kind][-1]:7.2f} s", flush=True)
    cold = statistics.median(times["cold"])
    print("\nmin / median / max wall time, and cold's median over each kind's:")
    targets = {"new --out": 15.0, "same --out": 50.0}
    for kind, values in times.items():
        ratio = cold / statistics.median(values)
        verdict = "" if kind == "cold" else \
            f"  {ratio:6.1f}x faster (target >= {targets[kind]:g}x: {'met' if ratio >= targets[kind] else 'MISSED'})"
        print(f"{kind:<11} {spread(values)}{verdict}")


if __name__ == "__main__":
    main()
