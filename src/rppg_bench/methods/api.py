"""Drop-in functions for users of the original scripts.

``extract_rppg_signal_chrom(video_path)`` and friends return ``(times, signal)``
exactly as the registered method's ``extract`` does: times in seconds (N,),
signal (N,) in [0, 1], one value per frame.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .registry import create_method


def extract_rppg_signal(video_path: str | Path, method: str = "pos", **params) -> tuple[np.ndarray, np.ndarray]:
    """Run registered ``method`` (with keyword ``params``) on one video file."""
    return create_method(method, **params).extract(Path(video_path))


def extract_rppg_signal_chrom(video_path: str | Path, **params) -> tuple[np.ndarray, np.ndarray]:
    """CHROM (de Haan & Jeanne 2013) on one video file; ``params`` as ``methods.chrom.CHROM``."""
    return extract_rppg_signal(video_path, "chrom", **params)


def extract_rppg_signal_ica(video_path: str | Path, **params) -> tuple[np.ndarray, np.ndarray]:
    """ICA (Poh et al. 2010) on one video file; ``params`` as ``methods.ica.ICA``."""
    return extract_rppg_signal(video_path, "ica", **params)


def extract_rppg_signal_pos(video_path: str | Path, **params) -> tuple[np.ndarray, np.ndarray]:
    """POS (Wang et al. 2017) on one video file; ``params`` as ``methods.pos.POS``."""
    return extract_rppg_signal(video_path, "pos", **params)
