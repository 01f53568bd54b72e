"""Whether a reference signal spans its video: the check behind "PPG shorter than the video"."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .errors import RecordingError
from .parsing import check_coverage

#: frames may run past the reference's last sample by this much (s) before the recording is refused
DEFAULT_MAX_UNCOVERED_S = 1.0


def check_covers_video(gt_path: Path, gt_times: np.ndarray, video_path: Path, frame_times: np.ndarray,
                       max_uncovered_s: float = DEFAULT_MAX_UNCOVERED_S) -> None:
    """``RecordingError`` unless the reference at ``gt_times`` (s) spans the frames at ``frame_times`` (s).

    Beyond :func:`~.parsing.check_coverage` (2 frames, 2 reference samples inside the video),
    the reference must not end more than ``max_uncovered_s`` seconds before the last frame
    nor start more than that after the first: a reference cut short is refused (error naming
    ``gt_path``) instead of silently scoring part of the video.
    """
    check_coverage(gt_path, gt_times, video_path, frame_times)
    gt_times = np.asarray(gt_times, dtype=float)
    frame_times = np.asarray(frame_times, dtype=float)
    missing_end = float(frame_times[-1] - gt_times[-1])
    missing_start = float(gt_times[0] - frame_times[0])
    if missing_end > max_uncovered_s or missing_start > max_uncovered_s:
        raise RecordingError(gt_path, f"reference is shorter than the video: it spans {gt_times[0]:g} to "
                                      f"{gt_times[-1]:g} s, the {frame_times.size} frames of {video_path.name} "
                                      f"{frame_times[0]:g} to {frame_times[-1]:g} s")
