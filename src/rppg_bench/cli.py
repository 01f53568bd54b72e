"""rppg-bench command line: run rPPG methods over datasets and write a report.

Examples::

    python benchmark.py                                   # all classical methods on the synthetic default
    python benchmark.py --datasets pure ubfc --methods chrom ica pos --data-root /data
    python benchmark.py --datasets pure=/data/PURE --methods pos --param pos.window=1.6
    python benchmark.py --list                            # datasets and methods with their parameters
    python benchmark.py --report-from reports/run1        # re-render a report without rerunning methods
    python benchmark.py --methods resnet pos              # resnet trained inside the run: 3-fold by subject
    python benchmark.py --datasets ubfc --train-on pure --methods resnet pos   # cross-dataset

Each (dataset, video, method) result is appended to ``<out>/rows.jsonl`` as
soon as it exists; rerunning into the same ``--out`` skips what is done.
A learned method given no weights (``resnet`` without ``--param
resnet.model=CKPT``) is trained inside the run first, subject-wise k-fold
(``--folds``) or on another dataset (``--train-on``); see ``training.py``.
Exit code: 0 when every video finished, 1 when some failed, 2 when nothing ran.
"""

from __future__ import annotations

import argparse
import ast
import inspect
import multiprocessing
import os
import sys
import time
from collections import deque
from concurrent.futures import (
    FIRST_COMPLETED,
    ProcessPoolExecutor,
    ThreadPoolExecutor,
    wait,
)
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable, Iterator

from .datasets.errors import DatasetError, RecordingError
from .datasets.recording import Recording
from .datasets.registry import DATASETS, ROOTLESS, dataset_info, load_dataset, resolve_root
from .methods.registry import CLASSICAL_DEFAULT, METHODS, create_method, method_info
from .metrics.protocol import PROTOCOLS, Protocol, get_protocol
from .reports.results import (ResultStore, claim_settings, code_identity, failed_row, run_record,
                              run_settings)
from .registry import UnknownNameError

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
    p.add_argument("--hr-method", help="HR estimator (harmonic, fft, welch, peaks, autocorr, toolbox_fft)")
    p.add_argument("--max-lag", type=float, help="lag search bound (s) for waveform metrics; 0 = off")
    p.add_argument("--hr-source", choices=["ppg", "dataset"], help="true HR from the ground-truth PPG or the dataset's HR")
    p.add_argument("--face-confidence", type=float, default=0.5, help="MediaPipe min detection confidence")
    p.add_argument("--roi", choices=["mediapipe", "mediapipe_hull", "haar_box"],
                   help="face region (default: the protocol's): forehead and cheek polygons, the whole-face "
                        "hull minus eyes and lips (pyVHR's), or one Haar box (rPPG-Toolbox's)")
    p.add_argument("--landmark-every", type=int, metavar="K",
                   help="run FaceMesh on every K-th frame and interpolate the landmarks between (default 1: "
                        "every frame; 2 or 3 are faster at a cost in accuracy, see README 'Speed')")
    p.add_argument("--cache-dir", metavar="DIR",
                   help="cache of per-video products and synthetic data (default: $RPPG_CACHE_DIR, "
                        "$XDG_CACHE_HOME/rppg-bench or ~/.cache/rppg-bench)")
    p.add_argument("--no-cache", action="store_true", help="do not read or write cached per-video products")
    p.add_argument("--clear-cache", action="store_true", help="delete the cached per-video products, then exit")
    p.add_argument("--folds", type=int, default=3,
                   help="subject-wise folds for learned methods trained inside the run (default: 3)")
    p.add_argument("--train-on", metavar="NAME[=PATH]",
                   help="train learned methods on this dataset and test them on --datasets (cross-dataset)")
    p.add_argument("--seed", type=int, default=0, help="seed for the synthetic data, ICA, folds, training and bootstrap")
    p.add_argument("--list", action="store_true", help="list datasets and methods, then exit")
    p.add_argument("--report-from", metavar="DIR", help="re-render the report of an earlier run folder and exit")
    p.add_argument("--quiet", action="store_true", help="no per-video lines")
    return p


