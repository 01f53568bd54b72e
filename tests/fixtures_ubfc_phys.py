"""Writers of the UBFC-Phys layout (Meziati Sabour et al. 2021), for the loader tests.

One folder per participant, ``<root>/s<N>/``, holding per task ``T<k>``:

- ``vid_s<N>_T<k>.avi``: the face video (35 fps in the dataset; written here
  as Motion-JPEG at OpenCV quality 50 by :func:`rppg_bench.datasets.writers.write_video`);
- ``bvp_s<N>_T<k>.csv``: the BVP, one value a line, no header, 64 Hz from the
  video's start;
- ``eda_s<N>_T<k>.csv``: the EDA (µS), same layout, 4 Hz;

and one ``info_s<N>.txt`` whose third line is the group, ``test`` or ``ctrl``
(the loader reads only that line; lines 1-2 are written as id and gender).

:func:`write_take_from_clip` lays out a :func:`fixtures_pulse.known_pulse_clip`
(rendered at 35 fps) with its pulse resampled at 64 Hz by
:func:`fixtures_pulse.pulse_at`; the low-level writers write whatever they are
given, so tests can also write truncated or malformed files.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
from fixtures_formats import pattern_frame
from fixtures_pulse import Clip, pulse_at

from rppg_bench.datasets import writers

VIDEO_FPS = 35.0
BVP_RATE_HZ = 64.0
EDA_RATE_HZ = 4.0
MJPEG_QUALITY = 50  # OpenCV's encoder, about libjpeg 90: the pulse survives a second compression


def format_value(value: float) -> str:
    """A number as written in the CSV files: the shortest text that reads back to the same float."""
    return repr(float(value))


def write_lines(path: Path, values: Iterable[float | str]) -> Path:
    """One value a line (numbers via :func:`format_value`, strings as given), newline-terminated."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "".join(f"{v if isinstance(v, str) else format_value(v)}\n" for v in values)
    path.write_text(text, encoding="utf-8")
    return path


def take_path(root: Path, subject: str, task: str, prefix: str, suffix: str) -> Path:
    """``root/s<N>/<prefix>_s<N>_T<k><suffix>``, e.g. ``root/s1/bvp_s1_T1.csv``."""
    return Path(root) / subject / f"{prefix}_{subject}_{task}{suffix}"


def write_info(root: Path, subject: str, group: str, gender: str = "f") -> Path:
    """``s<N>/info_s<N>.txt``: lines participant id, gender, group (``test`` | ``ctrl``)."""
    return write_lines(Path(root) / subject / f"info_{subject}.txt", [subject, gender, group])


def write_take(root: Path, subject: str, task: str, *, bvp: Sequence[float | str] | None,
               eda: Sequence[float | str] | None = None, frames: Iterable[np.ndarray] | None = None,
               n_frames: int = 70, fps: float = VIDEO_FPS, size: tuple[int, int] = (64, 48),
               video: bool = True) -> Path:
    """Write one task's files (each only when given; ``video=False`` leaves the video out).

    ``frames`` (RGB uint8) default to ``n_frames`` test-pattern frames of
    ``size`` (width, height). Returns the participant's folder.
    """
    if video:
        if frames is None:
            frames = (pattern_frame(i, size=size) for i in range(n_frames))
        writers.write_video(take_path(root, subject, task, "vid", ".avi"), frames, fps, size=size,
                            mjpeg_quality=MJPEG_QUALITY)
    if bvp is not None:
        write_lines(take_path(root, subject, task, "bvp", ".csv"), bvp)
    if eda is not None:
        write_lines(take_path(root, subject, task, "eda", ".csv"), eda)
    return Path(root) / subject


def eda_for(duration_s: float) -> np.ndarray:
    """A slowly rising skin conductance (µS) at 4 Hz over ``duration_s``."""
    t = np.arange(0.0, duration_s, 1.0 / EDA_RATE_HZ)
    return 2.0 + 0.05 * t + 0.01 * np.sin(t)


def write_take_from_clip(root: Path, subject: str, task: str, clip: Clip) -> Path:
    """The clip's frames as ``vid_s<N>_T<k>.avi``, its pulse at 64 Hz as ``bvp_...csv``, and an EDA."""
    _, bvp = pulse_at(clip, BVP_RATE_HZ, tail_s=1.0 / clip.fps)
    height, width = clip.frames.shape[1:3]
    return write_take(root, subject, task, bvp=bvp, eda=eda_for(clip.frame_times[-1] + 1.0 / clip.fps),
                      frames=iter(clip.frames), fps=clip.fps, size=(width, height))


#: the registered dataset whose layout this module writes (found by tests/test_dataset_contract.py)
CONTRACT_DATASET = "ubfc-phys"

def contract_root(root: Path) -> None:
    """Participant s1, task T1 (70 frames at 35 fps, BVP at 64 Hz), group test."""
    t = np.arange(129) / 64.0
    write_take(root, "s1", "T1", bvp=np.sin(2 * np.pi * 1.2 * t), n_frames=70)
    write_info(root, "s1", "test")
