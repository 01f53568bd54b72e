"""Subject-wise splits of recordings for training and testing learned methods.

A subject is identified by its dataset and its id (``Recording.subject``,
else the recording's name), so subject "1" of PURE and "1" of another dataset
never merge. No split ever puts one subject on both sides.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .recording import Recording


def subject_key(rec: Recording) -> str:
    """``"<dataset>/<subject>"`` of ``rec``; a recording without a subject counts as its own (its name)."""
    return f"{rec.dataset}/{rec.subject or rec.name}"


def subject_folds(recordings: Sequence[Recording], k: int = 3,
                  seed: int = 0) -> list[tuple[list[Recording], list[Recording]]]:
    """Subject-wise k-fold split: ``k`` pairs ``(train, test)`` of recordings.

    Subjects (:func:`subject_key`) are shuffled with ``seed`` and dealt into
    ``k`` groups of near-equal size; fold ``i`` tests on group ``i`` and trains
    on the rest. Raises ``ValueError`` with fewer than ``k`` subjects or ``k`` < 2.
    """
    if k < 2:
        raise ValueError(f"k must be >= 2, got {k}")
    recordings = list(recordings)
    subjects = sorted({subject_key(r) for r in recordings})
    if len(subjects) < k:
        raise ValueError(f"{k}-fold subject-wise split needs at least {k} subjects, "
                         f"got {len(subjects)}: {subjects}")
    order = np.random.default_rng(seed).permutation(len(subjects))
    groups = [{subjects[j] for j in part} for part in np.array_split(order, k)]
    return [([r for r in recordings if subject_key(r) not in g],
             [r for r in recordings if subject_key(r) in g]) for g in groups]
