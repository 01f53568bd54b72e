"""Frames as they arrive and the face pass on them one at a time: the shared part of the ResNet's
``stream`` command and the live view (``rppg-bench live``).

A frame source yields ``(frame, t, arrived)``: the RGB frame (H, W, 3) uint8,
its source time ``t`` (s; a file's frame times, a camera's seconds since its
first frame) and its arrival on the ``time.perf_counter()`` clock (s). A file
played in real time is a simulated camera: each frame arrives at its scheduled
time ``t0 + t``; with ``drop_late`` a frame whose successor is already due when
it is decoded is skipped, as a camera's driver drops frames nobody reads.

:class:`FaceTracker` runs the offline pipeline's face functions on one frame at
a time: MediaPipe FaceMesh in tracking mode (:mod:`.landmarks`), a frame without
a face holding the last face. :class:`LatencyStats` summarises frame-to-result
latencies (ms).
"""

from __future__ import annotations

import time
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from ..datasets.recording import Recording
from .landmarks import face_mesh, frame_landmarks
from .params import FaceParams
from .roi import crop_square, face_square

#: ``(RGB frame (H, W, 3) uint8, source time s, arrival s on the perf_counter clock)``
TimedFrame = tuple[np.ndarray, float, float]


@dataclass
class LatencyStats:
    """Frame-to-value latency (ms) over ``n`` frames: mean, median, 95th percentile, max."""

    n: int
    mean_ms: float
    median_ms: float
    p95_ms: float
    max_ms: float

    @classmethod
    def of(cls, ms: np.ndarray | list[float]) -> LatencyStats:
        a = np.asarray(ms, float)
        if a.size == 0:
            return cls(0, float("nan"), float("nan"), float("nan"), float("nan"))
        return cls(int(a.size), float(a.mean()), float(np.median(a)), float(np.percentile(a, 95)), float(a.max()))


def is_camera(source: int | str | Path | Recording) -> bool:
    """True for a camera index (an ``int`` or a string of digits)."""
    return isinstance(source, int) or (isinstance(source, str) and source.isdigit())


def file_frames(rec: Recording, realtime: bool, drop_late: bool = False) -> Generator[TimedFrame, None, None]:
    """The frames of ``rec`` with their times and arrivals, paced at its frame times when ``realtime``
    (arrival: the scheduled time), else as fast as they decode (arrival: when decoded). ``drop_late``
    (real time only): skip a frame when the next one is already due, as a camera would."""
    times = np.asarray(rec.frame_times, float)
    fps = float(rec.fps)
    t0 = None
    for i, frame in enumerate(rec.frames()):
        t = float(times[i]) if i < len(times) else float(times[-1]) + (i - len(times) + 1) / fps
        if not realtime:
            yield frame, t, time.perf_counter()
            continue
        if t0 is None:
            t0 = time.perf_counter() - t
        due = t0 + t
        wait = due - time.perf_counter()
        if wait > 0:
            time.sleep(wait)
        elif drop_late and -wait > 1.0 / fps:
            continue
        yield frame, t, due


def camera_frames(index: int) -> Generator[TimedFrame, None, None]:
    """The frames of camera ``index`` (OpenCV) with seconds since the first frame and arrival
    (when ``read()`` returned it); ``RuntimeError`` when the camera cannot be opened."""
    cap = cv2.VideoCapture(index)
    if not cap.isOpened():
        cap.release()
        raise RuntimeError(f"camera {index}: OpenCV cannot open it")
    t0 = None
    try:
        while True:
            ok, bgr = cap.read()
            now = time.perf_counter()
            if not ok:
                break
            t0 = now if t0 is None else t0
            yield cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), now - t0, now
    finally:
        cap.release()


class FaceTracker:
    """FaceMesh landmarks (468, 2) px of one frame at a time, in tracking mode, as the offline pass
    finds them: :meth:`__call__` returns the face to use (the last one found; None before the first)
    and sets ``found`` (whether this frame had one); :meth:`crop` cuts the face square of
    ``params.crop_size`` px. :meth:`close` frees the detector."""

    def __init__(self, params: FaceParams):
        if params.landmark_every != 1 or params.landmarks != "every":  # interpolating would wait: latency
            raise ValueError("streaming runs FaceMesh on every frame: landmark_every must be 1 and landmarks "
                             f"'every', got {params.landmark_every} and {params.landmarks!r}")
        self.params, self.points, self.found = params, None, False
        self._mesh = face_mesh(params)

    def __call__(self, frame: np.ndarray) -> np.ndarray | None:
        points = frame_landmarks(self._mesh, frame)
        self.found = points is not None
        self.points = points if points is not None else self.points
        return self.points

    def crop(self, frame: np.ndarray, size: int | None = None) -> np.ndarray | None:
        """The face square of the current face, (S, S, 3) uint8 (S = ``size`` or ``params.crop_size``)."""
        if self.points is None:
            return None
        side = int(size or self.params.crop_size)
        return crop_square(frame, face_square(self.points, self.params.crop_scale), side)

    def close(self) -> None:
        self._mesh.close()
