"""Base classes of the method contract.

Every method is a dataclass whose fields are its parameters (defaults from its
paper) and whose ``extract(video) -> (times, signal)`` returns ``times`` in
seconds (N,), strictly increasing, one per frame, and ``signal`` (N,) finite in
[0, 1]. ``video`` is a ``Recording`` or a path to a video file.

A learned method that can be trained inside a benchmark run also implements
``needs_training()`` (true while it has no weights) and
``fit(recordings, out_dir, seed) -> params``: it trains on the given
recordings only and returns the parameters (e.g. ``{"model": path}``) that
make a new instance use what it learned (see :mod:`rppg_bench.training`).

Classical methods only implement ``pulse(rgb, fps)`` on the shared per-frame
mean skin colour; face tracking and post-processing are done once, here. The
output follows blood volume like a contact PPG (it rises when the skin darkens),
so waveform correlation with an oximeter's PPG is positive.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from ..datasets.recording import Recording
from ..metrics.bands import DEFAULT_BAND_HZ
from ..metrics.signal import signal_postprocess


@dataclass
class Method:
    """A rPPG method; subclasses set ``name``, ``kind``, ``paper``."""

    name: ClassVar[str] = ""
    kind: ClassVar[str] = "classical"
    paper: ClassVar[str] = ""

    def extract(self, video: Recording | str | Path) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    @classmethod
    def parameters(cls) -> dict[str, Any]:
        """Parameter names and their defaults."""
        return {f.name: f.default for f in fields(cls)}

    def needs_training(self) -> bool:
        """True when this instance cannot ``extract`` before :meth:`fit` (a learned method without weights)."""
        return False

    def fit(self, recordings: Sequence[Recording], out_dir: Path, seed: int = 0) -> dict[str, Any]:
        """Train on ``recordings`` only, writing files under ``out_dir``; return the parameters
        that make a new instance of this method use the result (e.g. ``{"model": "<path>"}``)."""
        raise NotImplementedError(f"method {self.name!r} cannot be trained inside a benchmark run")


@dataclass
class ClassicalMethod(Method):
    """A method computed from the per-frame mean skin RGB trace.

    ``band`` (Hz) and ``detrend_lambda`` set the shared post-processing.
    """

    band: tuple[float, float] = DEFAULT_BAND_HZ
    detrend_lambda: float = 100.0

    def pulse(self, rgb: np.ndarray, fps: float) -> np.ndarray:
        """Raw pulse signal (N,) from mean skin colour ``rgb`` (N, 3), RGB order, at ``fps`` Hz.

        Convention: the signal rises with skin reflectance (as the green channel does).
        """
        raise NotImplementedError

    def extract(self, video: Recording | str | Path) -> tuple[np.ndarray, np.ndarray]:
        from ..preprocessing.store import (
            rgb_trace,  # mediapipe is imported only when frames are processed
        )

        trace = rgb_trace(video)
        return trace.times, self.signal_from_rgb(trace.rgb, trace.fps)

    def signal_from_rgb(self, rgb: np.ndarray, fps: float) -> np.ndarray:
        """The method's output (N,) in [0, 1] for a mean skin colour trace ``rgb`` (N, 3) at ``fps`` Hz:
        :meth:`pulse`, sign-flipped and post-processed (what ``extract`` returns; the live view's windows)."""
        # More blood absorbs more light: a contact PPG rises when reflectance falls.
        raw = -np.asarray(self.pulse(rgb, fps), dtype=float)
        return signal_postprocess(raw, fps, self.band, self.detrend_lambda)
