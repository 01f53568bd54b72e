"""Scaling over cores (issue 22): ``--jobs 1/4/8/16`` and a Dask cluster started by hand, on 16 videos.

    python benchmarks/scaling.py [--videos 16] [--seconds 30] [--jobs 1 4 8 16] [--dask-workers 8]
                                 [--methods pos] [--repeats 1] [--json FILE]

Made for the 16-core machine that is sometimes lent (run it there as it is); it runs anywhere, with
``--jobs`` values above the core count timed too. Generates ``--videos`` synthetic videos of
``--seconds`` s at 640x480 (UBFC layout) in a temporary folder, then times, each as the command a user
runs (a new ``python benchmark.py`` process, so every run pays its imports; products not cached, so
every video is decoded and its face found again):

1. ``--jobs J`` for each J of ``--jobs`` (``--repeats`` rounds, the J in turn; the fastest of each kept);
2. ``--executor dask --scheduler ADDRESS`` against a ``dask scheduler`` and ``--dask-workers`` single-
   threaded ``dask worker`` processes started by hand before the timing (as a user starts a cluster);
   skipped with ``--dask-workers 0`` or without ``dask.distributed``;
3. what bounds the curve: the run's serial part (the same command with every result row cached, into
   a new folder, its plots and paired tests made again: imports, loading, the report), a spawned worker's start (a new Python importing what a
   worker imports: MediaPipe, OpenCV, SciPy, the harness), the time per video at ``--jobs 1``, and the
   speedup the three allow at each J, ``T1 / (serial + start + ceil(n / J) x per video)``: what the machine
   would give if the videos ran side by side as fast as alone.

Prints the machine, each wall time, the speedup over ``--jobs 1``, the parallel efficiency (speedup / J)
and the bound; ``--json`` writes them too. Not a test: pytest does not collect it.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Self, TextIO

from machine import header
from performance import make_videos, run_child

from rppg_bench.reports.render import COMPARISONS_SECTION, PLOTS_SECTION

BENCHMARK = Path(__file__).resolve().parents[1] / "benchmark.py"
#: what a spawned worker imports for its first video of any classical method (executors.iter_results);
#: ICA adds scikit-learn (about 0.5 s more here)
WORKER_IMPORTS = "import cv2, mediapipe, scipy.signal, rppg_bench.runner"


def harness_argv(ubfc: Path, out: Path, methods: list[str], *extra: str) -> list[str]:
    """The user's command on ``ubfc`` into ``out``, quiet."""
    return [sys.executable, str(BENCHMARK), "--datasets", f"ubfc={ubfc}", "--methods", *methods,
            "--out", str(out), "--quiet", *extra]


def timed(argv: list[str], what: str) -> float:
    """Wall seconds of ``argv`` in a new process (stops the script, showing its output, if it fails)."""
    t0 = time.perf_counter()
    run_child(argv, what)
    return time.perf_counter() - t0


def serial_part(ubfc: Path, out: Path, methods: list[str], cache: Path) -> float:
    """Wall seconds of the command into the new folder ``out`` with every result row in ``cache`` but its
    plots and paired comparison removed first: what a cold run does besides the videos (imports, loading,
    computing, drawing and writing the report)."""
    for section in (PLOTS_SECTION, COMPARISONS_SECTION):
        shutil.rmtree(cache / section, ignore_errors=True)
    return timed(harness_argv(ubfc, out, methods, "--cache-dir", str(cache)), "cached rerun")


def worker_start_s(repeats: int) -> float:
    """Fastest of ``repeats`` wall times (s) of a new Python importing :data:`WORKER_IMPORTS`."""
    return min(timed([sys.executable, "-c", WORKER_IMPORTS], "worker imports") for _ in range(max(1, repeats)))


def amdahl_bound(t1: float, serial: float, start: float, n_videos: int, jobs: int) -> float:
    """Largest speedup over ``t1`` (s, ``--jobs 1``) that ``jobs`` slots can give on ``n_videos`` equal videos
    when ``serial`` s of a run cannot overlap and each extra worker first spends ``start`` s starting."""
    per_video = max(t1 - serial, 0.0) / n_videos
    return t1 / (serial + (start if jobs > 1 else 0.0) + math.ceil(n_videos / jobs) * per_video)


