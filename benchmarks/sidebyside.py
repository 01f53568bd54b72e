"""What the benchmark scripts share: timing two pipelines fairly on the same video, writing
their results (``compare_pyvhr.py``, ``compare_toolbox.py``), and running the harness quietly
(``performance.py``, ``landmark_every.py``).

Imported by those scripts (run as ``python benchmarks/<script>.py``, which puts this folder on
``sys.path``).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

# a timed run: () -> (wall seconds, CPU seconds, its output)
TimedRun = Callable[[], "tuple[float, float, Any]"]


@dataclass
class Timing:
    """One side's medians over the repeats on one video, and its last run's output."""

    wall: float     # s
    cpu: float      # s, process CPU time (all threads)
    output: Any


def add_video_args(p: argparse.ArgumentParser) -> None:
    """The options choosing the videos of a comparison (read by :func:`load_videos`)."""
    p.add_argument("--ubfc-root", help="a UBFC-rPPG-layout folder (default: synthetic videos, see --synthetic-*)")
    p.add_argument("--limit", type=int, default=0, help="first N videos only (0: all)")
    p.add_argument("--synthetic-seconds", type=float, default=20.0, help="synthetic videos' length (s)")
    p.add_argument("--synthetic-size", type=int, nargs=2, default=(320, 240), metavar=("W", "H"),
                   help="synthetic videos' frame size (pixels)")
    p.add_argument("--synthetic-easy", type=int, default=4, help="number of easy synthetic videos")
    p.add_argument("--synthetic-hard", type=int, default=4, help="number of hard synthetic recordings")
    p.add_argument("--synthetic-pure", type=int, default=None,
                   help="how many of the hard ones in the PURE layout (images, skipped here; default: the "
                        "generator's, one)")


def load_videos(args: argparse.Namespace) -> list:
    """The recordings to compare, video files only: ``--ubfc-root``'s (a UBFC-rPPG layout) or the
    synthetic set the ``--synthetic-*`` options describe (generated once into the cache; with their
    defaults, the synthetic default); the first ``--limit`` when given."""
    from rppg_bench.datasets.recording import Recording, VideoFile

    if args.ubfc_root:
        from rppg_bench.datasets.ubfc import load_ubfc

        loaded = load_ubfc(args.ubfc_root)
    else:
        from rppg_bench.datasets.synthetic import load_synthetic

        loaded = load_synthetic(n_easy=args.synthetic_easy, n_hard=args.synthetic_hard,
                                duration=args.synthetic_seconds, size=tuple(args.synthetic_size),
                                n_pure=args.synthetic_pure)
    recs = [r for r in loaded if isinstance(r, Recording)]
    videos = [r for r in recs if isinstance(r.source, VideoFile)]
    skipped = [r.name for r in recs if not isinstance(r.source, VideoFile)]
    if skipped:
        print(f"skipped (image sequences: the comparison reads video files through cv2.VideoCapture): "
              f"{', '.join(skipped)}")
    return videos[:args.limit] if args.limit else videos


def cold_cache() -> Path:
    """An empty product-cache folder, made this process's ``$RPPG_CACHE_DIR``: nothing cached before
    is read (check it with :func:`warn_if_written` at the end)."""
    cache = Path(tempfile.mkdtemp(prefix="rppg-compare-cache-"))
    os.environ["RPPG_CACHE_DIR"] = str(cache)
    return cache


def warn_if_written(cache: Path) -> None:
    """Warn on stderr when something wrote to the product cache: the timings would not all be cold."""
    written = [p for p in cache.rglob("*") if p.is_file()]
    if written:
        print(f"WARNING: the product cache was written ({len(written)} files): timings may not be cold",
              file=sys.stderr)


def timed(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    """(wall seconds, process CPU seconds, result) of calling ``fn``."""
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    return time.perf_counter() - t0, time.process_time() - c0, out


def run_harness(argv: list[str], accept: tuple[int, ...] = (0,)) -> float:
    """Wall seconds of ``rppg_bench.cli.main(argv)``, its output swallowed; an exit code not in
    ``accept`` prints the output's tail and stops the script."""
    from rppg_bench.cli import main

    sink = io.StringIO()
    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
        wall, _, rc = timed(lambda: main(argv))
    if rc not in accept:
        print(sink.getvalue()[-3000:], file=sys.stderr)
        raise SystemExit(f"benchmark.main({' '.join(argv)}) returned {rc}")
    return wall


