"""The live view's picture: the camera image with the ROI drawn, and beside it one strip per method
with its pulse over the window and its current heart rate (OpenCV drawing calls, BGR uint8; pure)."""

from __future__ import annotations

import cv2
import numpy as np

from ..preprocessing.roi import Region
from ..preprocessing.roi_frames import draw_region
from .tracks import TrackState

#: BGR colours of the methods' traces, in the order the methods were named
TRACE_COLOURS = ((0, 140, 255), (255, 160, 0), (80, 200, 80), (200, 80, 200), (0, 220, 220), (255, 255, 255))
FONT = cv2.FONT_HERSHEY_SIMPLEX


def hr_label(state: TrackState) -> str:
    """``"pos  72.4 bpm"``, or ``"pos  -- bpm"`` while the window is too short."""
    value = f"{state.hr:5.1f}" if np.isfinite(state.hr) else "  --"
    return f"{state.name}  {value} bpm"


def trace_points(times: np.ndarray, pulse: np.ndarray, seconds: float, box: tuple[int, int, int, int]) -> np.ndarray:
    """Polyline (K, 2) int32 px of ``pulse`` (K,) in [0, 1] at ``times`` (K,) s inside ``box`` (x, y, w, h):
    the newest sample at the right edge, ``seconds`` s across."""
    x, y, w, h = box
    if times.size == 0:
        return np.empty((0, 2), np.int32)
    px = x + w - (times[-1] - times) / seconds * w
    py = y + h - np.clip(pulse, 0.0, 1.0) * h
    return np.round(np.stack([px, py], axis=1)).astype(np.int32)


def side_panel(states: list[TrackState], seconds: float, width: int, height: int) -> np.ndarray:
    """A (height, width, 3) BGR panel: per method a strip with its HR and its pulse over ``seconds`` s."""
    panel = np.full((height, width, 3), 24, np.uint8)
    strip = height // max(1, len(states))
    for i, state in enumerate(states):
        colour = TRACE_COLOURS[i % len(TRACE_COLOURS)]
        top = i * strip
        cv2.putText(panel, hr_label(state), (8, top + 20), FONT, 0.55, colour, 1, cv2.LINE_AA)
        box = (8, top + 28, width - 16, max(10, strip - 36))
        cv2.rectangle(panel, box[:2], (box[0] + box[2], box[1] + box[3]), (70, 70, 70), 1)
        pts = trace_points(state.times, state.pulse, seconds, box)
        if len(pts) > 1:
            cv2.polylines(panel, [pts], False, colour, 1, cv2.LINE_AA)
    return panel


def compose(frame_rgb: np.ndarray, region: Region | None, states: list[TrackState], seconds: float,
            panel_width: int = 320, min_height: int = 240) -> np.ndarray:
    """The window's picture (BGR): the frame (RGB in) with its ROI, and the side panel of ``states``."""
    image = draw_region(cv2.cvtColor(frame_rgb, cv2.COLOR_RGB2BGR), region)
    h, w = image.shape[:2]
    height = max(h, min_height, 60 * len(states))
    canvas = np.zeros((height, w + panel_width, 3), np.uint8)
    canvas[:h, :w] = image
    canvas[:, w:] = side_panel(states, seconds, panel_width, height)
    return canvas