def parse_value(text: str) -> Any:
    """A Python literal when ``text`` is one (1.6, (0.7, 3.0), True), else the string."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def parse_params(items: Iterable[str]) -> dict[str, dict[str, Any]]:
    """``["pos.window=1.6"]`` -> ``{"pos": {"window": 1.6}}`` (owner names canonicalised)."""
    out: dict[str, dict[str, Any]] = {}
    for item in items:
        key, sep, value = item.partition("=")
        owner, dot, name = key.partition(".")
        if not sep or not dot or not owner or not name:
            raise ValueError(f"--param {item!r}: expected NAME.KEY=VALUE, e.g. pos.window=1.6")
        if owner in METHODS:
            owner = METHODS.canonical(owner)
        elif owner in DATASETS:
            owner = DATASETS.canonical(owner)
        else:
            raise ValueError(f"--param {item!r}: {owner!r} is neither a method nor a dataset")
        out.setdefault(owner, {})[name] = parse_value(value)
    return out


def parse_dataset_specs(specs: Iterable[str]) -> list[tuple[str, str | None]]:
    """``["pure=/data/PURE", "ubfc"]`` -> ``[("pure", "/data/PURE"), ("ubfc", None)]`` (canonical names)."""
    out = []
    for spec in specs:
        name, _, path = spec.partition("=")
        out.append((DATASETS.canonical(name), path or None))
    return out


def resolve_cache_dir(path: str | None) -> Path:
    """``--cache-dir`` or the default cache folder. A given folder is exported as
    ``$RPPG_CACHE_DIR`` so the synthetic generator (and worker processes) use it too."""
    from .cache import CACHE_ENV, default_cache_dir

    if not path:
        return default_cache_dir()
    folder = Path(path).expanduser()
    os.environ[CACHE_ENV] = str(folder)
    return folder


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


# ---------------------------------------------------------------- one video
@dataclass
class VideoTask:
    """Everything a worker needs to evaluate one recording with every method."""

    recording: Recording
    methods: dict[str, dict[str, Any]]
    protocol: Protocol
    face_confidence: float = 0.5
    skip: frozenset[str] = field(default_factory=frozenset)
    keep_waveforms: bool = False
    cache_dir: Path | None = None
    extras: dict[str, dict[str, Any]] = field(default_factory=dict)  # per method: fields added to its row
    #: per method, where its class comes from (``METHODS.source``): a worker process registers the
    #: methods it does not know yet from these (plugins registered at run time in the main process)
    method_sources: dict[str, str] = field(default_factory=dict)

    def recording_base(self) -> dict[str, Any]:
        """The fields every row of this recording starts with."""
        rec = self.recording
        return {"dataset": rec.dataset, "video": rec.name, "subject": rec.subject, "condition": rec.condition}


#: the shared face pass keeps a video's face crops only up to this size (bytes); beyond it
#: (e.g. 10 min at 128 px is 885 MB) learned methods crop while scoring, holding one chunk
#: (bounded memory for one more decoding pass)
CROPS_IN_MEMORY_BYTES = 256 * 2**20


def protocol_method_params(method: str, protocol: Protocol, given: dict[str, Any], seed: int) -> dict[str, Any]:
    """Keyword parameters of ``method`` in a run: those ``given`` (``--param``), then the run's ``seed``
    and the protocol's method band and detrend lambda where the method has such a parameter."""
    kw = dict(given)
    known = METHODS.get(method).parameters()
    for key, value in (("seed", seed), ("band", protocol.method_band),
                       ("detrend_lambda", protocol.method_detrend_lambda)):
        if value is not None and key in known:
            kw.setdefault(key, value)  # --param wins
    return kw


def face_params(instances: Iterable[Any], face_confidence: float, protocol: Protocol, n_frames: int = 0):
    """The face-processing parameters one decoding pass needs for all ``instances``: the largest
    crop any asks for, none when ``n_frames`` such crops would exceed :data:`CROPS_IN_MEMORY_BYTES`."""
    from .preprocessing.params import FaceParams

    crop = max((getattr(inst, "required_crop_size", 0) for inst in instances), default=0)
    if n_frames * crop * crop * 3 > CROPS_IN_MEMORY_BYTES:
        crop = 0
    return FaceParams(min_detection_confidence=face_confidence, crop_size=crop, roi=protocol.roi,
                      landmark_every=protocol.landmark_every)


