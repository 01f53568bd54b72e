"""What one preprocessing pass over a video yields (``VideoProducts``)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class VideoProducts:
    """What one pass over a video yields.

    times (N,) s; fps Hz; rgb (N, 3) mean skin colour (RGB, 0-255); boxes (N, 4)
    face square ``x0, y0, x1, y1`` in pixels; face_found (N,) bool; crops
    (N, S, S, 3) uint8 RGB or None.
    """

    times: np.ndarray
    fps: float
    rgb: np.ndarray
    boxes: np.ndarray
    face_found: np.ndarray
    crops: np.ndarray | None = None
