"""MMPD fixture writer: ``subject<N>/p<N>_<k>.mat`` MAT v5 files laid out as the dataset ships them.

Each file holds ``video`` (``T x H x W x 3`` float32 in [0, 1], written
zlib-compressed as MATLAB's default ``-v7``), ``GT_ppg`` (``1 x T`` float64,
one sample per frame at 30 Hz) and the eight labels as MATLAB char arrays,
except ``skin_color`` (a ``1 x 1`` double), all through ``scipy.io.savemat``.
The frames and PPG come from :func:`fixtures_pulse.known_pulse_clip` at 30 fps.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import scipy.io as sio
from fixtures_formats import contract_series, pattern_frame
from fixtures_pulse import Clip, pulse_at

MMPD_FPS = 30.0
#: the labels of one recording, as MMPD stores them
LABELS = {"light": "LED-high", "motion": "Stationary", "exercise": "False", "skin_color": 3,
          "gender": "female", "glasser": "True", "hair_cover": "False", "makeup": "False"}


def mmpd_variables(clip: Clip, *, labels: dict | None = None, n_ppg: int | None = None) -> dict:
    """The variables of one MMPD MAT-file from ``clip`` (``n_ppg``: keep only that many PPG samples)."""
    _, ppg = pulse_at(clip, MMPD_FPS, tail_s=0.5 / MMPD_FPS)  # one sample per frame, the last included
    ppg = ppg[:clip.frames.shape[0]] if n_ppg is None else ppg[:n_ppg]
    out = {"video": (clip.frames.astype(np.float32) / np.float32(255.0)), "GT_ppg": ppg.reshape(1, -1)}
    for name, value in {**LABELS, **(labels or {})}.items():
        out[name] = np.array([[float(value)]]) if name == "skin_color" else value
    return out


def write_mmpd_file(root: Path, subject: int, index: int, variables: dict) -> Path:
    """``root/subject<subject>/p<subject>_<index>.mat`` (MAT v5, compressed); returns its path."""
    path = Path(root) / f"subject{subject}" / f"p{subject}_{index}.mat"
    path.parent.mkdir(parents=True, exist_ok=True)
    sio.savemat(path, variables, do_compression=True, oned_as="row")
    return path


#: the registered dataset whose layout this module writes (found by tests/test_dataset_contract.py)
CONTRACT_DATASET = "mmpd"

def contract_root(root: Path) -> None:
    """One MAT v5 file: float [0, 1] video, 1 x T PPG, the eight labels."""
    _, ppg, _ = contract_series(30)
    video = np.stack([pattern_frame(i) for i in range(30)]).astype(np.float32) / 255
    write_mmpd_file(root, 1, 0, {"video": video, "GT_ppg": ppg[None], **LABELS})
