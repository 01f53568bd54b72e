"""How much of a video its ground truth covers."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .errors import RecordingError


def check_span(gt_path: Path, gt_times: np.ndarray, frame_times: np.ndarray, min_coverage: float) -> None:
    """``RecordingError`` naming ``gt_path`` when the ground truth's span ``[gt_times[0], gt_times[-1]]``
    (s) covers less than ``min_coverage`` (0-1) of the video's span ``[frame_times[0], frame_times[-1]]``:
    a truncated file, or one read at the wrong sampling rate."""
    t0, t1 = float(frame_times[0]), float(frame_times[-1])
    covered = max(0.0, min(t1, float(gt_times[-1])) - max(t0, float(gt_times[0])))
    if t1 > t0 and covered < min_coverage * (t1 - t0):
        raise RecordingError(gt_path, f"covers only {covered:.2f} s of the video's {t1 - t0:.2f} s "
                                      f"(truncated, or not sampled at the expected rate)")
