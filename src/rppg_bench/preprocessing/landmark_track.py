"""Face landmarks between FaceMesh keyframes, carried by Lucas-Kanade optical flow (``--landmarks track``).

FaceMesh runs on a keyframe; on the keyframe's face (inside the landmarks'
convex hull, shrunk a little so the background at the face's edge is left
out) up to ``n_points`` corners are picked (``cv2.goodFeaturesToTrack``) and
followed frame to frame by pyramidal Lucas-Kanade flow
(``cv2.calcOpticalFlowPyrLK``), on the keyframe's face box of the grey frames
only. The grey frames come with the RGB ones (``decode.with_grey``): in a
benchmark run they are converted on the decoding thread, off the thread that
runs FaceMesh and the flow. A corner is dropped for the rest of the gap when its flow fails or its
forward-backward error exceeds ``max_fb_error``. Each frame's landmarks are the
keyframe's 468 landmarks moved by the affine map that carries the surviving
corners from the keyframe to this frame (least squares, refit once without
outliers), so both landmark regions (polygons, hull) and the face square come
from the same 468 points as with FaceMesh on every frame.

A new keyframe (FaceMesh on that frame) is taken when the gap reaches ``max_gap`` frames, when fewer than ``min_kept`` of
the corners survive, when the corners' median step exceeds ``max_step`` of the
face width (fast motion), or when the affine fit leaves a residual above
``max_residual`` (the face deforms or turns in a way one affine map does not
follow). Until FaceMesh finds a face, it runs on every frame. On a keyframe
forced after a gap FaceMesh runs twice (see :func:`detect_fresh`); on one that
ends a steady gap, once (its result is averaged in, below).

FaceMesh's landmarks jitter by a fraction of a pixel from frame to frame. Held
for a gap and then replaced, that jitter becomes a staircase in the ROI means
whose power falls in the heart-rate band. So on a keyframe that ends a steady
gap (the ``max_gap`` one, where the flow still holds) the new landmarks are
``keyframe_weight`` x FaceMesh's plus the rest x the landmarks tracked to that
frame: an exponential average of FaceMesh's estimates of the same points on the
face, carried by the flow (measured: the tracking itself is off by 0.03-0.05 px
over a gap on the synthetic videos). A keyframe forced by lost points, fast
motion or a poor fit takes FaceMesh's landmarks as they are. The steady
keyframe's FaceMesh call is the first after the gap, so it is a little off
(:func:`detect_fresh`); weighted by ``keyframe_weight`` that costs nothing
measurable, and a second call there cost a tenth of the pass (docs/speed.md).

The synthetic videos' head motion is affine by construction, which flatters
the affine map; a real face's non-rigid motion is left to the residual
trigger and the keyframes (docs/speed.md, "Landmark tracking").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass

import cv2
import numpy as np

from .decode import with_grey

#: bump when a change here alters the tracked landmarks (invalidates the disk cache of ``track`` products)
TRACK_CODE_VERSION = "3"  # 2: sub-pixel ROI edges (roi_subpixel); 3: one FaceMesh call on a steady keyframe

#: FaceMesh on one RGB frame (H, W, 3) -> landmarks (468, 2) px, or None without a face
Detect = Callable[[np.ndarray], "np.ndarray | None"]


@dataclass(frozen=True)
class TrackSettings:
    """How landmarks are tracked between keyframes (part of the products' cache key under ``track``).

    ``max_gap``: most frames from one keyframe to the next. ``n_points``: corners
    tracked. ``min_kept``: share of a keyframe's corners that must still be
    tracked. ``max_fb_error`` (px): forward-backward error above which a corner
    is dropped. ``max_step``: median corner displacement from one frame to the
    next, as a share of the face width, above which a keyframe is taken (fast
    motion). ``max_residual`` (px): RMS residual of the affine fit above which a
    keyframe is taken. ``window`` (px) and ``levels``: Lucas-Kanade window side
    and pyramid levels. ``margin``: the tracked crop is the landmarks' bounding
    box enlarged by this share on each side. ``keyframe_weight``: weight of
    FaceMesh's landmarks on a keyframe taken at the end of a steady gap, the rest
    being the landmarks tracked to it (see the module's docstring).
    """

    max_gap: int = 10
    n_points: int = 32
    min_kept: float = 0.6
    max_fb_error: float = 0.5
    max_step: float = 0.02
    max_residual: float = 0.8
    window: int = 11
    levels: int = 1
    margin: float = 0.25
    keyframe_weight: float = 0.2

    def __post_init__(self) -> None:
        whole = {"max_gap": 1, "n_points": 6, "window": 5, "levels": 0}
        for name, least in whole.items():
            value = getattr(self, name)
            if not (isinstance(value, int) and value >= least):
                raise ValueError(f"track setting {name} must be a whole number >= {least}, got {value!r}")
        for name in ("min_kept", "max_fb_error", "max_step", "max_residual", "margin", "keyframe_weight"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and value > 0):
                raise ValueError(f"track setting {name} must be a positive number, got {value!r}")
        for name in ("min_kept", "keyframe_weight"):
            if getattr(self, name) > 1:
                raise ValueError(f"track setting {name} is a share in (0, 1], got {getattr(self, name)!r}")

    def key(self) -> dict[str, float | str]:
        """The settings and the tracking code's version, as cache-key values."""
        return {**asdict(self), "code_version": TRACK_CODE_VERSION}


#: the settings ``--landmarks track`` uses
TRACK = TrackSettings()

_LK_CRITERIA = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 10, 0.03)


def crop_box(points: np.ndarray, margin: float, width: int, height: int) -> tuple[int, int, int, int]:
    """``x0, y0, x1, y1`` (px, within the frame): the bounding box of ``points`` (N, 2) px enlarged by
    ``margin`` of its size on each side."""
    lo, hi = points.min(axis=0), points.max(axis=0)
    pad = (hi - lo) * margin
    x0, y0 = np.maximum(np.floor(lo - pad), 0).astype(int)
    x1, y1 = np.minimum(np.ceil(hi + pad) + 1, (width, height)).astype(int)
    return int(x0), int(y0), int(x1), int(y1)


def crop(grey: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    """The crop ``box`` (``x0, y0, x1, y1`` px) of a grey frame (H, W), a view (equal to converting
    the RGB crop: the conversion is per pixel)."""
    x0, y0, x1, y1 = box
    return grey[y0:y1, x0:x1]


#: px around the searched region whose pixels the corner measure (3x3 Sobel, 3x3 block, 3x3 maximum) reads
CORNER_PAD = 4


def face_corners(grey: np.ndarray, points: np.ndarray, n: int) -> np.ndarray:
    """Up to ``n`` corners (K, 2) float32 px of ``grey`` inside the convex hull of ``points`` (468, 2) px
    (crop coordinates) shrunk by 10 % towards its centre, at least 1/20 of the face width apart."""
    hull = cv2.convexHull(points.astype(np.float32))[:, 0]
    centre = hull.mean(axis=0)
    inner = np.round(centre + 0.9 * (hull - centre)).astype(np.int32)
    # searched within the inner hull's box and CORNER_PAD px around it: the same corners as in the whole crop
    (x0, y0), (x1, y1) = np.maximum(inner.min(axis=0) - CORNER_PAD, 0), inner.max(axis=0) + CORNER_PAD + 1
    view = grey[y0:y1, x0:x1]
    mask = np.zeros(view.shape, np.uint8)
    cv2.fillConvexPoly(mask, inner - (x0, y0), 255)
    spacing = max(3.0, float(np.ptp(points[:, 0])) / 20)
    found = cv2.goodFeaturesToTrack(view, maxCorners=n, qualityLevel=0.01, minDistance=spacing, mask=mask)
    return np.empty((0, 2), np.float32) if found is None else (found[:, 0] + (x0, y0)).astype(np.float32)


def flow_forward_backward(prev: np.ndarray, cur: np.ndarray, pts: np.ndarray, settings: TrackSettings
                          ) -> tuple[np.ndarray, np.ndarray]:
    """(new positions (K, 2) px in ``cur``, kept (K,) bool) of ``pts`` (K, 2) px of grey ``prev``:
    pyramidal Lucas-Kanade there and back; kept where both ways succeed and the point returns within
    ``settings.max_fb_error`` px of where it started."""
    lk = {"winSize": (settings.window, settings.window), "maxLevel": settings.levels, "criteria": _LK_CRITERIA}
    p0 = pts.reshape(-1, 1, 2)
    p1, ok1, _ = cv2.calcOpticalFlowPyrLK(prev, cur, p0, None, **lk)
    back, ok2, _ = cv2.calcOpticalFlowPyrLK(cur, prev, p1, None, **lk)
    fb = np.linalg.norm((back - p0)[:, 0], axis=1)
    kept = (ok1[:, 0] == 1) & (ok2[:, 0] == 1) & (fb <= settings.max_fb_error)
    return p1[:, 0], kept


def fit_affine(src: np.ndarray, dst: np.ndarray) -> tuple[np.ndarray, float]:
    """(2x3 affine map, RMS residual px) taking ``src`` to ``dst`` (K >= 3, 2) px by least squares; when
    a residual exceeds 1 px, refit once without the points whose residual exceeds max(1 px, 3 x the
    median)."""
    design = np.ones((len(src), 3))
    design[:, :2] = src
    target = dst.astype(np.float64)
    coef = np.linalg.solve(design.T @ design, design.T @ target)  # (3, 2): the 3x3 normal equations
    resid = np.linalg.norm(design @ coef - target, axis=1)
    if resid.max() > 1.0:
        keep = resid <= max(1.0, 3.0 * float(np.median(resid)))
        if keep.sum() >= 3:
            x, y = design[keep], target[keep]
            coef = np.linalg.solve(x.T @ x, x.T @ y)
            resid = np.linalg.norm(x @ coef - y, axis=1)
    return coef.T, float(np.sqrt(np.mean(resid ** 2)))


def apply_affine(affine: np.ndarray, points: np.ndarray) -> np.ndarray:
    """``points`` (N, 2) px moved by the 2x3 ``affine`` map, float32."""
    return (points @ affine[:, :2].T + affine[:, 2]).astype(np.float32)


def detect_fresh(detect: Detect, frame: np.ndarray, stale: bool) -> np.ndarray | None:
    """``detect``'s landmarks (468, 2) px of ``frame``; when FaceMesh last ran on a frame before the
    previous one (``stale``), it runs twice and the second result is kept: its tracking crops each
    frame from the last landmarks it found, and a crop from landmarks some frames old misplaces them
    (measured: 0.70 px mean error of the ROI points on a moving synthetic face, against 0.45 px for
    the second call and 0.48 px with FaceMesh on every frame; warping the frame so the face sits
    where FaceMesh last saw it did not help, 0.75 px)."""
    points = detect(frame)
    return detect(frame) if stale and points is not None else points


class Track:
    """The state of one tracked gap: the keyframe's landmarks and corners, where the corners are now.

    ``step(grey)`` moves the landmarks to the next frame (its grey (H, W) uint8),
    or returns None when a keyframe is due (the caller then runs FaceMesh on
    that frame).
    """

    def __init__(self, grey: np.ndarray, landmarks: np.ndarray, settings: TrackSettings):
        self.settings = settings
        self.landmarks = landmarks
        self.box = crop_box(landmarks, settings.margin, grey.shape[1], grey.shape[0])
        offset = np.array(self.box[:2], np.float32)
        self.grey = crop(grey, self.box)
        self.start = face_corners(self.grey, landmarks - offset, settings.n_points)
        self.now = self.start.copy()
        self.least = max(6, int(np.ceil(settings.min_kept * len(self.start))))
        self.face_width = float(np.ptp(landmarks[:, 0]))
        self.offset = offset
        self.gap = 0

    def step(self, grey: np.ndarray) -> tuple[np.ndarray | None, bool]:
        """(landmarks (468, 2) px of the next frame of the video, whose grey is ``grey``, or None where the flow lost
        the face or it moved fast; whether a keyframe is due)."""
        s = self.settings
        self.gap += 1
        if len(self.now) < self.least:
            return None, True
        grey = crop(grey, self.box)
        moved, kept = flow_forward_backward(self.grey, grey, self.now, s)
        if kept.sum() < self.least:
            return None, True
        step = float(np.median(np.linalg.norm(moved[kept] - self.now[kept], axis=1)))
        if step > s.max_step * self.face_width:
            return None, True
        self.start, self.now, self.grey = self.start[kept], moved[kept], grey
        affine, rms = fit_affine(self.start, self.now)
        if rms > s.max_residual:
            return None, True
        return apply_affine(affine, self.landmarks - self.offset) + self.offset, self.gap >= s.max_gap


def tracked_landmarks(detect: Detect, frames: Iterable[np.ndarray], settings: TrackSettings | None = None
                      ) -> Iterator[tuple[np.ndarray, np.ndarray | None]]:
    """``(frame, points)`` per frame of ``frames`` (RGB, in order): ``detect``'s landmarks (468, 2) px on
    keyframes, the landmarks tracked from the last keyframe on the frames between (see the module's
    docstring for when a keyframe is taken); None where ``detect`` finds no face. Holds no frames.
    ``settings`` None: :data:`TRACK`."""
    return landmarks_tracked_on_grey(detect, with_grey(frames), settings)


def landmarks_tracked_on_grey(detect: Detect, frames: Iterable[tuple[np.ndarray, np.ndarray]],
                              settings: TrackSettings | None = None) -> Iterator[tuple[np.ndarray, np.ndarray | None]]:
    """:func:`tracked_landmarks` of ``(frame, grey)`` pairs (``decode.with_grey``), so that the grey
    frames can be made elsewhere (on the decoding thread)."""
    settings = settings or TRACK
    track: Track | None = None
    for frame, grey in frames:
        points, due = track.step(grey) if track is not None else (None, True)
        if due:
            # a forced keyframe after a gap needs FaceMesh fresh; a steady one is averaged with the flow
            found = detect_fresh(detect, frame, stale=points is None and track is not None and track.gap > 1)
            if found is not None and points is not None and settings.keyframe_weight < 1:
                found = (settings.keyframe_weight * found + (1 - settings.keyframe_weight) * points).astype(np.float32)
            points = found
            track = Track(grey, points, settings) if points is not None else None
        yield frame, points
