"""SCAMPS fixture writer: ``P<NNNNNN>.mat`` MATLAB v7.3 files (HDF5 behind the 512-byte MATLAB userblock).

Each file holds, as MATLAB writes them (column-major, so h5py sees the axes
reversed, and a ``MATLAB_class`` attribute on every dataset):

- ``Xsub``: MATLAB ``T x H x W x 3`` double RGB in [0, 1] -> h5py ``(3, W, H, T)``;
- ``d_ppg``: MATLAB ``T x 1`` double, one sample per frame at 30 Hz -> h5py ``(1, T)``;
- ``d_br``: a breathing waveform of the same length (not read by the loader).

The frames and PPG come from :func:`fixtures_pulse.known_pulse_clip` at 30 fps.
"""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
from fixtures_formats import contract_series, pattern_frame
from fixtures_pulse import Clip, pulse_at

SCAMPS_FPS = 30.0
MATLAB_73_HEADER = b"MATLAB 7.3 MAT-file, Platform: GLNXA64, Created on: Mon Jan  2 10:00:00 2023 HDF5 schema 1.00 ."


def scamps_variables(clip: Clip, *, n_ppg: int | None = None) -> dict[str, np.ndarray]:
    """The variables of one SCAMPS file from ``clip``, in MATLAB's axis order (``n_ppg``: PPG samples kept)."""
    t, ppg = pulse_at(clip, SCAMPS_FPS, tail_s=0.5 / SCAMPS_FPS)  # one sample per frame, the last included
    ppg = ppg[:clip.frames.shape[0]] if n_ppg is None else ppg[:n_ppg]
    return {"Xsub": clip.frames.astype(np.float64) / 255.0, "d_ppg": ppg.reshape(-1, 1),
            "d_br": np.sin(2 * np.pi * 0.25 * t[:ppg.size]).reshape(-1, 1)}


def write_mat73(path: Path, variables: dict[str, np.ndarray]) -> Path:
    """A MATLAB v7.3 MAT-file: HDF5 with a 512-byte userblock holding MATLAB's 128-byte text header;
    every array is stored transposed (h5py order = MATLAB order reversed), with its ``MATLAB_class``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with h5py.File(path, "w", userblock_size=512) as fh:
        for name, value in variables.items():
            ds = fh.create_dataset(name, data=np.transpose(np.asarray(value, dtype=np.float64)))
            ds.attrs["MATLAB_class"] = np.bytes_("double")
    with open(path, "r+b") as fh:
        fh.write(MATLAB_73_HEADER[:116].ljust(116) + b"\x00" * 8 + b"\x00\x02" + b"IM")
    return path


def write_scamps_file(root: Path, number: int, variables: dict[str, np.ndarray]) -> Path:
    """``root/P<number:06d>.mat``; returns its path."""
    return write_mat73(Path(root) / f"P{number:06d}.mat", variables)


#: the registered dataset whose layout this module writes (found by tests/test_dataset_contract.py)
CONTRACT_DATASET = "scamps"

def contract_root(root: Path) -> None:
    """One MAT v7.3 (HDF5) file: Xsub and d_ppg."""
    _, ppg, _ = contract_series(30)
    video = np.stack([pattern_frame(i) for i in range(30)]) / 255
    write_scamps_file(root, 1, {"Xsub": video, "d_ppg": ppg[:, None]})
