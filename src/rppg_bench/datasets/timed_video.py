"""A video file whose frames carry the dataset's own timestamps.

Some datasets store one timestamp per captured frame next to the video
(VIPL-HR ``time.txt``, LGI-PPGI ``cv_camera_sensor_timer_stream_handler.xml``):
their frame rate is not constant, so ``i / fps`` would drift from the clock
the ground truth is on. :class:`TimedVideoFile` decodes like
:class:`~.recording.VideoFile` but reports those times.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

import numpy as np

from .recording import FrameSource, VideoFile


@dataclass(frozen=True)
class TimedVideoFile:
    """Frames of the video at ``path`` with explicit times (s), one per frame.

    Only the first ``len(times)`` frames are yielded (a timestamp file shorter
    than the video leaves the last frames without a time); ``fps`` is the mean
    rate of ``times`` (Hz).
    """

    path: Path
    times: tuple[float, ...]

    @property
    def fps(self) -> float:
        t = np.asarray(self.times, dtype=float)
        return float((t.size - 1) / (t[-1] - t[0])) if t.size > 1 else 0.0

    def frame_times(self) -> np.ndarray:
        return np.asarray(self.times, dtype=float)

    def frames(self) -> Iterator[np.ndarray]:
        """Decoded RGB frames (H, W, 3) uint8, at most one per timestamp."""
        source = VideoFile(self.path).frames()
        try:
            yield from islice(source, len(self.times))
        finally:
            source.close()


def stamped_frames(video: Path, stamps_s: np.ndarray) -> tuple[TimedVideoFile, dict]:
    """A :class:`TimedVideoFile` for ``video`` with frame times ``stamps_s`` (s), and what was reconciled.

    The video's announced frame count and the number of timestamps may differ
    by a few at the end of a capture: the first ``min(frames, stamps)`` are
    paired, and the returned dict holds ``n_frames`` (announced by the video),
    ``n_stamps`` and the video's container ``fps`` (Hz) for ``meta``.
    ``RecordingError`` (from :meth:`VideoFile.probe`) when the video cannot be
    opened.
    """
    container_fps, n_frames = VideoFile(video).probe()
    n = min(n_frames, stamps_s.size)
    source = TimedVideoFile(Path(video), tuple(np.asarray(stamps_s[:n], dtype=float).tolist()))
    return source, {"n_frames": n_frames, "n_stamps": int(stamps_s.size), "container_fps": container_fps}


def video_source(video: Path, stamps_s: np.ndarray | None, stamps_name: str) -> tuple[FrameSource, dict]:
    """``video`` with the frame times ``stamps_s`` (s) read from the file ``stamps_name``, or, when
    ``stamps_s`` is None, a :class:`VideoFile` (frame ``i`` at ``i / fps``); and the ``meta`` entries
    (``n_frames``, ``container_fps``, ``n_stamps`` and ``frame_times``: where the times come from)."""
    if stamps_s is not None:
        source, meta = stamped_frames(video, stamps_s)
        return source, {**meta, "frame_times": stamps_name}
    fps, n = VideoFile(video).probe()
    return VideoFile(video), {"n_frames": n, "container_fps": fps, "frame_times": "i/fps"}