def evaluate_video(task: VideoTask) -> list[dict[str, Any]]:
    """Rows (one per method) for one recording; failures become rows with status ``failed``."""
    from .preprocessing.store import video_products
    from .metrics.evaluate import aligned_waveforms, check_method_output, evaluate_prediction, windowed_hr_series
    from .datasets.recording import recording_fingerprint

    rec = task.recording
    base = task.recording_base()
    rows: list[dict[str, Any]] = []
    instances = {}
    for m in (m for m in task.methods if m not in task.skip):
        try:  # a method this process cannot load fails alone
            if m in task.method_sources:
                METHODS.ensure(m, task.method_sources[m])
            instances[m] = create_method(m, **task.methods[m])
        except Exception as exc:
            rows.append(failed_row(base, m, exc))
    todo = list(instances)
    if not todo:
        return rows
    try:
        fingerprint = recording_fingerprint(rec, task.cache_dir)
        t0 = time.perf_counter()
        face = face_params(instances.values(), task.face_confidence, task.protocol, len(rec.frame_times))
        products = video_products(rec, face, cache_dir=task.cache_dir)
        preprocess_s = time.perf_counter() - t0
    except Exception as exc:  # the whole video is unusable: every method fails with the reason
        return rows + [failed_row(base, m, exc) for m in todo]
    n_frames = len(products.times)
    for name, method in instances.items():
        row = {**base, "method": name, **task.extras.get(name, {}), "input_sha256": fingerprint, "n_frames": n_frames,
               "duration_s": float(products.times[-1] - products.times[0]), "preprocess_s": preprocess_s}
        try:
            t0 = time.perf_counter()
            times, signal = method.extract(rec)
            row["runtime_s"] = time.perf_counter() - t0
            check_method_output(times, signal, n_frames)
            try:
                row.update(evaluate_prediction(times, signal, rec.ppg_times, rec.ppg, task.protocol, rec.hr,
                                               rec.hr_times))
            except ValueError as exc:  # name the ground truth the output could not be scored against
                raise RecordingError(rec.meta.get("ground_truth", rec.path),
                                     f"cannot score {name}'s output against this ground truth: {exc}") from exc
            if task.keep_waveforms:
                t, pred01, ref01, _ = aligned_waveforms(times, signal, rec.ppg_times, rec.ppg, task.protocol)
                row["_waveform"] = {"t": t.tolist(), "pred": pred01.tolist(), "ref": ref01.tolist()}
                row["_win_hr"] = windowed_hr_series(times, signal, rec.ppg_times, rec.ppg, task.protocol)
            row.update(status="ok", error="")
        except Exception as exc:
            row = {**row, **failed_row(base, name, exc)}
        rows.append(row)
    return rows


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


def load_all(specs: list[tuple[str, str | None]], data_root: str | None, params: dict[str, dict[str, Any]],
             seed: int) -> tuple[list[Recording], list[dict[str, Any]], dict[str, Any]]:
    """Recordings of every dataset, failure rows for what could not load, and the dataset record."""
    recordings, failures, record = [], [], {}
    for name, override in specs:
        root = resolve_root(name, data_root, {name: override} if override else None)
        kwargs = dict(params.get(name, {}))
        loader = DATASETS.get(name)
        if "seed" in inspect.signature(loader).parameters:
            kwargs.setdefault("seed", seed)
        try:
            loaded = load_dataset(name, root, **kwargs)
        except DatasetError as exc:
            failures.append({"dataset": name, "video": "", "method": "", "status": "failed", "error": str(exc)})
            record[name] = {"root": str(root) if root else None, "params": kwargs, "error": str(exc)}
            continue
        recordings += loaded.recordings
        for err in loaded.errors:
            video = (getattr(err, "recording", None) or err.path.name) if isinstance(err, RecordingError) else ""
            failures.append({"dataset": name, "video": video, "method": "", "status": "failed", "error": str(err)})
        record[name] = {"root": str(loaded.root) if loaded.root else None, "params": kwargs,
                        "recordings": [r.name for r in loaded.recordings],
                        "load_errors": [str(e) for e in loaded.errors]}
    return recordings, failures, record


