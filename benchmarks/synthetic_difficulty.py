"""How hard is the synthetic default? HR MAE per method on its easy and hard parts.

    python benchmarks/synthetic_difficulty.py [--work /tmp/rppg-difficulty] [--jobs 2]
        [--methods chrom green ica lgi omit pbv pos] [--seed 0] [--root SET]

Runs the benchmark (``rppg_bench.cli.main``, the same code path as
``python benchmark.py``) on the synthetic dataset with its own cache
(``$RPPG_CACHE_DIR`` set to ``<work>/cache``, so the user's cache is left
alone) and output folder (``<work>/run``, wiped first), then prints, per
method, the HR MAE (bpm) on the easy and the hard recordings, how many
recordings are within 3 bpm and the windowed HR MAE (10 s windows), and the
same for a constant 72 bpm guess; ``--per-video`` adds each recording's error
and the hard recordings' scenarios.
``--root`` evaluates an existing synthetic set folder instead of the cached
default. The set's generation time and size on disk are printed too.
Not a test: pytest does not collect it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from collections import defaultdict
from pathlib import Path

DEFAULT_METHODS = ["chrom", "green", "ica", "lgi", "omit", "pbv", "pos"]
CONSTANT_BPM = 72.0


def generate_in_child(root: Path, seed: int) -> None:
    """Generate the default set at ``root`` in a spawned process: MediaPipe must not run in
    this one, whose process pool forks (a forked MediaPipe crashes)."""
    from rppg_bench.datasets.synthetic import SyntheticParams, ensure_generated
    ensure_generated(root, SyntheticParams(seed=seed))


def folder_size_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6


def mae_table(rows: list[dict]) -> str:
    """Markdown table: per method and condition, HR MAE (bpm), recordings within 3 bpm and the
    windowed HR MAE (10 s windows, bpm)."""
    errors: dict[tuple[str, str], list[float]] = defaultdict(list)
    windowed: dict[tuple[str, str], list[float]] = defaultdict(list)
    truth: dict[tuple[str, str], float] = {}
    failed: dict[str, int] = defaultdict(int)
    for r in rows:
        if r.get("status") != "ok":
            failed[r.get("method", "")] += 1
            continue
        errors[(r["method"], r["condition"])].append(float(r["hr_abs_error"]))
        windowed[(r["method"], r["condition"])].append(float(r["win_hr_mae"]))
        truth[(r["condition"], r["video"])] = float(r["hr_true"])
    conditions = sorted({c for _, c in errors}, key=lambda c: (c != "easy", c))
    methods = sorted({m for m, _ in errors})
    head = "| method | " + " | ".join(f"{c} MAE | {c} <=3 bpm | {c} win MAE" for c in conditions) + " |"
    lines = [head, "|---" * (1 + 3 * len(conditions)) + "|"]

    def cells(errs: list[float], wins: list[float] | None) -> str:
        if not errs:
            return "- | - | -"
        win = f"{sum(wins) / len(wins):.2f}" if wins else "-"
        return f"{sum(errs) / len(errs):.2f} | {sum(e <= 3 for e in errs)}/{len(errs)} | {win}"

    for m in methods:
        lines.append(f"| {m} | " + " | ".join(cells(errors[(m, c)], windowed[(m, c)]) for c in conditions) + " |")
    const = {c: [abs(hr - CONSTANT_BPM) for (cc, _), hr in truth.items() if cc == c] for c in conditions}
    lines.append(f"| const {CONSTANT_BPM:g} | " + " | ".join(cells(const[c], None) for c in conditions) + " |")
    if failed:
        lines.append("\nfailed results: " + ", ".join(f"{m or '(load)'}: {n}" for m, n in failed.items()))
    return "\n".join(lines)


def per_video_table(rows: list[dict], scenarios: dict[str, str]) -> str:
    """Absolute HR error (bpm) per video (rows, in the order of ``scenarios``: video -> scenario)
    and method (columns)."""

    table: dict[str, dict[str, float]] = defaultdict(dict)
    truth: dict[str, float] = {}
    for r in rows:
        if r.get("status") == "ok":
            table[r["video"]][r["method"]] = float(r["hr_abs_error"])
            truth[r["video"]] = float(r["hr_true"])
    methods = sorted({m for v in table.values() for m in v})
    lines = ["| video | scenario | true HR | " + " | ".join(methods) + " |", "|---" * (3 + len(methods)) + "|"]
    order = {name: i for i, name in enumerate(scenarios)}
    for video, errs in sorted(table.items(), key=lambda item: order.get(item[0], len(order))):
        lines.append(f"| {video} | {scenarios.get(video, '') or '-'} | {truth[video]:.1f} | "
                     + " | ".join(f"{errs.get(m, float('nan')):.1f}" for m in methods) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--work", default="/tmp/rppg-difficulty", help="cache and run folder (run/ is wiped)")
    p.add_argument("--methods", nargs="+", default=DEFAULT_METHODS)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--root", help="an existing synthetic set folder to evaluate")
    p.add_argument("--per-video", action="store_true", help="also print the error of every video")
    args = p.parse_args(argv)

    work = Path(args.work)
    os.environ["RPPG_CACHE_DIR"] = str(work / "cache")
    from rppg_bench.cli import main as benchmark_main
    from rppg_bench.datasets.synthetic import SyntheticParams, synthetic_dir
    from rppg_bench.reports.results import latest_rows, read_rows

    if args.root:
        root = Path(args.root)
    else:
        params = SyntheticParams(seed=args.seed)
        root = synthetic_dir(params)
        t0 = time.perf_counter()
        if not (root / "manifest.json").is_file():
            import multiprocessing
            child = multiprocessing.get_context("spawn").Process(target=generate_in_child,
                                                                 args=(root, args.seed))
            child.start()
            child.join()
            if child.exitcode != 0:
                print(f"generating {root} failed (exit code {child.exitcode})", file=sys.stderr)
                return 2
            print(f"generated {root} in {time.perf_counter() - t0:.1f} s (incl. process start)")
    print(f"synthetic set {root}: {folder_size_mb(root):.1f} MB on disk")

    out = work / "run"
    shutil.rmtree(out, ignore_errors=True)
    t0 = time.perf_counter()
    code = benchmark_main(["--datasets", f"synthetic={root}", "--methods", *args.methods,
                           "--out", str(out), "--jobs", str(args.jobs), "--seed", str(args.seed),
                           "--quiet"])
    print(f"benchmark exit code {code} after {time.perf_counter() - t0:.0f} s\n")
    rows = latest_rows(read_rows(out / "rows.jsonl"))
    print("HR MAE (bpm) per method and condition\n")
    print(mae_table(rows))
    if args.per_video:
        manifest = json.loads((root / "manifest.json").read_text())
        scenarios = {e["name"]: e.get("scenario", "") for e in manifest["recordings"]}
        print("\nabsolute HR error (bpm) per video\n")
        print(per_video_table(rows, scenarios))
    return 0 if code in (0, 1) else code


if __name__ == "__main__":
    sys.exit(main())
