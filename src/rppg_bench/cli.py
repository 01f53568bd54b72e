"""rppg-bench command line: run rPPG methods over datasets and write a report.

Examples::

    python benchmark.py                                   # all classical methods on the synthetic default
    python benchmark.py --datasets pure ubfc --methods chrom ica pos --data-root /data
    python benchmark.py --datasets pure=/data/PURE --methods pos --param pos.window=1.6
    python benchmark.py --list                            # datasets and methods with their parameters
    python benchmark.py --report-from reports/run1        # re-render a report without rerunning methods
    python benchmark.py --methods resnet pos              # resnet trained inside the run: 3-fold by subject
    python benchmark.py --datasets ubfc --train-on pure --methods resnet pos   # cross-dataset
    rppg-bench live --camera 0 --methods pos chrom        # the live view (rppg-bench live --help)

Each (dataset, video, method) result is appended to ``<out>/rows.jsonl`` as
soon as it exists; rerunning into the same ``--out`` skips what is done.
A learned method given no weights (``resnet`` without ``--param
resnet.model=CKPT``) is trained inside the run first, subject-wise k-fold
(``--folds``) or on another dataset (``--train-on``); see ``training.py``.
Exit code: 0 when every video finished, 1 when some failed, 2 when nothing ran.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from .cli_params import parse_params, parse_settings
from .datasets.errors import DatasetError
from .datasets.registry import DATASETS, ROOTLESS, dataset_info
from .datasets.selection import parse_where
from .executors import iter_results
from .methods.registry import CLASSICAL_DEFAULT, METHODS, create_method, method_info
from .metrics.protocol import PROTOCOLS, Protocol, get_protocol
from .registry import UnknownNameError
from .reports.results import (
    ResultStore,
    claim_settings,
    code_identity,
    run_record,
    run_settings,
)
from .row_cache import FROM_CACHE
from .runner import (
    VideoTask,
    build_tasks,
    face_params,
    load_all,
    parse_dataset_specs,
    protocol_method_params,
    train_learned_methods,
)

EXIT_OK, EXIT_FAILED, EXIT_NOTHING = 0, 1, 2


# ---------------------------------------------------------------- arguments
def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="benchmark.py", description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n", 1)[1], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--datasets", nargs="+", default=["synthetic"], metavar="NAME[=PATH]",
                   help="datasets by name, optionally with their root (default: synthetic)")
    p.add_argument("--methods", nargs="+", default=list(CLASSICAL_DEFAULT), metavar="NAME",
                   help="methods by name (default: every classical method)")
    p.add_argument("--where", nargs="+", default=[], metavar="FIELD=VALUE[,VALUE]",
                   help="only recordings whose condition labels match, e.g. light=LED-high motion=stationary "
                        "(fields: subject, condition and each dataset's labels)")
    p.add_argument("--data-root", metavar="DIR", help="folder holding one sub-folder per dataset (DIR/pure, DIR/ubfc, ...)")
    p.add_argument("--param", action="append", default=[], metavar="NAME.KEY=VALUE",
                   help="a method or dataset parameter, e.g. pos.window=1.6 or synthetic.duration=10 (repeatable)")
    p.add_argument("--out", metavar="DIR", help="output folder (default: reports/<date-time>); reruns into it resume")
    p.add_argument("--jobs", type=int, default=1, help="videos processed in parallel (process pool)")
    p.add_argument("--executor", choices=["local", "dask"], default="local",
                   help="local process pool, or a Dask distributed cluster (pip install -e .[dask])")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="Dask scheduler address, e.g. tcp://10.0.0.5:8786 (default: a LocalCluster of --jobs workers)")
    p.add_argument("--protocol", default="default", choices=sorted(PROTOCOLS), help="evaluation protocol preset")
    p.add_argument("--hr-method", help="HR estimator (default structured; harmonic (the default before issue 24), "
                                       "fft, welch, peaks, autocorr, toolbox_fft; docs/hr-estimators.md)")
    p.add_argument("--hr-track", action=argparse.BooleanOptionalAction, default=None,
                   help="follow the windowed HR across windows (default: where the estimator gives candidates)")
    p.add_argument("--hr-whole-from-windows", action=argparse.BooleanOptionalAction, default=None,
                   help="the whole-video HR is the mean of the windowed rates (default: where the windows are "
                        "tracked; --no-hr-whole-from-windows reproduces structured runs before 2026-12-07)")
    p.add_argument("--hr-octave-check", action=argparse.BooleanOptionalAction, default=None,
                   help="halve a tracked path that is the pulse's 2nd harmonic (its half-rate band moves with it "
                        "over at least 15 s; default: where the windows are tracked; docs/hr-estimators.md)")
    p.add_argument("--hr-min-confidence", type=float, metavar="C",
                   help="confidence (0-1) an HR estimate needs to be among the report's kept results (default 0.5)")
    p.add_argument("--max-lag", type=float, help="lag search bound (s) for waveform metrics; 0 = off")
    p.add_argument("--hr-source", choices=["ppg", "dataset"], help="true HR from the ground-truth PPG or the dataset's HR")
    p.add_argument("--method-band", nargs=2, type=float, metavar=("LOW", "HIGH"),
                   help="post-processing band (Hz) of every method that has one (default: the protocol's, "
                        "else each method's own, 0.7-3.0 Hz; a wider band keeps the harmonics the HR "
                        "estimator reasons about: docs/hr-estimators.md)")
    p.add_argument("--wave-in-band", action=argparse.BooleanOptionalAction, default=None,
                   help="compare the prediction band-passed to the protocol's HR band, as the reference is, in "
                        "the waveform metrics and the SNR (default: the protocol's)")
    p.add_argument("--ref-beat-check", action=argparse.BooleanOptionalAction, default=None,
                   help="the reference PPG's regular beats overrule its HR estimate where the two are a harmonic "
                        "ratio apart (default: the protocol's, on in default; docs/hr-estimators.md)")
    p.add_argument("--beat-param", action="append", default=[], metavar="KEY=VALUE",
                   help="a setting of the beat, HRV and breathing metrics (metrics.protocol.BeatProtocol), "
                        "e.g. secondary_share=0 (the beat detector before 2026-12-07); repeatable; recorded")
    p.add_argument("--face-confidence", type=float, default=0.5, help="MediaPipe min detection confidence")
    p.add_argument("--roi", choices=["mediapipe", "mediapipe_hull", "haar_box"],
                   help="face region (default: the protocol's): forehead and cheek polygons, the whole-face "
                        "hull minus eyes and lips (pyVHR's), or one Haar box (rPPG-Toolbox's)")
    p.add_argument("--landmark-every", type=int, metavar="K",
                   help="run FaceMesh on every K-th frame and interpolate the landmarks between (K > 1 implies "
                        "--landmarks every; 2 or 3 are faster at a cost in accuracy, see docs/speed.md)")
    p.add_argument("--landmarks", choices=["every", "track"],
                   help="FaceMesh on keyframes with the landmarks between tracked by optical flow (track, the "
                        "default protocol's since 2026-12-07: as accurate, 2-2.7x faster) or on every frame "
                        "(every, the default before; docs/speed.md); --landmark-every K > 1 implies every")
    p.add_argument("--cache-dir", metavar="DIR",
                   help="cache of per-video products and synthetic data (default: $RPPG_CACHE_DIR, "
                        "$XDG_CACHE_HOME/rppg-bench or ~/.cache/rppg-bench)")
    p.add_argument("--no-cache", action="store_true", help="do not read or write cached per-video products")
    p.add_argument("--clear-cache", action="store_true", help="delete the cached per-video products, result rows and plots, then exit")
    p.add_argument("--folds", type=int, default=3,
                   help="subject-wise folds for learned methods trained inside the run (default: 3)")
    p.add_argument("--train-on", metavar="NAME[=PATH]",
                   help="train learned methods on this dataset and test them on --datasets (cross-dataset)")
    p.add_argument("--seed", type=int, default=0, help="seed for the synthetic data, ICA, folds, training and bootstrap")
    p.add_argument("--list", action="store_true", help="list datasets and methods, then exit")
    p.add_argument("--report-from", metavar="DIR", help="re-render the report of an earlier run folder and exit")
    p.add_argument("--quiet", action="store_true", help="no per-video lines")
    p.add_argument("--verbose", action="store_true",
                   help="let MediaPipe's native log lines through (sets $RPPG_VERBOSE=1 for this run and its workers)")
    return p


def resolve_cache_dir(path: str | None) -> Path:
    """``--cache-dir`` or the default cache folder (``main`` exports a given one as ``$RPPG_CACHE_DIR`` for
    the command's duration, so the synthetic generator and worker processes use it too)."""
    from .cache import default_cache_dir

    return Path(path).expanduser() if path else default_cache_dir()


# ---------------------------------------------------------------- listing
def list_registered(data_root: str | None = None) -> str:
    """Datasets (summary, root, parameters) and methods (kind, paper, parameters), as text."""
    w = max(10, *(len(n) for n in (*DATASETS.names(), *METHODS.names())))  # the name column
    lines = ["Datasets:"]
    for name in DATASETS.names():
        try:
            info = dataset_info(name, data_root)
        except Exception as exc:  # a broken plugin must not hide the others
            lines.append(f"  {name:<{w}} (cannot be loaded: {exc})")
            continue
        params = ", ".join(f"{k}={v!r}" for k, v in info["parameters"].items())
        lines.append(f"  {name:<{w}} {info['summary']}")
        lines.append(f"  {'':<{w}} root: {info['root'] or info['root_hint']}")
        lines.append(f"  {'':<{w}} parameters: {params or 'none'}")
    lines.append("\nMethods:")
    for name in METHODS.names():
        try:
            info = method_info(name)
        except Exception as exc:  # a broken plugin must not hide the others
            lines.append(f"  {name:<{w}} (cannot be loaded: {exc})")
            continue
        params = ", ".join(f"{k}={v!r}" for k, v in info["parameters"].items())
        lines.append(f"  {name:<{w}} {info['kind']:<9} {info['paper']}")
        lines.append(f"  {'':<{w}} parameters: {params or 'none'}")
    return "\n".join(lines)


# ---------------------------------------------------------------- the run
def datasets_settings(dataset_record: dict[str, Any], specs: list[tuple[str, str | None]]) -> dict[str, dict[str, Any]]:
    """Per dataset of ``load_all``'s record, what its recordings depend on: its parameters and its root
    folder, unless it is generated (``ROOTLESS``) where the command line gave none (``specs``)."""
    given = {name for name, path in specs if path}
    return {name: {"root": rec.get("root") if name in given or name not in ROOTLESS else None,
                   "params": rec.get("params")} for name, rec in dataset_record.items()}


def methods_settings(method_params: dict[str, dict[str, Any]], trainable: Iterable[str],
                     args: argparse.Namespace) -> dict[str, dict[str, Any]]:
    """Per method, its parameters; for a method trained inside the run also how (folds, training set)."""
    out = {m: dict(kw) for m, kw in method_params.items()}
    for m in trainable:
        out[m]["trained_in_run"] = {"folds": args.folds, "train_on": args.train_on}
    return out


def console_line(row: dict[str, Any]) -> str:
    """``subject1 [chrom]   RMSE=0.0912  MAE=0.0721  (163 ms)`` as the original scripts printed."""
    label = f"{row['video']} [{row['method']}]"
    if row.get("status") != "ok":
        return f"{label:<36} FAILED: {row.get('error', '')}"
    return f"{label:<36} RMSE={row['wave_rmse']:.4f}  MAE={row['wave_mae']:.4f}  ({row['runtime_s'] * 1000:.0f} ms)"


def run_methods(args: argparse.Namespace, protocol: Protocol,
                params: dict[str, dict[str, Any]]) -> tuple[list[str], dict[str, dict[str, Any]], list[str]]:
    """The run's method names (canonical, in ``--methods`` order), each one's keyword parameters and
    those that need training; instantiates each once so bad parameters fail before any video."""
    methods = [METHODS.canonical(m) for m in args.methods]
    method_params, trainable = {}, []
    for m in methods:
        kw = protocol_method_params(m, protocol, params.get(m, {}), args.seed)
        if create_method(m, **kw).needs_training():
            trainable.append(m)
        method_params[m] = kw
    return methods, method_params, trainable


def collect_rows(tasks: list[VideoTask], store: ResultStore, args: argparse.Namespace,
                 out: Path) -> tuple[bool, int]:
    """Append every task's rows to ``store`` as they come (a progress bar, a line per row unless
    ``--quiet``); whether Ctrl-C stopped it early, and how many rows were read from the result cache."""
    from tqdm import tqdm

    from_cache = 0
    try:
        bar = tqdm(total=len(tasks), desc="videos", unit="video", file=sys.stderr, disable=None)
        for rows in iter_results(tasks, args.jobs, args.executor, args.scheduler):
            for row in rows:
                from_cache += bool(row.pop(FROM_CACHE, False))
                store.append(row)
                if not args.quiet:
                    tqdm.write(console_line(row))
            bar.update(1)
        bar.close()
    except KeyboardInterrupt:
        print(f"\nInterrupted: finished results are in {out}. Resume with the same command plus --out {out}",
              file=sys.stderr)
        return True, from_cache
    return False, from_cache


def finish(out: Path, rows: list[dict[str, Any]], record: dict[str, Any], cache_dir: Path | None = None) -> int:
    """Write the report of the folder's ``rows`` (plots reused from ``cache_dir`` where drawn from the
    same rows), print its summary, and return the exit code."""
    from .reports.render import kept_console_summary, write_report

    if not rows:
        print("Nothing ran: no recordings were loaded.", file=sys.stderr)
        return EXIT_NOTHING
    write_report(out, rows, record, cache_dir=cache_dir)
    text = kept_console_summary(out)
    if text is None:  # a report kept from before the summary was kept beside it
        from .reports.console import console_summary

        text = console_summary(rows)
    print(text)
    failed = [r for r in rows if r.get("status") != "ok"]
    print(f"\nReport: {out / 'summary.md'}")
    if failed:
        print(f"{len(failed)} of {len(rows)} results failed; see the Failures section of the report.", file=sys.stderr)
        return EXIT_FAILED
    if record["interrupted"]:
        return 130
    return EXIT_OK


def landmark_mode(landmarks: str | None, landmark_every: int | None) -> str | None:
    """The ``--landmarks`` mode of a run: as given; else ``"every"`` when ``--landmark-every`` asks for
    FaceMesh on every K-th frame (K > 1: interpolated, not tracked); else None (the protocol's)."""
    if landmarks is None and landmark_every is not None and landmark_every > 1:
        return "every"
    return landmarks


def run(args: argparse.Namespace) -> int:
    """Evaluate ``--methods`` on ``--datasets`` into ``--out`` (resuming what is there) and report."""
    started = time.time()
    protocol = get_protocol(args.protocol).with_overrides(
        hr_method=args.hr_method, hr_track=args.hr_track, hr_whole_from_windows=args.hr_whole_from_windows,
        hr_octave_check=args.hr_octave_check,
        hr_min_confidence=args.hr_min_confidence, max_lag=args.max_lag, hr_source=args.hr_source,
        ref_beat_check=args.ref_beat_check, wave_in_band=args.wave_in_band, roi=args.roi,
        method_band=tuple(args.method_band) if args.method_band else None,
        landmark_every=args.landmark_every, landmarks=landmark_mode(args.landmarks, args.landmark_every),
    ).with_beat_settings(parse_settings(args.beat_param, "--beat-param"))
    face_params((), args.face_confidence, protocol)  # fail fast on bad face settings, before any video
    params = parse_params(args.param)
    methods, method_params, trainable = run_methods(args, protocol, params)
    specs = parse_dataset_specs(args.datasets)
    cache_dir = resolve_cache_dir(args.cache_dir)
    out = Path(args.out) if args.out else Path("reports") / datetime.now().strftime("%Y%m%d-%H%M%S")
    store = ResultStore(out)  # raises a clear error for an unwritable folder

    recordings, load_failures, dataset_record = load_all(specs, args.data_root, params, args.seed,
                                                         parse_where(args.where))
    settings = run_settings(protocol.as_dict(), methods_settings(method_params, trainable, args),
                            datasets_settings(dataset_record, specs), args.seed, args.face_confidence)
    code = code_identity()
    folder = claim_settings(out, settings, code)  # refuses a folder made with other settings
    done = store.done_keys()  # the failure rows appended next are not done: one read of rows.jsonl serves both
    note_older_code(out, folder["code"], code, len(done))
    for row in load_failures:
        # one row per method for a broken recording, so a rerun after fixing it replaces them
        for m in methods if row["video"] else [row["method"]]:
            store.append({**row, "method": m})
        print(f"LOAD ERROR {row['dataset']}: {row['error']}", file=sys.stderr)
    tasks = build_tasks(recordings, methods, method_params, protocol, done, args.face_confidence,
                        None if args.no_cache else cache_dir)
    training_record: dict[str, Any] = {}
    if trainable and recordings:
        training_record, train_failures = train_learned_methods(
            tasks, recordings, trainable, method_params, args, params, out, protocol,
            None if args.no_cache else cache_dir)
        for row in train_failures:
            store.append(row)
            print(f"TRAINING ERROR {row['dataset']}/{row['video']} [{row['method']}]: {row['error']}",
                  file=sys.stderr)
    # the folder's methods and datasets: this run's and those of earlier runs into it, whose rows the report shows
    record = run_record(code, argv=sys.argv, protocol=protocol.as_dict(),
                        methods={**folder["methods"], **method_params},
                        datasets={**folder["datasets"], **dataset_record}, seed=args.seed, jobs=args.jobs,
                        executor=args.executor, face_confidence=args.face_confidence,
                        cache=None if args.no_cache else str(cache_dir), training=training_record,
                        **({"code_history": folder["code"]} if len(folder["code"]) > 1 else {}))
    interrupted, record["rows_from_cache"] = collect_rows(tasks, store, args, out)
    record["wall_time_s"] = time.time() - started
    record["interrupted"] = interrupted
    return finish(out, store.rows(), record, None if args.no_cache else cache_dir)


def note_older_code(out: Path, history: list[dict[str, Any]], code: dict[str, Any], kept: int) -> None:
    """Say on stderr when ``out`` resumes with ``kept`` results that other code versions (``history``,
    oldest first, from ``claim_settings``) wrote: they are kept as they are, which after a change of
    the code is rarely what a rerun into the same folder meant."""
    others = [c.get("git_revision") for c in history if c.get("git_revision") != code.get("git_revision")]
    if kept and others:
        print(f"note: {out} already holds {kept} results, made by git {', '.join(map(str, others))}; they are "
              f"kept as they are (now git {code.get('git_revision')}): choose a new --out to recompute them",
              file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["live"]:  # the live view, a command of its own (rppg-bench live --help)
        from .live.cli import main as live_main

        return live_main(argv[1:])
    args = build_parser().parse_args(argv)
    from .cache import CACHE_ENV
    from .native_logs import VERBOSE_ENV

    env = {VERBOSE_ENV: "1"} if args.verbose else {}
    if args.cache_dir:  # the synthetic generator and worker processes use it too
        env[CACHE_ENV] = str(resolve_cache_dir(args.cache_dir))
    with exported(env):
        return dispatch(args)


@contextmanager
def exported(values: Mapping[str, str]) -> Iterator[None]:
    """Within the block the environment holds ``values``; afterwards each variable's earlier value (or
    its absence) is restored, so one command's settings do not leak into the next in the same process."""
    before = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def dispatch(args: argparse.Namespace) -> int:
    """Run the command ``args`` asks for (listing, clearing the cache, re-rendering, or a benchmark run)."""
    try:
        if args.list:
            print(list_registered(args.data_root))
            return EXIT_OK
        if args.clear_cache:
            from .cache import clear_cache
            from .preprocessing.store import PRODUCTS_SECTION
            from .reports.render import PLOTS_SECTION
            from .row_cache import ROWS_SECTION

            folder = resolve_cache_dir(args.cache_dir)  # the generated synthetic data stay
            freed = sum(clear_cache(folder / section) for section in (PRODUCTS_SECTION, ROWS_SECTION, PLOTS_SECTION))
            print(f"Removed {freed / 1e6:.1f} MB of cached products, result rows and plots from {folder}")
            return EXIT_OK
        if args.report_from:
            from .reports.render import rerender_report

            print(f"Report: {rerender_report(Path(args.report_from))}")
            return EXIT_OK
        return run(args)
    except (UnknownNameError, ValueError, TypeError, KeyError, DatasetError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_NOTHING


if __name__ == "__main__":
    sys.exit(main())
