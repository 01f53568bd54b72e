"""One run's work on recordings: loading them, one task per video, training learned methods on them.

:func:`evaluate_video` is what a worker (a process of the pool, a Dask
worker, or the main process) executes for one :class:`VideoTask`: it runs
every method of the task on the recording and turns each output into a
result row, or a failure row with the reason. Workers unpickle tasks and
this function by their module path, so they live here, importable as
``rppg_bench.runner``.
"""

from __future__ import annotations

import argparse
import inspect
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .datasets.errors import DatasetError, RecordingError
from .datasets.recording import Recording
from .datasets.registry import DATASETS, load_dataset, resolve_root
from .datasets.selection import Where, select_recordings
from .methods.registry import METHODS, create_method
from .metrics.protocol import Protocol
from .reports.results import failed_row
from .row_cache import (
    FROM_CACHE,
    arrays_digest,
    load_entry,
    load_row,
    row_key,
    save_entry,
    save_row,
    thumbnails_key,
)


def parse_dataset_specs(specs: Iterable[str]) -> list[tuple[str, str | None]]:
    """``["pure=/data/PURE", "ubfc"]`` -> ``[("pure", "/data/PURE"), ("ubfc", None)]`` (canonical names)."""
    out = []
    for spec in specs:
        name, _, path = spec.partition("=")
        out.append((DATASETS.canonical(name), path or None))
    return out


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
        labels = {f"label_{name}": value for name, value in rec.labels.items()}
        return {"dataset": rec.dataset, "video": rec.name, "subject": rec.subject, "condition": rec.condition,
                **labels}


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
                      landmark_every=protocol.landmark_every, landmarks=protocol.landmarks)


def video_roi_frames(rec: Recording, face: Any, products: Any) -> list[dict[str, Any]] | None:
    """The report's ROI thumbnails of ``rec`` (:func:`rppg_bench.preprocessing.roi_frames.roi_thumbnails`);
    None when they cannot be made (a picture never fails a video)."""
    from .preprocessing.roi_frames import roi_thumbnails

    try:
        return roi_thumbnails(rec, face, products) or None
    except Exception:  # noqa: BLE001 - the scores do not depend on it
        return None


def cached_row_keys(task: VideoTask, instances: dict[str, Any], fingerprint: str) -> dict[str, str]:
    """Per method of ``instances`` whose row can be cached (not trained inside the run: no ``extras``),
    its :func:`rppg_bench.row_cache.row_key`; none without a cache folder."""
    if task.cache_dir is None:
        return {}
    rec = task.recording
    truth = arrays_digest(rec.frame_times, rec.hr, rec.hr_times, rec.respiration, rec.respiration_times,
                          rec.beat_times)
    protocol, base = task.protocol.as_dict(), task.recording_base()
    return {m: row_key(base=base, fingerprint=fingerprint, truth=truth, method=m, method_class=type(inst),
                       params=task.methods[m], protocol=protocol, face_confidence=task.face_confidence,
                       keep_waveforms=task.keep_waveforms)
            for m, inst in instances.items() if m not in task.extras}


