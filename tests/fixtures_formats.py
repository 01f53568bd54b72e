"""Writers that reproduce each dataset's on-disk format exactly (DESIGN.md section 2).

Tiny videos (64x48, MJPG in .avi, mp4v in .mp4) and ground-truth files laid out
like the originals, for the loader tests. The formats themselves are written
by the package's :mod:`rppg_bench.datasets.writers` (which the synthetic
generator uses too); this module adds the test pattern frames and the
per-recording helpers with the defaults the tests rely on:

- UBFC-rPPG DATASET_2: ``<name>/vid.avi`` + ``<name>/ground_truth.txt``, three
  lines of ``%16.7e`` numbers (leading spaces): PPG, HR (bpm), times (s).
- UBFC-rPPG DATASET_1: ``<name>/vid.avi`` + ``<name>/gtdump.xmp``, rows
  ``time_ms,hr,spo2,ppg``.
- PURE: ``NN-MM/NN-MM/Image<ns>.png`` + ``NN-MM/NN-MM.json`` (``/FullPackage``,
  ``/Image``, integer ns timestamps).
- folder: ``<stem>.avi|.mp4`` + ``<stem>.txt``, three lines of space-separated
  floats: PPG, HR (may be empty), times (s).

The package writers write whatever they are given, so the tests make broken
files (lengths that disagree, a JSON ``/Image`` list that disagrees with the
PNG files) through the same functions, or by editing the written files.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from rppg_bench.datasets import writers
from rppg_bench.datasets.writers import (  # noqa: F401  (re-exported for the tests)
    FOURCC_BY_SUFFIX,
    format_ubfc_line,
    pure_package,
)


def contract_series(n: int, fps: float = 30.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``n`` samples at ``fps`` Hz for the dataset-contract fixtures: times (s), a 72 bpm sine PPG, an HR (bpm)."""
    t = np.arange(n) / fps
    return t, np.sin(2 * np.pi * 1.2 * t), 72.0 + (np.arange(n) % 3)


def pattern_frame(index: int, *, size: tuple[int, int] = (64, 48)) -> np.ndarray:
    """A deterministic RGB uint8 frame (H, W, 3) that changes with ``index``."""
    width, height = size
    y, x = np.mgrid[0:height, 0:width]
    frame = np.stack([(x * 4 + index * 3) % 256, (y * 5 + index) % 256,
                      np.full_like(x, (index * 7) % 256)], axis=-1)
    return frame.astype(np.uint8)


def write_video(path: Path, *, n_frames: int = 30, fps: float = 30.0,
                size: tuple[int, int] = (64, 48),
                frames: Iterable[np.ndarray] | None = None) -> Path:
    """Write an RGB video with OpenCV (MJPG for .avi, mp4v for .mp4); returns ``path``.

    ``size`` is (width, height) in pixels; ``frames`` (RGB uint8) overrides the
    generated ``n_frames`` test pattern.
    """
    if frames is None:
        frames = (pattern_frame(i, size=size) for i in range(n_frames))
    writers.write_video(path, frames, fps, size=size)
    return Path(path)


# UBFC-rPPG ------------------------------------------------------------------

def write_ubfc2_ground_truth(path: Path, ppg: Sequence[float], hr: Sequence[float],
                             times: Sequence[float]) -> Path:
    """DATASET_2 ``ground_truth.txt``: lines PPG, HR (bpm), timestamps (s)."""
    return writers.write_ubfc_ground_truth(path, ppg, hr, times)


def write_ubfc2_recording(root: Path, name: str, *, ppg: Sequence[float], hr: Sequence[float],
                          times: Sequence[float], n_frames: int = 30, fps: float = 30.0) -> Path:
    """``root/name/vid.avi`` + ``ground_truth.txt``; returns the recording folder."""
    folder = Path(root) / name
    write_video(folder / "vid.avi", n_frames=n_frames, fps=fps)
    write_ubfc2_ground_truth(folder / "ground_truth.txt", ppg, hr, times)
    return folder


def write_gtdump(path: Path, times_ms: Sequence[float], hr: Sequence[float],
                 spo2: Sequence[float], ppg: Sequence[float]) -> Path:
    """DATASET_1 ``gtdump.xmp``: one CSV row per oximeter sample, ``time_ms,hr,spo2,ppg``."""
    return writers.write_gtdump(path, times_ms, hr, spo2, ppg)


def write_ubfc1_recording(root: Path, name: str, *, times_ms: Sequence[float], hr: Sequence[float],
                          spo2: Sequence[float], ppg: Sequence[float], n_frames: int = 30,
                          fps: float = 30.0) -> Path:
    """``root/name/vid.avi`` + ``gtdump.xmp``; returns the recording folder."""
    folder = Path(root) / name
    write_video(folder / "vid.avi", n_frames=n_frames, fps=fps)
    write_gtdump(folder / "gtdump.xmp", times_ms, hr, spo2, ppg)
    return folder


# PURE -----------------------------------------------------------------------

def write_pure_json(path: Path, packages: Sequence[dict], image_ns: Sequence[int]) -> Path:
    """``NN-MM.json`` with ``/FullPackage`` (oximeter samples) and ``/Image`` (one per frame)."""
    return writers.write_pure_json(path, packages, image_ns, indent=4)


def write_pure_frames(frame_dir: Path, image_ns: Sequence[int], *,
                      size: tuple[int, int] = (64, 48)) -> list[Path]:
    """Lossless ``Image<ns>.png`` test-pattern frames, one per timestamp; returns their paths."""
    frames = (pattern_frame(i, size=size) for i in range(len(image_ns)))
    return writers.write_pure_frames(frame_dir, frames, image_ns)


def write_pure_recording(root: Path, name: str, *, image_ns: Sequence[int], packages: Sequence[dict],
                         json_image_ns: Sequence[int] | None = None) -> Path:
    """``root/name/name/Image<ns>.png`` + ``root/name/name.json``; returns the recording folder.

    ``json_image_ns`` (default: ``image_ns``) lets a test make the JSON
    ``/Image`` list disagree with the PNG files.
    """
    folder = Path(root) / name
    write_pure_frames(folder / name, image_ns)
    write_pure_json(folder / f"{name}.json", packages,
                    image_ns if json_image_ns is None else json_image_ns)
    return folder


# Folder of videos -------------------------------------------------------------

def write_folder_txt(path: Path, ppg: Sequence[float], times: Sequence[float],
                     hr: Sequence[float] | None = None) -> Path:
    """Same-stem ``.txt``: PPG, HR (empty line when None), timestamps (s), space-separated."""
    return writers.write_folder_ground_truth(path, ppg, times, hr)


def write_folder_recording(root: Path, stem: str, *, ppg: Sequence[float], times: Sequence[float],
                           hr: Sequence[float] | None = None, suffix: str = ".avi",
                           n_frames: int = 30, fps: float = 30.0) -> Path:
    """``root/stem.avi|.mp4`` + ``root/stem.txt``; returns the video path."""
    video = write_video(Path(root) / f"{stem}{suffix}", n_frames=n_frames, fps=fps)
    write_folder_txt(video.with_suffix(".txt"), ppg, times, hr)
    return video
