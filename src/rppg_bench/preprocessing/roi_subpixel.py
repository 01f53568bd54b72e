"""Skin-region means with sub-pixel, anti-aliased polygon edges, for landmarks that move smoothly
(``--landmarks track``).

``roi.masked_mean_rgb`` fills polygons whose vertices are rounded to whole
pixels. With FaceMesh on every frame that rounding is dithered by FaceMesh's
own sub-pixel jitter. Landmarks carried by optical flow move smoothly instead,
so as the face drifts or sways by a fraction of a pixel, whole polygon edges
jump by a pixel together when their rounded vertices flip: a step in the ROI
means at the motion's rhythm and its harmonics, which for a swaying or talking
head falls in the heart-rate band. Here the polygons are filled with their
vertices at 1/16 px (``cv2.fillPoly`` with ``shift=4``) and anti-aliased edges
(``cv2.LINE_AA``), and the frame is averaged with those fill values as
weights, so the mean follows sub-pixel motion smoothly (measured in
docs/speed.md, "Landmark tracking between keyframes"). The anti-aliased edge
reaches about half a pixel outside each polygon, so the region is a little
larger than the rounded one; its cost is about that of the rounded mean.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from .roi import hull_outlines, polygon_slices, roi_outlines

#: fractional bits of the vertices given to ``cv2.fillPoly`` (1/16 px)
SUBPIXEL_BITS = 4


def coverage_mean_rgb(frame: np.ndarray, keep: list[np.ndarray], drop: tuple[np.ndarray, ...] = ()) -> np.ndarray:
    """Mean RGB (3,) of ``frame`` (H, W, 3) weighted by the anti-aliased fill of the polygons ``keep``
    less ``drop`` (each (K, 2) float px vertices), over their bounding rectangle within the frame.
    NaN when no pixel is inside."""
    verts = np.concatenate(keep)
    h, w = frame.shape[:2]
    (lo_x, lo_y), (hi_x, hi_y) = verts.min(axis=0).tolist(), verts.max(axis=0).tolist()
    x0, y0 = max(math.floor(lo_x) - 1, 0), max(math.floor(lo_y) - 1, 0)
    x1, y1 = min(math.ceil(hi_x) + 2, w), min(math.ceil(hi_y) + 2, h)
    if x1 <= x0 or y1 <= y0:
        return np.full(3, np.nan)
    scale, origin = float(1 << SUBPIXEL_BITS), np.array([x0, y0], np.float32)

    def fixed(polys, joined=None):
        """The polygons' vertices in fixed point (1/16 px from the rectangle's corner), converted in one
        array operation and split back into polygons."""
        joined = np.concatenate(polys) if joined is None else joined
        ints = np.round((joined.astype(np.float32, copy=False) - origin) * scale).astype(np.int32)
        return [ints[part] for part in polygon_slices([len(p) for p in polys])]

    weight = np.zeros((y1 - y0, x1 - x0), np.uint8)
    cv2.fillPoly(weight, fixed(keep, verts), 255, lineType=cv2.LINE_AA, shift=SUBPIXEL_BITS)
    if drop:
        cv2.fillPoly(weight, fixed(drop), 0, lineType=cv2.LINE_AA, shift=SUBPIXEL_BITS)
    flat = weight.ravel().astype(np.float32)
    total = float(flat.sum())
    if total == 0:
        return np.full(3, np.nan)
    pixels = frame[y0:y1, x0:x1].reshape(-1, 3).astype(np.float32)
    return (flat @ pixels).astype(np.float64) / total


def roi_mean_rgb_subpixel(frame: np.ndarray, points: np.ndarray) -> np.ndarray:
    """``roi.roi_mean_rgb`` with sub-pixel, anti-aliased polygon edges: mean RGB (3,) of ``frame``
    (H, W, 3) over the forehead and cheek polygons of ``points`` (468, 2) px."""
    return coverage_mean_rgb(frame, *roi_outlines(points))


def hull_mean_rgb_subpixel(frame: np.ndarray, points: np.ndarray) -> np.ndarray:
    """``roi.hull_mean_rgb`` with sub-pixel, anti-aliased polygon edges: mean RGB (3,) of ``frame``
    (H, W, 3) over the landmarks' convex hull less the eyes, eyebrows and lips."""
    return coverage_mean_rgb(frame, *hull_outlines(points))
