"""A writer for the PhysDrive layout (:mod:`rppg_bench.datasets.physdrive`), from a clip with a known pulse.

``root/<subject>/<session>/Align/<i>.png``: one PNG per frame at 30 fps, named by
the frame index without padding (``0.png``, ``1.png``, ..., ``10.png``: the
authors' code sorts them by that integer; the start index is not documented),
of the clip's size. ``root/<subject>/<session>/Label/``: ``BVP.mat``,
``RESP.mat``, ``SPO2.mat`` and ``ECG.mat``, each a compressed MATLAB v5 file
(``scipy.io.savemat``, which the authors' ``loadmat`` reads) holding one
``1 x T`` double variable named after the file, one sample per frame (30 Hz,
sample ``i`` at ``i / 30`` s like frame ``i``). The RESP is a 0.25 Hz sine,
the SpO2 a constant 97 %; the ECG's real variable name and rate are unknown,
it stands only for the file being there (the loader does not read it).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import scipy.io as sio
from fixtures_pulse import Clip, pulse_at, tiny_clip

from rppg_bench.datasets.writers import write_image_frames

PHYSDRIVE_FPS = 30.0
LABEL_FILES = ("BVP", "RESP", "SPO2", "ECG")


def write_png_frames(frame_dir: Path, frames: np.ndarray, *, first: int = 0) -> list[Path]:
    """RGB uint8 frames (N, H, W, 3) as ``frame_dir/<first + i>.png`` (no zero padding)."""
    return write_image_frames(frame_dir, frames, [f"{first + i}.png" for i in range(len(frames))])


def write_label(path: Path, key: str, values: Sequence[float]) -> Path:
    """``path``: a compressed MAT v5 file with the ``1 x T`` double variable ``key``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    sio.savemat(path, {key: np.asarray(values, dtype=float).reshape(1, -1)}, do_compression=True)
    return path


def label_series(clip: Clip, n: int) -> dict[str, np.ndarray]:
    """The four label series of ``n`` samples at 30 Hz: the clip's pulse as BVP, RESP, SPO2, ECG."""
    _, bvp = pulse_at(clip, PHYSDRIVE_FPS, tail_s=0.5 / PHYSDRIVE_FPS)  # one sample per frame, the last included
    t = np.arange(n) / PHYSDRIVE_FPS
    return {"BVP": bvp[:n], "RESP": np.sin(2 * np.pi * 0.25 * t), "SPO2": np.full(n, 97.0),
            "ECG": np.cos(2 * np.pi * clip.hr_bpm / 60 * t) ** 15}


def write_session_labels(folder: Path, clip: Clip, *, n_bvp: int | None = None) -> None:
    """``folder/Label/*.mat`` for ``clip`` (one sample per frame; ``n_bvp`` truncates the BVP)."""
    n = len(clip.frames)
    for key, values in label_series(clip, n).items():
        write_label(folder / "Label" / f"{key}.mat", key, values[:n_bvp] if key == "BVP" else values)


def write_physdrive_session(root: Path, subject: str, session: str, clip: Clip, *,
                            n_bvp: int | None = None) -> Path:
    """``root/subject/session`` with the clip's frames in ``Align/`` and its labels; returns the folder."""
    folder = Path(root) / subject / session
    write_png_frames(folder / "Align", clip.frames)
    write_session_labels(folder, clip, n_bvp=n_bvp)
    return folder


#: the registered dataset whose layout this module writes (found by tests/test_dataset_contract.py)
CONTRACT_DATASET = "physdrive"


def contract_root(root: Path) -> None:
    """Two tiny sessions (20 frames), in the rPPG-Toolbox's and the README's session naming."""
    write_physdrive_session(root, "AFH1", "A1", tiny_clip(20, PHYSDRIVE_FPS))
    write_physdrive_session(root, "CMZ2", "BT", tiny_clip(20, PHYSDRIVE_FPS))
