"""Writers that reproduce each dataset's on-disk format exactly (DESIGN.md section 2).

Tiny videos (64x48, MJPG in .avi, mp4v in .mp4) and ground-truth files laid out
like the originals, for the loader tests and anything else that needs a real
layout (e.g. the synthetic generator):

- UBFC-rPPG DATASET_2: ``<name>/vid.avi`` + ``<name>/ground_truth.txt``, three
  lines of ``%16.7e`` numbers (leading spaces): PPG, HR (bpm), times (s).
- UBFC-rPPG DATASET_1: ``<name>/vid.avi`` + ``<name>/gtdump.xmp``, rows
  ``time_ms,hr,spo2,ppg``.
- PURE: ``NN-MM/NN-MM/Image<ns>.png`` + ``NN-MM/NN-MM.json`` (``/FullPackage``,
  ``/Image``, integer ns timestamps).
- folder: ``<stem>.avi|.mp4`` + ``<stem>.txt``, three lines of space-separated
  floats: PPG, HR (may be empty), times (s).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable, Sequence

import cv2
import numpy as np

FOURCC_BY_SUFFIX = {".avi": "MJPG", ".mp4": "mp4v"}


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
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fourcc = cv2.VideoWriter_fourcc(*FOURCC_BY_SUFFIX[path.suffix.lower()])
    writer = cv2.VideoWriter(str(path), fourcc, float(fps), size)
    if not writer.isOpened():
        raise RuntimeError(f"{path}: OpenCV cannot write this video")
    try:
        for frame in frames if frames is not None else (pattern_frame(i, size=size) for i in range(n_frames)):
            writer.write(cv2.cvtColor(np.ascontiguousarray(frame), cv2.COLOR_RGB2BGR))
    finally:
        writer.release()
    return path


# UBFC-rPPG ------------------------------------------------------------------

def format_ubfc_line(values: Sequence[float]) -> str:
    """One DATASET_2 line: each value as ``%16.7e`` (e.g. ``'   1.2028675e-01  -1.7258076e-01'``)."""
    return "".join("%16.7e" % v for v in values)


def write_ubfc2_ground_truth(path: Path, ppg: Sequence[float], hr: Sequence[float],
                             times: Sequence[float]) -> Path:
    """DATASET_2 ``ground_truth.txt``: lines PPG, HR (bpm), timestamps (s)."""
    path = Path(path)
    path.write_text("".join(format_ubfc_line(v) + "\n" for v in (ppg, hr, times)))
    return path


def write_ubfc2_recording(root: Path, name: str, *, ppg: Sequence[float], hr: Sequence[float],
                          times: Sequence[float], n_frames: int = 30, fps: float = 30.0) -> Path:
    """``root/name/vid.avi`` + ``ground_truth.txt``; returns the recording folder."""
    folder = Path(root) / name
    write_video(folder / "vid.avi", n_frames=n_frames, fps=fps)
    write_ubfc2_ground_truth(folder / "ground_truth.txt", ppg, hr, times)
    return folder


def _number(value: float) -> str:
    """Integers without a decimal point, other floats in round-trip form."""
    value = float(value)
    return str(int(value)) if value.is_integer() else repr(value)


def write_gtdump(path: Path, times_ms: Sequence[float], hr: Sequence[float],
                 spo2: Sequence[float], ppg: Sequence[float]) -> Path:
    """DATASET_1 ``gtdump.xmp``: one CSV row per oximeter sample, ``time_ms,hr,spo2,ppg``."""
    path = Path(path)
    rows = zip(times_ms, hr, spo2, ppg, strict=True)
    path.write_text("".join(",".join(_number(v) for v in row) + "\n" for row in rows))
    return path


def write_ubfc1_recording(root: Path, name: str, *, times_ms: Sequence[float], hr: Sequence[float],
                          spo2: Sequence[float], ppg: Sequence[float], n_frames: int = 30,
                          fps: float = 30.0) -> Path:
    """``root/name/vid.avi`` + ``gtdump.xmp``; returns the recording folder."""
    folder = Path(root) / name
    write_video(folder / "vid.avi", n_frames=n_frames, fps=fps)
    write_gtdump(folder / "gtdump.xmp", times_ms, hr, spo2, ppg)
    return folder


# PURE -----------------------------------------------------------------------

def pure_package(timestamp_ns: int, waveform: int, pulse_rate: int, *, spo2: int = 98,
                 signal_strength: int = 4, probe_error: bool = False) -> dict:
    """One ``/FullPackage`` entry as in the PURE JSON."""
    return {"Timestamp": int(timestamp_ns),
            "Value": {"waveform": int(waveform), "pulseRate": int(pulse_rate),
                      "o2saturation": int(spo2), "signalStrength": int(signal_strength),
                      "probeError": bool(probe_error)}}


def write_pure_json(path: Path, packages: Sequence[dict], image_ns: Sequence[int]) -> Path:
    """``NN-MM.json`` with ``/FullPackage`` (oximeter samples) and ``/Image`` (one per frame)."""
    path = Path(path)
    data = {"/FullPackage": list(packages), "/Image": [{"Timestamp": int(t)} for t in image_ns]}
    path.write_text(json.dumps(data, indent=4))
    return path


def write_pure_frames(frame_dir: Path, image_ns: Sequence[int], *,
                      size: tuple[int, int] = (64, 48)) -> list[Path]:
    """Lossless ``Image<ns>.png`` frames, one per timestamp; returns their paths."""
    frame_dir = Path(frame_dir)
    frame_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, ns in enumerate(image_ns):
        path = frame_dir / f"Image{int(ns)}.png"
        if not cv2.imwrite(str(path), cv2.cvtColor(pattern_frame(i, size=size), cv2.COLOR_RGB2BGR)):
            raise RuntimeError(f"{path}: OpenCV cannot write this image")
        paths.append(path)
    return paths


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
    path = Path(path)
    lines = [" ".join(repr(float(v)) for v in series) for series in (ppg, () if hr is None else hr, times)]
    path.write_text("\n".join(lines) + "\n")
    return path


def write_folder_recording(root: Path, stem: str, *, ppg: Sequence[float], times: Sequence[float],
                           hr: Sequence[float] | None = None, suffix: str = ".avi",
                           n_frames: int = 30, fps: float = 30.0) -> Path:
    """``root/stem.avi|.mp4`` + ``root/stem.txt``; returns the video path."""
    video = write_video(Path(root) / f"{stem}{suffix}", n_frames=n_frames, fps=fps)
    write_folder_txt(video.with_suffix(".txt"), ppg, times, hr)
    return video
