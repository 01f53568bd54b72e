"""A writer for the BP4D+ layout (:mod:`rppg_bench.datasets.bp4dplus`), from a clip with a known pulse.

- ``root/2D+3D/<subject>.zip``: entries ``<subject>/<task>/<index>.jpg``, one JPEG per
  frame at 25 fps. The real frames are 1040x1392 px; the fixture's are the clip's size
  (e.g. a 160x120 face), which the loader does not depend on. Entry names are
  zero-padded indices (the loader sorts them naturally).
- ``root/Physiology/<subject>/<task>/``: ``BP_mmHg.txt`` (the clip's pulse as a
  blood-pressure wave, 80-120 mmHg, rising with blood volume), ``Pulse Rate_BPM.txt``
  (the clip's mean heart rate), ``Resp_Volts.txt`` and ``Respiration Rate_BPM.txt``,
  each one value per line at 1000 Hz, sample ``i`` at ``i / 1000`` s like frame
  ``i / 25``.
"""

from __future__ import annotations

import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path

import cv2
import numpy as np
from fixtures_pulse import Clip, pulse_at, tiny_clip

PHYSIOLOGY_RATE_HZ = 1000.0


def jpeg_bytes(frame: np.ndarray, quality: int = 95) -> bytes:
    """One RGB uint8 frame (H, W, 3) encoded as JPEG."""
    ok, buf = cv2.imencode(".jpg", cv2.cvtColor(frame, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError("cannot encode frame")
    return buf.tobytes()


def write_subject_zip(path: Path, subject: str, tasks: Mapping[str, np.ndarray | Sequence[bytes]]) -> Path:
    """``path`` (a zip) with ``<subject>/<task>/<index>.jpg`` for each task's frames (RGB arrays or JPEG bytes)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive:
        for task, frames in tasks.items():
            for i, frame in enumerate(frames):
                data = frame if isinstance(frame, bytes) else jpeg_bytes(frame)
                archive.writestr(f"{subject}/{task}/{i:04d}.jpg", data)
    return path


def write_column(path: Path, values: Sequence[float]) -> Path:
    """``values`` one per line (``%.4f``), as the physiology files."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{v:.4f}\n" for v in values))
    return path


def blood_pressure(clip: Clip, *, tail_s: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """The clip's pulse at 1000 Hz from t = 0 as a pressure wave (mmHg, 80 to 120): (times s, values)."""
    t, p = pulse_at(clip, PHYSIOLOGY_RATE_HZ, tail_s=tail_s)
    return t, 80.0 + 40.0 * (p - p.min()) / np.ptp(p)


def write_physiology(folder: Path, clip: Clip, *, bp_seconds: float | None = None) -> Path:
    """The four physiology files of one task in ``folder``; ``bp_seconds`` cuts the waveform to that length."""
    t, bp = blood_pressure(clip, tail_s=0.5)
    if bp_seconds is not None:
        bp = bp[:int(round(bp_seconds * PHYSIOLOGY_RATE_HZ))]
    write_column(folder / "BP_mmHg.txt", bp)
    write_column(folder / "Pulse Rate_BPM.txt", np.full(bp.size, round(clip.hr_bpm, 1)))
    write_column(folder / "Resp_Volts.txt", 0.5 * np.sin(2 * np.pi * 0.25 * t[:bp.size]))
    write_column(folder / "Respiration Rate_BPM.txt", np.full(bp.size, 15.0))
    return folder


def write_bp4d_recordings(root: Path, subject: str, tasks: Sequence[str], clip: Clip) -> Path:
    """``subject``'s zip with the clip's frames for every task in ``tasks`` and their physiology folders."""
    root = Path(root)
    encoded = [jpeg_bytes(f) for f in clip.frames]
    write_subject_zip(root / "2D+3D" / f"{subject}.zip", subject, {task: encoded for task in tasks})
    for task in tasks:
        write_physiology(root / "Physiology" / subject / task, clip)
    return root


#: the registered dataset whose layout this module writes (found by tests/test_dataset_contract.py)
CONTRACT_DATASET = "bp4d+"


def contract_root(root: Path) -> None:
    """Two tiny tasks (20 frames) of one subject, for the dataset-contract test."""
    write_bp4d_recordings(root, "F001", ["T1", "T2"], tiny_clip(20, 25.0))
