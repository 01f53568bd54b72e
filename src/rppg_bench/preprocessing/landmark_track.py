"""Landmarks followed by optical flow between FaceMesh keyframes (``FaceParams(landmarks="track")``).

FaceMesh runs on a keyframe; on the frames after it, the 468 landmarks follow
the face by pyramidal Lucas-Kanade optical flow (``cv2.calcOpticalFlowPyrLK``)
from the previous frame, with a forward-backward check: each point is tracked
back to the previous frame and kept when it returns within ``fb_max_px``. The
kept points give a similarity transform (``cv2.estimateAffinePartial2D``,
RANSAC) that moves every landmark, so the mesh stays whole when some points are
lost. A new keyframe is taken when fewer than ``min_kept`` of the points pass
the check, when the face moved more than ``fast_px`` since the previous frame
(median displacement), or ``max_gap`` frames after the last keyframe. ROI means
are then computed from these landmarks exactly as from FaceMesh's own.

Frames: RGB (H, W, 3) uint8; points: (468, 2) float32 pixel coordinates.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class TrackSettings:
    """When a new FaceMesh keyframe is taken (frames, px, share of points) and the flow's window (px)."""

    max_gap: int = 10
    fb_max_px: float = 1.0
    min_kept: float = 0.6
    fast_px: float = 4.0
    window_px: int = 15
    pyramid_levels: int = 2
    point_stride: int = 8


def flow_step(prev_gray: np.ndarray, gray: np.ndarray, points: np.ndarray,
              settings: TrackSettings) -> tuple[np.ndarray | None, float, float]:
    """Landmarks ``points`` (N, 2) px of ``prev_gray`` moved onto ``gray`` (both (H, W) uint8): the
    moved points (None when too few pass the forward-backward check), the share that passed and
    the median displacement (px) of those. Every ``point_stride``-th landmark is followed (a similarity
    transform needs few points; the flow's cost grows with their number) and the transform moves all."""
    lk = {"winSize": (settings.window_px, settings.window_px), "maxLevel": settings.pyramid_levels,
          "criteria": (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 20, 0.03)}
    p0 = points[::max(1, settings.point_stride)].reshape(-1, 1, 2).astype(np.float32)
    p1, st1, _ = cv2.calcOpticalFlowPyrLK(prev_gray, gray, p0, None, **lk)
    back, st2, _ = cv2.calcOpticalFlowPyrLK(gray, prev_gray, p1, None, **lk)
    fb = np.linalg.norm((back - p0).reshape(-1, 2), axis=1)
    good = (st1.ravel() == 1) & (st2.ravel() == 1) & (fb <= settings.fb_max_px)
    share = float(np.mean(good))
    if good.sum() < 3:
        return None, share, float("inf")
    moved = (p1 - p0).reshape(-1, 2)[good]
    motion = float(np.median(np.linalg.norm(moved, axis=1)))
    transform, _ = cv2.estimateAffinePartial2D(p0[good], p1[good], method=cv2.RANSAC,
                                               ransacReprojThreshold=settings.fb_max_px * 2)
    if transform is None:
        return None, share, motion
    out = points @ transform[:, :2].T + transform[:, 2]
    return out.astype(np.float32), share, motion


def flow_tracked_landmarks(detect: Callable[[np.ndarray], np.ndarray | None], frames: Iterator[np.ndarray],
                           settings: TrackSettings = TrackSettings()
                           ) -> Iterator[tuple[np.ndarray, np.ndarray | None, bool]]:
    """``(frame, points, keyframe)`` per frame of ``frames`` (RGB, in order): the landmarks (468, 2) px
    ``detect`` (FaceMesh) finds on keyframes (``keyframe`` True), optical flow's between (module
    docstring); None where no face is known (``detect`` found none, and is asked again next frame)."""
    prev_gray: np.ndarray | None = None
    points: np.ndarray | None = None
    since_key = 0
    for frame in frames:
        gray = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
        moved = None
        if points is not None and prev_gray is not None and since_key < max(1, settings.max_gap):
            moved, share, motion = flow_step(prev_gray, gray, points, settings)
            if share < settings.min_kept or motion > settings.fast_px:
                moved = None
        if moved is None:
            points = detect(frame)
            since_key = 1
            yield frame, points, True
        else:
            points = moved
            since_key += 1
            yield frame, points, False
        prev_gray = gray