def evaluate_video(task: VideoTask) -> list[dict[str, Any]]:
    """Rows (one per method) for one recording; failures become rows with status ``failed``."""
    from .datasets.recording import recording_fingerprint

    rec = task.recording
    base = task.recording_base()
    rows: list[dict[str, Any]] = []
    instances: dict[str, Any] = {}
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
        face = face_params(instances.values(), task.face_confidence, task.protocol, len(rec.frame_times))
        keys = cached_row_keys(task, instances, fingerprint)
        cached = {m: {**row, FROM_CACHE: True} for m, key in keys.items()
                  if (row := load_row(task.cache_dir, key)) is not None}
        thumbs_key = thumbnails_key(fingerprint, face)
        if len(cached) == len(todo):  # nothing to compute: the products are not even read
            return rows + with_thumbnails([cached[m] for m in todo], load_entry(task.cache_dir, thumbs_key))
        from .preprocessing.store import video_products

        t0 = time.perf_counter()
        products = video_products(rec, face, cache_dir=task.cache_dir)
        preprocess_s = time.perf_counter() - t0
    except Exception as exc:  # the whole video is unusable: every method fails with the reason
        return rows + [failed_row(base, m, exc) for m in todo]
    # the evaluation (scipy.signal) is imported only when a row is computed
    from .metrics.evaluate import (
        aligned_waveforms,
        beat_series,
        check_method_output,
        evaluate_prediction,
        windowed_hr_series,
    )
    from .metrics.series import video_series

    n_frames = len(products.times)
    roi_frames = load_entry(task.cache_dir, thumbs_key)
    if not roi_frames:
        roi_frames = video_roi_frames(rec, face, products)
        if roi_frames:
            save_entry(task.cache_dir, thumbs_key, roi_frames)
    computed: list[dict[str, Any]] = []
    for name, method in instances.items():
        if name in cached:
            computed.append(cached[name])
            continue
        row = {**base, "method": name, **task.extras.get(name, {}), "input_sha256": fingerprint, "n_frames": n_frames,
               "duration_s": float(products.times[-1] - products.times[0]), "preprocess_s": preprocess_s}
        try:
            t0 = time.perf_counter()
            times, signal = method.extract(rec)
            row["runtime_s"] = time.perf_counter() - t0
            check_method_output(times, signal, n_frames)
            try:
                row.update(evaluate_prediction(times, signal, rec.ppg_times, rec.ppg, task.protocol, rec.hr,
                                               rec.hr_times, rec.respiration, rec.respiration_times,
                                               rec.beat_times))
            except ValueError as exc:  # name the ground truth the output could not be scored against
                raise RecordingError(rec.meta.get("ground_truth", rec.path),
                                     f"cannot score {name}'s output against this ground truth: {exc}") from exc
            try:  # the report's per-video plots: a series that cannot be drawn leaves the scores alone
                row["_series"] = video_series(times, signal, rec.ppg_times, rec.ppg, task.protocol, rec.hr, rec.hr_times,
                                              rec.beat_times)
            except (ValueError, ArithmeticError):
                row["_series"] = None
            if task.keep_waveforms:
                t, pred01, ref01, _ = aligned_waveforms(times, signal, rec.ppg_times, rec.ppg, task.protocol)
                row["_waveform"] = {"t": t.tolist(), "pred": pred01.tolist(), "ref": ref01.tolist()}
                row["_win_hr"] = windowed_hr_series(times, signal, rec.ppg_times, rec.ppg, task.protocol,
                                                     rec.hr, rec.hr_times, rec.beat_times)
                if task.protocol.beats is not None:
                    row["_beats"] = beat_series(times, signal, rec.ppg_times, rec.ppg, task.protocol,
                                                rec.respiration, rec.respiration_times, rec.beat_times)
            row.update(status="ok", error="")
            if name in keys:
                save_row(task.cache_dir, keys[name], row)
        except Exception as exc:
            row = {**row, **failed_row(base, name, exc)}
        computed.append(row)
    return rows + with_thumbnails(computed, roi_frames)


def with_thumbnails(rows: list[dict[str, Any]], roi_frames: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """``rows`` of one recording, the first carrying its report thumbnails (``_roi_frames``) if any."""
    if not rows or not roi_frames:
        return rows
    return [{**rows[0], "_roi_frames": roi_frames}, *rows[1:]]


def load_all(specs: list[tuple[str, str | None]], data_root: str | None, params: dict[str, dict[str, Any]],
             seed: int, where: Where | None = None) -> tuple[list[Recording], list[dict[str, Any]], dict[str, Any]]:
    """Recordings of every dataset (those matching ``where``, see ``--where``), failure rows for what
    could not load, and the dataset record."""
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
        selected = select_recordings(loaded.recordings, where or {})
        recordings += selected
        for err in loaded.errors:
            video = (getattr(err, "recording", None) or err.path.name) if isinstance(err, RecordingError) else ""
            failures.append({"dataset": name, "video": video, "method": "", "status": "failed", "error": str(err)})
        record[name] = {"root": str(loaded.root) if loaded.root else None, "params": kwargs,
                        "recordings": [r.name for r in selected],
                        "load_errors": [str(e) for e in loaded.errors]}
        if where:
            record[name]["where"] = {field: list(values) for field, values in where.items()}
    return recordings, failures, record


def build_tasks(recordings: list[Recording], methods: list[str], method_params: dict[str, dict[str, Any]],
                protocol: Protocol, done: set[tuple[str, str, str]], face_confidence: float,
                cache_dir: Path | None) -> list[VideoTask]:
    """One task per recording that has a method not ``done`` yet (keys ``(dataset, video, method)``);
    the first such recording of each dataset keeps its waveforms for the report's example plot."""
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
                               face_confidence, skip, keep, cache_dir, method_sources=sources))
    return tasks


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
