"""One live track per method: what it keeps of the stream and its pulse and heart rate over the window.

A method's live path follows from what it offers, never from its name
(:func:`make_track`): a classical method (``signal_from_rgb(rgb, fps)``) gets
a :class:`ClassicalTrack` over the per-frame mean skin colour; a learned one
with ``stream_scorer()`` (the ResNet: :class:`~rppg_bench.methods.resnet.stream.StreamScorer`)
a :class:`LearnedTrack` fed face crops. Every track takes :class:`FaceFrame`\\ s
and answers :meth:`state` with a :class:`TrackState`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..metrics.bands import DEFAULT_BAND_HZ
from ..metrics.signal import signal_postprocess
from ..preprocessing.roi import crop_square, face_square
from .window import (
    MIN_WINDOW_S,
    TimedRing,
    last_seconds,
    ring_capacity,
    uniform,
    window_hr,
    window_rate,
)


@dataclass
class FaceFrame:
    """One frame of the face pass: source time ``t`` (s), ``arrived`` (s, perf_counter clock), the RGB
    ``frame`` (H, W, 3) uint8, the face's landmarks ``points`` (468, 2) px or None, the mean skin colour
    ``rgb`` (3,) over the ROI or None, and ``crop_scale`` of the face square."""

    t: float
    arrived: float
    frame: np.ndarray
    points: np.ndarray | None
    rgb: np.ndarray | None
    crop_scale: float = 1.3


@dataclass
class TrackState:
    """A method's live view: ``times`` (K,) s and ``pulse`` (K,) in [0, 1] over the window, ``hr`` (bpm,
    NaN until the window holds enough signal)."""

    name: str
    times: np.ndarray
    pulse: np.ndarray
    hr: float


def _rate(times: np.ndarray, fps: float | None) -> float:
    return float(fps) if fps else window_rate(times)


def window_state(name: str, times: np.ndarray, values: np.ndarray, fps: float | None,
                 band: tuple[float, float], to_pulse: Callable[[np.ndarray, float], np.ndarray]) -> TrackState:
    """The :class:`TrackState` of a window's samples ``values`` (K, ...) at ``times`` (K,) s: resampled
    at ``fps`` Hz (the window's own mean rate when None), turned into a pulse by ``to_pulse(values, fs)``,
    and its HR; a flat pulse and NaN HR while the window is shorter than ``MIN_WINDOW_S``."""
    fs = _rate(times, fps)
    if times.size < 2 or times[-1] - times[0] < MIN_WINDOW_S or not np.isfinite(fs):
        return TrackState(name, times, np.full(times.size, 0.5), float("nan"))
    grid, resampled = uniform(times, values, fs)
    pulse = to_pulse(resampled, fs)
    return TrackState(name, grid, pulse, window_hr(pulse, fs, band))


class ClassicalTrack:
    """A classical method on the last ``seconds`` s of mean skin colour, resampled at ``fps`` Hz (the
    window's own mean rate when None) and processed as the offline pipeline does
    (``method.signal_from_rgb``)."""

    def __init__(self, name: str, method: Any, seconds: float, fps: float | None,
                 band: tuple[float, float] = DEFAULT_BAND_HZ):
        self.name, self.method, self.seconds, self.fps, self.band = name, method, seconds, fps, band
        self.ring = TimedRing(ring_capacity(seconds, fps))

    def push(self, face: FaceFrame) -> None:
        if face.rgb is not None and np.all(np.isfinite(face.rgb)):
            self.ring.push(face.t, face.rgb)

    def state(self) -> TrackState:
        times, rgb = last_seconds(*self.ring.arrays(), self.seconds)
        return window_state(self.name, times, rgb, self.fps, self.band, self.method.signal_from_rgb)


class LearnedTrack:
    """A learned method's streaming scorer fed the face crop of every frame (its ``loaded.size`` px);
    its values of the last ``seconds`` s are post-processed like the offline output for the pulse and HR."""

    def __init__(self, name: str, scorer: Any, seconds: float, fps: float | None,
                 band: tuple[float, float] = DEFAULT_BAND_HZ):
        self.name, self.scorer, self.seconds, self.fps, self.band = name, scorer, seconds, fps, band
        self.size = int(scorer.loaded.size)
        self.ring = TimedRing(ring_capacity(seconds, fps))

    def push(self, face: FaceFrame) -> None:
        if face.points is None:
            return
        crop = crop_square(face.frame, face_square(face.points, face.crop_scale), self.size)
        got = self.scorer.push(crop, face.t, face.arrived)
        if got is not None:
            self.ring.extend(*got)

    def state(self) -> TrackState:
        times, values = last_seconds(*self.ring.arrays(), self.seconds)
        return window_state(self.name, times, values, self.fps, self.band,
                            lambda raw, fs: signal_postprocess(raw, fs, self.band))


def make_track(name: str, method: Any, seconds: float, fps: float | None,
               band: tuple[float, float] = DEFAULT_BAND_HZ) -> ClassicalTrack | LearnedTrack:
    """The live track of ``method`` (registered as ``name``), chosen by what the method offers;
    ``ValueError`` for a method with no live path."""
    if callable(getattr(method, "signal_from_rgb", None)):
        return ClassicalTrack(name, method, seconds, fps, band)
    if callable(getattr(method, "stream_scorer", None)):
        return LearnedTrack(name, method.stream_scorer(), seconds, fps, band)
    raise ValueError(f"method {name!r} cannot run live: it is neither classical (signal_from_rgb) nor offers "
                     f"a streaming path (stream_scorer)")