class DaskCluster:
    """A ``dask scheduler`` and ``workers`` single-threaded ``dask worker`` processes, started by hand
    (``dask`` command line) in ``folder``; ``address`` once started. Stopped on exit."""

    def __init__(self, folder: Path, workers: int) -> None:
        self.folder, self.workers, self.procs, self.address = folder, workers, [], ""
        self.log: TextIO | None = None

    def __enter__(self) -> Self:
        dask = shutil.which("dask", path=str(Path(sys.executable).parent)) or shutil.which("dask")
        if dask is None:
            raise RuntimeError("the dask command line is not installed (pip install -e .[dask])")
        file = self.folder / "scheduler.json"
        log = self.log = (self.folder / "dask.log").open("w")
        self.procs.append(subprocess.Popen([dask, "scheduler", "--scheduler-file", str(file), "--no-dashboard",
                                            "--host", "127.0.0.1"], stdout=log, stderr=log))
        deadline = time.monotonic() + 60
        while not file.is_file() and time.monotonic() < deadline:
            time.sleep(0.2)
        if not file.is_file():
            raise RuntimeError(f"the dask scheduler did not start; see {self.folder / 'dask.log'}")
        self.procs.append(subprocess.Popen([dask, "worker", "--scheduler-file", str(file), "--nworkers",
                                            str(self.workers), "--nthreads", "1", "--no-dashboard"],
                                           stdout=log, stderr=log))
        self.address = json.loads(file.read_text())["address"]
        from dask.distributed import Client
        with Client(self.address, timeout=60) as client:
            client.wait_for_workers(self.workers, timeout=120)
        return self

    def __exit__(self, *exc: object) -> None:
        for proc in reversed(self.procs):
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        if self.log is not None:
            self.log.close()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--videos", type=int, default=16)
    p.add_argument("--seconds", type=float, default=30.0)
    p.add_argument("--jobs", type=int, nargs="+", default=[1, 4, 8, 16])
    p.add_argument("--dask-workers", type=int, default=8, help="workers of the hand-started cluster (0: no Dask run)")
    p.add_argument("--methods", nargs="+", default=["pos"])
    p.add_argument("--repeats", type=int, default=1, help="rounds over the --jobs values (fastest kept)")
    p.add_argument("--json", type=Path, help="also write the figures here")
    a = p.parse_args()
    jobs = sorted(set(a.jobs) | {1})
    print(header())
    with tempfile.TemporaryDirectory(prefix="rppg_scaling_") as tmpdir:
        tmp = Path(tmpdir)
        t0 = time.perf_counter()
        ubfc, _ = make_videos(tmp / "data", a.videos, a.seconds)
        print(f"{a.videos} videos of {a.seconds:g} s at 640x480 made in {time.perf_counter() - t0:.1f} s; "
              f"methods {' '.join(a.methods)}; {os.cpu_count()} CPUs")
        walls: dict[int, list[float]] = {j: [] for j in jobs}
        for r in range(max(1, a.repeats)):
            for j in jobs:
                out = tmp / f"jobs{j}_{r}"
                walls[j].append(timed(harness_argv(ubfc, out, a.methods, "--no-cache", "--jobs", str(j)), f"--jobs {j}"))
                print(f"  round {r + 1}: --jobs {j:<3d} {walls[j][-1]:8.2f} s", flush=True)
        # the serial part: every row cached (a run with the cache), then the same command into new folders
        # with the plots drawn again, as a cold run draws them
        cache = tmp / "cache"
        timed(harness_argv(ubfc, tmp / "fill", a.methods, "--cache-dir", str(cache)), "filling the cache")
        serial = min(serial_part(ubfc, tmp / f"serial{i}", a.methods, cache) for i in range(3))
        start = worker_start_s(3)
        dask_wall = None
        if a.dask_workers > 0:
            try:
                with DaskCluster(tmp, a.dask_workers) as cluster:
                    dask_wall = timed(harness_argv(ubfc, tmp / "dask", a.methods, "--no-cache", "--executor", "dask",
                                                   "--scheduler", cluster.address), "--executor dask")
            except (ImportError, RuntimeError) as exc:
                print(f"Dask run skipped: {exc}")
    t1 = min(walls[1])
    rows = []
    for j in jobs:
        best = min(walls[j])
        rows.append({"jobs": j, "wall_s": best, "all_s": walls[j], "speedup": t1 / best, "efficiency": t1 / best / j,
                     "bound": amdahl_bound(t1, serial, start, a.videos, j)})
    print(f"\nserial part (rows cached, plots drawn, a new folder) {serial:.2f} s; a worker's start {start:.2f} s; "
          f"per video at --jobs 1 {(t1 - serial) / a.videos:.2f} s")
    print(f"{'run':<22}{'wall (s)':>10}{'speedup':>10}{'efficiency':>12}{'bound':>8}")
    for row in rows:
        print(f"{'--jobs ' + str(row['jobs']):<22}{row['wall_s']:10.2f}{row['speedup']:9.2f}x"
              f"{row['efficiency']:12.2f}{row['bound']:7.2f}x")
    if dask_wall is not None:
        print(f"{f'dask, {a.dask_workers} workers':<22}{dask_wall:10.2f}{t1 / dask_wall:9.2f}x"
              f"{t1 / dask_wall / a.dask_workers:12.2f}"
              f"{amdahl_bound(t1, serial, start, a.videos, a.dask_workers):7.2f}x")
    if a.json:
        a.json.write_text(json.dumps({"machine": header(), "videos": a.videos, "seconds": a.seconds,
                                      "methods": a.methods, "serial_s": serial, "worker_start_s": start,
                                      "jobs": rows, "dask_workers": a.dask_workers, "dask_wall_s": dask_wall},
                                     indent=2))


if __name__ == "__main__":
    main()