def train_learned_methods(tasks: list[VideoTask], recordings: list[Recording], trainable: list[str],
                          method_params: dict[str, dict[str, Any]], args: argparse.Namespace,
                          params: dict[str, dict[str, Any]], out: Path, protocol: Protocol,
                          cache_dir: Path | None) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Train every method in ``trainable`` inside the run and point ``tasks`` at the results.

    k-fold by subject over ``recordings`` (``args.folds``), or one model on
    ``args.train_on``. Each task's parameters for the method become the
    fold's (e.g. its checkpoint) and its rows get a ``fold`` field; when
    training fails (or cannot be planned), the method's rows on the affected
    videos are failure rows (returned) and the task skips it. Returns the
    training record and those rows.
    """
    from .preprocessing.store import video_products
    from .training import cross_dataset_plan, fit_method, kfold_plan, recording_id

    record: dict[str, Any] = {}
    failures: list[dict[str, Any]] = []
    by_id = {recording_id(t.recording): t for t in tasks}
    train_recs: list[Recording] = []
    if args.train_on:
        spec = parse_dataset_specs([args.train_on])
        train_recs, load_failures, _ = load_all(spec, args.data_root, params, args.seed)
        for row in load_failures:
            print(f"LOAD ERROR {row['dataset']} (training set): {row['error']}", file=sys.stderr)

    def log(text: str) -> None:
        print(text, file=sys.stderr)

    instances = [create_method(name, **kw) for name, kw in method_params.items()]
    face = face_params(instances, args.face_confidence, protocol)
    for m in trainable:
        needed = {rid for rid, t in by_id.items() if m not in t.skip}
        params_m = method_params[m]
        try:
            folds = (cross_dataset_plan(train_recs, recordings, f"train-{spec[0][0]}") if args.train_on
                     else kfold_plan(recordings, args.folds, args.seed))
            results = fit_method(m, params_m, folds, out, args.seed, needed,
                                 prepare=lambda rec: video_products(rec, face, cache_dir=cache_dir), log=log)
        except ValueError as exc:
            results, plan_error = [], exc
        else:
            plan_error = RuntimeError(f"{m} was not trained for this video")
        record[m] = {"protocol": "cross-dataset" if args.train_on else "subject-wise k-fold",
                     "k": None if args.train_on else args.folds, "train_on": args.train_on, "seed": args.seed,
                     "folds": [r.record() for r in results]}
        for result in results:
            for rec in result.fold.test:
                task = by_id.get(recording_id(rec))
                if task is None or m in task.skip:
                    continue
                if result.params is None:
                    failures.append(failed_row(task.recording_base(), m, RuntimeError(result.error)))
                    task.skip = task.skip | {m}
                else:
                    task.methods = {**task.methods, m: {**params_m, **result.params}}
                    task.extras = {**task.extras, m: {"fold": result.fold.label}}
        for task in by_id.values():  # never run an untrained learned method
            if m not in task.skip and m not in task.extras:
                failures.append(failed_row(task.recording_base(), m, plan_error))
                task.skip = task.skip | {m}
    if cache_dir is not None and (args.jobs > 1 or args.executor == "dask"):
        for rec in recordings + train_recs:  # workers read the disk cache; do not ship crops to them
            rec.products.clear()
    tasks[:] = [t for t in tasks if set(t.methods) - t.skip]
    return record, failures


def iter_results(tasks: list[VideoTask], jobs: int, executor: str = "local",
                 scheduler: str | None = None) -> Iterator[list[dict[str, Any]]]:
    """Rows of each task as it finishes: in this process, a process pool (``jobs`` > 1)
    or a Dask cluster (``executor="dask"``, one task per video)."""
    if executor == "dask":
        yield from iter_results_dask(tasks, jobs, scheduler)
        return
    if jobs <= 1:
        for task in tasks:
            yield evaluate_video(task)
        return
    # This process evaluates videos too, in a thread (its imports are done; the main thread
    # only waits and hands out videos), next to jobs - 1 worker processes that each start
    # Python and import MediaPipe and SciPy first. Each slot gets its next video when it
    # finishes one, so the load balances. Spawn, not fork: MediaPipe and BLAS threads in
    # the parent make forked workers crash.
    pool = ProcessPoolExecutor(max_workers=jobs - 1, mp_context=multiprocessing.get_context("spawn"))
    local = ThreadPoolExecutor(max_workers=1, thread_name_prefix="video")
    todo, running = deque(tasks), {}

    def hand_out() -> None:
        if todo and "local" not in running.values():
            running[local.submit(evaluate_video, todo.popleft())] = "local"
        while todo and sum(where == "pool" for where in running.values()) < jobs - 1:
            running[pool.submit(evaluate_video, todo.popleft())] = "pool"

    try:
        hand_out()
        while running:
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for fut in done:
                del running[fut]
            hand_out()
            for fut in done:
                yield fut.result()
    finally:  # on Ctrl-C (or any error) the videos not started yet are dropped, not run to the end
        todo.clear()
        pool.shutdown(wait=True, cancel_futures=True)
        local.shutdown(wait=True, cancel_futures=True)


def iter_results_dask(tasks: list[VideoTask], jobs: int, scheduler: str | None) -> Iterator[list[dict[str, Any]]]:
    """Rows of each task from a Dask distributed cluster (``scheduler`` address, or a LocalCluster)."""
    try:
        from dask.distributed import Client, LocalCluster, as_completed as dask_completed
    except ImportError as exc:
        raise ValueError("--executor dask needs dask.distributed: pip install -e .[dask]") from exc
    cluster = None if scheduler else LocalCluster(n_workers=max(jobs, 1), threads_per_worker=1, processes=True,
                                                  dashboard_address=None)
    client = Client(scheduler or cluster)
    try:
        futures = client.map(evaluate_video, tasks, pure=False)
        for fut in dask_completed(futures):
            yield fut.result()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def console_line(row: dict[str, Any]) -> str:
    """``subject1 [chrom]   RMSE=0.0912  MAE=0.0721  (163 ms)`` as the original scripts printed."""
    label = f"{row['video']} [{row['method']}]"
    if row.get("status") != "ok":
        return f"{label:<36} FAILED: {row.get('error', '')}"
    return f"{label:<36} RMSE={row['wave_rmse']:.4f}  MAE={row['wave_mae']:.4f}  ({row['runtime_s'] * 1000:.0f} ms)"


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from .reports.render import console_summary, write_report

    started = time.time()
    protocol = get_protocol(args.protocol).with_overrides(
        hr_method=args.hr_method, max_lag=args.max_lag, hr_source=args.hr_source, roi=args.roi,
        landmark_every=args.landmark_every)
    face_params((), args.face_confidence, protocol)  # fail fast on bad face settings, before any video
    params = parse_params(args.param)
    methods = [METHODS.canonical(m) for m in args.methods]
    method_params, trainable = {}, []
    for m in methods:
        kw = protocol_method_params(m, protocol, params.get(m, {}), args.seed)
        if create_method(m, **kw).needs_training():  # fails fast on bad parameters, before any video
            trainable.append(m)
        method_params[m] = kw
    specs = parse_dataset_specs(args.datasets)
    cache_dir = resolve_cache_dir(args.cache_dir)
    out = Path(args.out) if args.out else Path("reports") / datetime.now().strftime("%Y%m%d-%H%M%S")
    store = ResultStore(out)  # raises a clear error for an unwritable folder

    recordings, load_failures, dataset_record = load_all(specs, args.data_root, params, args.seed)
    settings = run_settings(protocol.as_dict(), methods_settings(method_params, trainable, args),
                            datasets_settings(dataset_record, specs), args.seed, args.face_confidence)
    code = code_identity()
    folder = claim_settings(out, settings, code)  # refuses a folder made with other settings
    for row in load_failures:
        # one row per method for a broken recording, so a rerun after fixing it replaces them
        for m in methods if row["video"] else [row["method"]]:
            store.append({**row, "method": m})
        print(f"LOAD ERROR {row['dataset']}: {row['error']}", file=sys.stderr)
    done = store.done_keys()
    sources = {m: METHODS.source(m) for m in methods}  # where worker processes find each method
    examples: set[str] = set()
    tasks = []
    for rec in recordings:
        skip = frozenset(m for m in methods if (rec.dataset, rec.name, m) in done)
        if len(skip) == len(methods):
            continue
        keep = rec.dataset not in examples
        examples.add(rec.dataset)
        tasks.append(VideoTask(rec, {m: method_params[m] for m in methods}, protocol,
                               args.face_confidence, skip, keep, None if args.no_cache else cache_dir,
                               method_sources=sources))
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
    interrupted = False
    try:
        bar = tqdm(total=len(tasks), desc="videos", unit="video", file=sys.stderr, disable=None)
        for rows in iter_results(tasks, args.jobs, args.executor, args.scheduler):
            for row in rows:
                store.append(row)
                if not args.quiet:
                    tqdm.write(console_line(row))
            bar.update(1)
        bar.close()
    except KeyboardInterrupt:
        interrupted = True
        print(f"\nInterrupted: finished results are in {out}. Resume with the same command plus --out {out}",
              file=sys.stderr)
    record["wall_time_s"] = time.time() - started
    record["interrupted"] = interrupted
    rows = store.rows()
    if not rows:
        print("Nothing ran: no recordings were loaded.", file=sys.stderr)
        return EXIT_NOTHING
    write_report(out, rows, record)
    print(console_summary(rows))
    failed = [r for r in rows if r.get("status") != "ok"]
    print(f"\nReport: {out / 'summary.md'}")
    if failed:
        print(f"{len(failed)} of {len(rows)} results failed; see the Failures section of the report.", file=sys.stderr)
        return EXIT_FAILED
    if interrupted:
        return 130
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.list:
            print(list_registered(args.data_root))
            return EXIT_OK
        if args.clear_cache:
            from .cache import clear_cache

            folder = resolve_cache_dir(args.cache_dir) / "products"
            print(f"Removed {clear_cache(folder) / 1e6:.1f} MB of cached products from {folder}")
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
