"""Training learned methods inside a benchmark run, so no video is scored by a model that saw its subject.

When a method says it ``needs_training()`` (e.g. ``resnet`` without
``--param resnet.model=CKPT``), the runner trains it here before scoring:

- **Subject-wise k-fold** (default, ``--folds 3`` as in the original
  results): the subjects of every evaluated dataset (:func:`subject_key`:
  dataset + subject id) are shuffled with the run's seed and dealt into ``k``
  groups; fold ``i`` trains on the other groups and scores group ``i``.
- **Cross-dataset** (``--train-on pure``): one model trained on every
  recording of the training dataset scores every evaluated video; a subject
  in both is refused.

Each fold's files go to ``<out>/models/<method>/<fold>/`` with a
``fitted.json`` recording what it was trained on; a rerun into the same
``--out`` reuses a fold whose training recordings, parameters and seed are
unchanged (and skips a fold whose test videos are all scored already).
"""

from __future__ import annotations

import json
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .cache import write_text_atomic
from .datasets.recording import Recording
from .datasets.splits import subject_folds, subject_key
from .methods.registry import create_method

#: name of the file that records one fold's training
FITTED_FILE = "fitted.json"


@dataclass(frozen=True)
class Fold:
    """One training run: ``label`` ("fold1of3", "train-pure"), training and test recordings."""

    label: str
    train: tuple[Recording, ...]
    test: tuple[Recording, ...]


@dataclass
class FoldResult:
    """What training one fold gave: parameters for the test videos, or the error that stopped it."""

    fold: Fold
    params: dict[str, Any] | None
    error: str = ""
    reused: bool = False
    seconds: float = 0.0

    def record(self) -> dict[str, Any]:
        """JSON-ready summary for the results record."""
        return {"fold": self.fold.label, "params": self.params, "error": self.error, "reused": self.reused,
                "train_seconds": round(self.seconds, 1),
                "train_subjects": sorted({subject_key(r) for r in self.fold.train}),
                "test_subjects": sorted({subject_key(r) for r in self.fold.test}),
                "train_recordings": [recording_id(r) for r in self.fold.train]}


def recording_id(rec: Recording) -> str:
    """``"<dataset>/<name>"``: unique within a run."""
    return f"{rec.dataset}/{rec.name}"


def kfold_plan(recordings: Sequence[Recording], k: int = 3, seed: int = 0) -> list[Fold]:
    """Subject-wise k-fold over ``recordings`` (ValueError with fewer than ``k`` subjects)."""
    return [Fold(f"fold{i + 1}of{k}", tuple(train), tuple(test))
            for i, (train, test) in enumerate(subject_folds(recordings, k=k, seed=seed))]


def cross_dataset_plan(train: Sequence[Recording], test: Sequence[Recording], label: str) -> list[Fold]:
    """One fold training on ``train`` and testing on ``test``.

    Raises ``ValueError`` when there is nothing to train on or a subject is on both sides.
    """
    if not train:
        raise ValueError(f"{label}: no training recordings were loaded")
    shared = sorted({subject_key(r) for r in train} & {subject_key(r) for r in test})
    if shared:
        raise ValueError(f"{label}: subjects {shared[:5]} are both trained on and tested; "
                         f"use k-fold (omit --train-on) or leave their dataset out of --datasets")
    return [Fold(label, tuple(train), tuple(test))]


def read_fitted(folder: Path) -> dict[str, Any] | None:
    """The ``fitted.json`` of a fold folder, or None when missing or unreadable."""
    try:
        return json.loads((folder / FITTED_FILE).read_text())
    except (OSError, ValueError):
        return None


def write_fitted(folder: Path, content: dict[str, Any]) -> None:
    """Write ``fitted.json`` atomically (it appears only once training has finished)."""
    write_text_atomic(folder / FITTED_FILE, json.dumps(content, indent=1, sort_keys=True))


def fold_identity(method: str, params: dict[str, Any], fold: Fold, seed: int) -> dict[str, Any]:
    """What makes two trainings of a fold the same: method, parameters, seed and training recordings."""
    return {"method": method, "params": params, "seed": seed, "train": [recording_id(r) for r in fold.train]}


def reuse_fold(method: str, params: dict[str, Any], fold: Fold, folder: Path, seed: int) -> FoldResult | None:
    """The result of an identical earlier training in ``folder``, or None."""
    earlier = read_fitted(folder)
    if earlier is None or earlier.get("identity") != fold_identity(method, params, fold, seed):
        return None
    return FoldResult(fold, earlier["fitted"], reused=True, seconds=earlier.get("seconds", 0.0))


def fit_fold(method: str, params: dict[str, Any], fold: Fold, folder: Path, seed: int,
             prepare: Callable[[Recording], Any] | None = None) -> FoldResult:
    """Train ``method`` (with ``params``) on ``fold.train`` into ``folder``, or reuse an identical earlier run.

    ``prepare`` runs on each training recording first (e.g. computing and
    caching the face crops the test run will reuse). A failure is returned
    in ``FoldResult.error``, never raised: the other folds still run.
    """
    earlier = reuse_fold(method, params, fold, folder, seed)
    if earlier is not None:
        return earlier
    identity = fold_identity(method, params, fold, seed)
    t0 = time.perf_counter()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for rec in fold.train if prepare else ():
            prepare(rec)
        fitted = create_method(method, **params).fit(list(fold.train), folder, seed)
    except Exception as exc:  # noqa: BLE001 - reported on the fold's test rows
        detail = traceback.format_exception_only(type(exc), exc)[-1].strip()
        return FoldResult(fold, None, error=f"training {method} for {fold.label} failed: {detail}",
                          seconds=time.perf_counter() - t0)
    seconds = time.perf_counter() - t0
    write_fitted(folder, {"identity": identity, "fitted": fitted, "seconds": seconds})
    return FoldResult(fold, fitted, seconds=seconds)


def fit_method(method: str, params: dict[str, Any], folds: Sequence[Fold], out: Path, seed: int,
               needed: set[str] | None = None, prepare: Callable[[Recording], Any] | None = None,
               log: Callable[[str], None] = print) -> list[FoldResult]:
    """Train ``method`` on every fold whose test recordings include one in ``needed``
    (ids from :func:`recording_id`; None: all); the other folds are reported when an
    earlier run trained them. Folders: ``out/models/<method>/<fold label>``."""
    results = []
    for fold in folds:
        if needed is not None and not any(recording_id(r) in needed for r in fold.test):
            earlier = reuse_fold(method, params, fold, out / "models" / method / fold.label, seed)
            results += [earlier] if earlier is not None else []
            continue
        log(f"training {method} for {fold.label}: {len(fold.train)} recordings "
            f"({len({subject_key(r) for r in fold.train})} subjects), testing on {len(fold.test)}")
        result = fit_fold(method, params, fold, out / "models" / method / fold.label, seed, prepare)
        log(f"  {result.error or ('reused ' if result.reused else 'trained ') + json.dumps(result.params)}")
        results.append(result)
    return results
