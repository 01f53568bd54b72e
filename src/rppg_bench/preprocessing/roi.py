"""Skin regions on FaceMesh landmarks: their polygons, their mean colour, and the face square and crop.

Every function takes one RGB frame (H, W, 3) and landmarks (468, 2) in pixels.
"""

from __future__ import annotations

import cv2
import numpy as np

# MediaPipe FaceMesh indices of the skin polygons (image-left cheek is the subject's right).
FOREHEAD = (109, 10, 338, 297, 299, 296, 336, 9, 107, 66, 69, 67)
CHEEK_LEFT = (116, 117, 118, 119, 100, 142, 203, 206, 207, 187, 147, 123)
CHEEK_RIGHT = (345, 346, 347, 348, 329, 371, 423, 426, 427, 411, 376, 352)
ROI_POLYGONS = (FOREHEAD, CHEEK_LEFT, CHEEK_RIGHT)
ROI_POINTS = tuple(sorted({i for poly in ROI_POLYGONS for i in poly}))
# ``mediapipe_hull`` (pyVHR's choice): the convex hull of all landmarks minus the hulls of
# each eye with its eyebrow and of the lips.
RIGHT_EYE_BROW = (33, 7, 163, 144, 145, 153, 154, 155, 133, 173, 157, 158, 159, 160, 161, 246,
                  46, 53, 52, 65, 55, 70, 63, 105, 66, 107)
LEFT_EYE_BROW = (263, 249, 390, 373, 374, 380, 381, 382, 362, 398, 384, 385, 386, 387, 388, 466,
                 276, 283, 282, 295, 285, 300, 293, 334, 296, 336)
LIPS = (61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291, 409, 270, 269, 267, 0, 37, 39, 40, 185)
HULL_EXCLUDED = (RIGHT_EYE_BROW, LEFT_EYE_BROW, LIPS)

def polygon_slices(lengths: list[int]) -> list[slice]:
    """The slice of each polygon, of ``lengths`` vertices each, in the concatenation of their vertices."""
    ends = np.cumsum(lengths).tolist()
    return [slice(end - n, end) for n, end in zip(lengths, ends)]


_POLY_INDEX = np.concatenate([np.asarray(p) for p in ROI_POLYGONS])
_POLY_SLICES = polygon_slices([len(p) for p in ROI_POLYGONS])
_ROI_POINT_INDEX = np.asarray(ROI_POINTS)


def masked_mean_rgb(frame: np.ndarray, keep: list[np.ndarray], drop: tuple[np.ndarray, ...] = ()) -> np.ndarray:
    """Mean RGB (3,) of ``frame`` (H, W, 3) inside the polygons ``keep`` and outside ``drop``
    (each (K, 2) int32 pixel vertices).

    The polygons are filled in a mask of their bounding rectangle within the
    frame only, and the frame's pixels under it averaged: the same pixels as a
    whole-frame mask, at a fraction of the cost. NaN when no pixel is inside.
    """
    verts = np.concatenate(keep)
    h, w = frame.shape[:2]
    x0, y0 = np.maximum(verts.min(axis=0), 0)
    x1, y1 = np.minimum(verts.max(axis=0) + 1, (w, h))
    if x1 <= x0 or y1 <= y0:
        return np.full(3, np.nan)
    sub = np.zeros((y1 - y0, x1 - x0), np.uint8)
    offset = (-int(x0), -int(y0))
    cv2.fillPoly(sub, keep, 255, offset=offset)
    if drop:
        cv2.fillPoly(sub, list(drop), 0, offset=offset)
    if not sub.any():
        return np.full(3, np.nan)
    return np.array(cv2.mean(frame[y0:y1, x0:x1], mask=sub)[:3])


#: a skin region as ``(keep, drop)``: polygons (K, 2) int32 px it is inside of, and those it is outside of
Region = tuple[list[np.ndarray], tuple[np.ndarray, ...]]


def _roi_region(verts: np.ndarray) -> tuple[list[np.ndarray], tuple[np.ndarray, ...]]:
    """The forehead and cheek polygons as ``(keep, drop)`` from their vertices ``verts`` (K, 2) px."""
    return [verts[part] for part in _POLY_SLICES], ()  # views, as np.split gives, without its overhead


def _hull_region(points: np.ndarray) -> tuple[list[np.ndarray], tuple[np.ndarray, ...]]:
    """The convex hull of ``points`` (468, 2) px less the hulls of each eye with its eyebrow and of
    the lips, as ``(keep, drop)``, in the dtype of ``points``."""
    return [cv2.convexHull(points)[:, 0]], tuple(cv2.convexHull(points[list(part)])[:, 0] for part in HULL_EXCLUDED)


def roi_polygons(points: np.ndarray) -> Region:
    """The forehead and cheek polygons of landmarks ``points`` (468, 2) px (vertices rounded to whole pixels)."""
    return _roi_region(np.round(points[_POLY_INDEX]).astype(np.int32))


def roi_outlines(points: np.ndarray) -> tuple[list[np.ndarray], tuple[np.ndarray, ...]]:
    """The forehead and cheek polygons of landmarks ``points`` (468, 2) px as ``(keep, drop)``, their
    vertices (K, 2) float32 px where the landmarks are (not rounded: ``roi_subpixel``)."""
    return _roi_region(points[_POLY_INDEX].astype(np.float32))


def hull_outlines(points: np.ndarray) -> tuple[list[np.ndarray], tuple[np.ndarray, ...]]:
    """:func:`hull_polygons` with float32 vertices (K, 2) px, hulls of the landmarks as they are."""
    return _hull_region(points.astype(np.float32))


def hull_polygons(points: np.ndarray) -> Region:
    """The convex hull of all landmarks ``points`` (468, 2) px, less the convex hulls of each eye with
    its eyebrow and of the lips."""
    return _hull_region(np.round(points).astype(np.int32))


def roi_mean_rgb(frame: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Mean RGB (3,) of ``frame`` (H, W, 3) inside the forehead and cheek polygons of ``points`` (468, 2)."""
    return masked_mean_rgb(frame, *roi_polygons(points))


def hull_mean_rgb(frame: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Mean RGB (3,) of ``frame`` (H, W, 3) inside the convex hull of all landmarks ``points`` (468, 2),
    leaving out the convex hulls of each eye with its eyebrow and of the lips."""
    return masked_mean_rgb(frame, *hull_polygons(points))


def face_square(points: np.ndarray, scale: float = 1.3) -> np.ndarray:
    """Square box ``x0, y0, x1, y1`` (px): bounding square of the ROI points enlarged by ``scale``."""
    roi = points[_ROI_POINT_INDEX]
    lo, hi = roi.min(axis=0), roi.max(axis=0)
    centre = (lo + hi) / 2
    half = (hi - lo).max() * scale / 2
    return np.round(np.concatenate([centre - half, centre + half])).astype(np.int32)


def crop_square(frame: np.ndarray, box: np.ndarray, size: int) -> np.ndarray:
    """Crop ``box`` from ``frame`` (zero-padded outside) and resize to (size, size, 3) uint8."""
    h, w = frame.shape[:2]
    x0, y0, x1, y1 = (int(v) for v in box)
    pad = max(0, -x0, -y0, x1 - w, y1 - h)
    if pad:
        frame = cv2.copyMakeBorder(frame, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=0)
        x0, y0, x1, y1 = x0 + pad, y0 + pad, x1 + pad, y1 + pad
    patch = frame[y0:y1, x0:x1]
    return cv2.resize(patch, (size, size), interpolation=cv2.INTER_AREA)