def alternating(repeats: int, first: Callable[[], Any], second: Callable[[], Any],
                turn: int = 0) -> tuple[list[Any], list[Any], int]:
    """Results of ``repeats`` calls of each of ``first`` and ``second``, alternating which goes first
    (``turn`` even: ``first``; it advances by one per repeat and is returned) so that machine drift
    hits both alike."""
    a: list[Any] = []
    b: list[Any] = []
    for _ in range(repeats):
        if turn % 2 == 0:
            a.append(first())
            b.append(second())
        else:
            b.append(second())
            a.append(first())
        turn += 1
    return a, b, turn


def interleaved(repeats: int, turn: int, first: TimedRun, second: TimedRun,
                record: tuple[Speeds, Speeds] | None = None) -> tuple[Timing, Timing, int]:
    """:func:`alternating` timed runs of both sides: their medians and last outputs. The two
    medians are added to ``record`` (first's, second's) when given."""
    runs_a, runs_b, turn = alternating(repeats, first, second, turn)
    a, b = (Timing(statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs), runs[-1][2])
            for runs in (runs_a, runs_b))
    if record:
        record[0].add(a)
        record[1].add(b)
    return a, b, turn


def warm_up(first: Callable[[], Any], second: Callable[[], Any]) -> tuple[float, float]:
    """Wall seconds of one untimed-in-the-table run of each side (imports, JIT, first graphs, page cache)."""
    return timed(first)[0], timed(second)[0]


def timing_row(video: str, method: str, name: str, theirs: Timing, ours: Timing) -> dict:
    """The timing part of one per-video row of ``results.json`` (seconds; ``name``: the other side)."""
    return {"video": video, "method": method, f"{name}_s": theirs.wall, "ours_s": ours.wall,
            f"{name}_cpu_s": theirs.cpu, "ours_cpu_s": ours.cpu, "loadavg_1min": os.getloadavg()[0]}


def timing_text(row: dict, name: str, label: str) -> str:
    """Start of a per-video progress line: video, method, both sides' seconds (``label``: the other
    side's display name, ``name``: its key in ``row``)."""
    return (f"{row['video']:16s} {row['method']:6s} {label} {row[name + '_s']:6.2f} s  "
            f"ours {row['ours_s']:6.2f} s  ")


def write_outputs(out_dir: Path, table: str, results: dict) -> None:
    """``table.md`` (the printed report) and ``results.json`` (every per-video row) in ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "table.md").write_text(table + "\n")
    (out_dir / "results.json").write_text(json.dumps(results, indent=1))
    print(f"\nwrote {out_dir / 'table.md'} and {out_dir / 'results.json'}")


@dataclass
class Speeds:
    """Per-video medians of one side for one table row."""

    seconds: list[float] = field(default_factory=list)       # wall, one per video
    cpu_seconds: list[float] = field(default_factory=list)   # process CPU time (all threads), one per video

    def add(self, t: Timing) -> None:
        self.seconds.append(t.wall)
        self.cpu_seconds.append(t.cpu)


def row_name(method: str, methods: list[str]) -> str:
    """A table row's name: the method, or the all-methods row."""
    return f"all {len(methods)} (one pass each)" if method == "all" else method


def speed_cells(theirs: Speeds, ours: Speeds) -> list[str]:
    """Cells theirs s, ours s, ratio (median per video), theirs CPU s, ours CPU s: means over the
    videos; ratio = theirs / ours."""
    ts, os_ = float(np.mean(theirs.seconds)), float(np.mean(ours.seconds))
    ratio_med = float(np.median(np.asarray(theirs.seconds) / np.asarray(ours.seconds)))
    return [f"{ts:.2f}", f"{os_:.2f}", f"{ts / os_:.2f}x ({ratio_med:.2f}x)",
            f"{np.mean(theirs.cpu_seconds):.2f}", f"{np.mean(ours.cpu_seconds):.2f}"]


def summary_table(rows: list[str], theirs: dict[str, Speeds], ours: dict[str, Speeds], methods: list[str],
                  name: str, accuracy_heads: list[str],
                  accuracy_cells: Callable[[Speeds, Speeds], list[str]]) -> str:
    """Markdown table, one row per method (and the all-methods row): speed of both sides, then the
    accuracy cells that ``accuracy_cells(theirs, ours)`` gives (``-`` on the all-methods row)."""
    heads = ["method", f"{name} s/video", "ours s/video", "speed ratio (median per video)",
             f"{name} CPU s/video", "ours CPU s/video", *accuracy_heads]
    lines = ["| " + " | ".join(heads) + " |", "|" + "---|" * len(heads)]
    for m in rows:
        acc = ["-"] * len(accuracy_heads) if m == "all" else accuracy_cells(theirs[m], ours[m])
        lines.append("| " + " | ".join([row_name(m, methods), *speed_cells(theirs[m], ours[m]), *acc]) + " |")
    return "\n".join(lines)
