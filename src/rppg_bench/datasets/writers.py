"""Writers of the real dataset layouts the loaders read (DESIGN.md section 2).

The inverse of :mod:`.ubfc`, :mod:`.pure` and :mod:`.folder`: the synthetic
generator writes its recordings with these, the loader tests write their
fixtures with them, and a user can convert their own data into a layout the
harness reads. Each writer reproduces the original files exactly:

- **UBFC-rPPG DATASET_2** (:func:`write_ubfc_subject`): ``<folder>/vid.avi`` and
  ``<folder>/ground_truth.txt``, three lines of ``%16.7e`` numbers, each line
  starting with spaces (``   1.2028675e-01  -1.7258076e-01 ...``): PPG, HR
  (bpm), timestamps (s).
- **UBFC-rPPG DATASET_1** (:func:`write_gtdump`): ``gtdump.xmp``, one CSV row
  per oximeter sample, ``time_ms,hr,spo2,ppg``.
- **PURE** (:func:`write_pure_session`): ``NN-MM/NN-MM/Image<ns>.png`` lossless
  frames and ``NN-MM/NN-MM.json`` with ``"/FullPackage"`` (oximeter samples:
  ``{"Timestamp": ns, "Value": {"waveform", "pulseRate", "o2saturation",
  "signalStrength", "probeError"}}``) and ``"/Image"`` (``{"Timestamp": ns}``
  per frame); all timestamps integer ns.
- **Folder of videos** (:func:`write_folder_ground_truth`): a same-stem
  ``.txt`` next to each video, three lines of space-separated floats: PPG, HR
  (may be empty), timestamps (s).

The low-level writers (:func:`write_ubfc_ground_truth`, :func:`write_pure_json`,
...) write whatever they are given, without consistency checks, so tests can
also write deliberately inconsistent files; :func:`write_ubfc_subject` and
:func:`write_pure_session` check that frames and ground truth agree. Frames
are RGB uint8 (H, W, 3) everywhere (converted to OpenCV's BGR on writing).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path

import cv2
import numpy as np

__all__ = [
    "FOURCC_BY_SUFFIX",
    "format_ubfc_line",
    "pure_package",
    "write_beat_times",
    "write_folder_ground_truth",
    "write_gtdump",
    "write_pure_frames",
    "write_pure_json",
    "write_pure_session",
    "write_ubfc_ground_truth",
    "write_ubfc_subject",
    "write_video",
]

#: the codec OpenCV writes for each video suffix
FOURCC_BY_SUFFIX = {".avi": "MJPG", ".mp4": "mp4v"}


# ------------------------------------------------------------------ videos
def write_video(path: str | Path, frames: Iterable[np.ndarray], fps: float = 30.0, *,
                size: tuple[int, int] | None = None, mjpeg_quality: float | None = None) -> int:
    """Write RGB uint8 ``frames`` (H, W, 3) as a video at ``fps`` Hz; returns how many were written.

    The codec follows the suffix (:data:`FOURCC_BY_SUFFIX`: Motion-JPEG in
    ``.avi``, MPEG-4 part 2 in ``.mp4``). ``size`` (width, height) opens the
    file before the first frame (an empty iterable then still writes a file);
    by default it is taken from the first frame. ``mjpeg_quality`` (0-100, MJPG
    only) selects OpenCV's built-in Motion-JPEG encoder at that quality --
    deterministic and independent of the FFmpeg build; its scale is not
    libjpeg's: 50 gives about libjpeg 90, 25-30 about 85. Without it OpenCV's
    default backend and quality are used.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FOURCC_BY_SUFFIX:
        raise ValueError(f"{path}: no codec for {suffix!r} (known: {', '.join(FOURCC_BY_SUFFIX)})")
    if mjpeg_quality is not None and FOURCC_BY_SUFFIX[suffix] != "MJPG":
        raise ValueError(f"{path}: mjpeg_quality needs a Motion-JPEG (.avi) file")
    path.parent.mkdir(parents=True, exist_ok=True)
    fourcc = cv2.VideoWriter_fourcc(*FOURCC_BY_SUFFIX[suffix])

    def open_writer(frame_size: tuple[int, int]) -> cv2.VideoWriter:
        if mjpeg_quality is None:
            writer = cv2.VideoWriter(str(path), fourcc, float(fps), frame_size)
        else:
            writer = cv2.VideoWriter(str(path), cv2.CAP_OPENCV_MJPEG, fourcc, float(fps), frame_size)
        if not writer.isOpened():
            raise RuntimeError(f"{path}: OpenCV cannot write this video")
        if mjpeg_quality is not None:
            writer.set(cv2.VIDEOWRITER_PROP_QUALITY, float(mjpeg_quality))
        return writer

    writer = open_writer(tuple(size)) if size is not None else None
    n = 0
    try:
        for frame in frames:
            if writer is None:
                writer = open_writer((frame.shape[1], frame.shape[0]))
            writer.write(cv2.cvtColor(np.ascontiguousarray(frame), cv2.COLOR_RGB2BGR))
            n += 1
    finally:
        if writer is not None:
            writer.release()
    return n


# ---------------------------------------------------------------- UBFC-rPPG
def format_ubfc_line(values: Iterable[float]) -> str:
    """One DATASET_2 line: each value as ``%16.7e`` (``'   1.2028675e-01  -1.7258076e-01'``)."""
    return "".join("%16.7e" % v for v in values)  # noqa: UP031 (the original C format)


def write_ubfc_ground_truth(path: str | Path, ppg: Iterable[float], hr: Iterable[float],
                            times: Iterable[float]) -> Path:
    """DATASET_2 ``ground_truth.txt``: lines PPG (a.u.), HR (bpm), timestamps (s); returns ``path``.

    Written as given: the three series need not have the same length (the
    original files do, one value per frame; the loader aligns by timestamps).
    """
    path = Path(path)
    path.write_text("".join(format_ubfc_line(series) + "\n" for series in (ppg, hr, times)))
    return path


def write_beat_times(path: str | Path, times: Iterable[float]) -> Path:
    """``beat_times.txt`` beside a UBFC recording (not part of UBFC-rPPG; the project's corpora write it,
    its UBFC loader reads it): one line of beat times (s, ``%.6f``); returns ``path``."""
    path = Path(path)
    path.write_text(" ".join(f"{v:.6f}" for v in times) + "\n")
    return path


def write_ubfc_subject(folder: str | Path, frames: Iterable[np.ndarray], ppg: Sequence[float],
                       hr: Sequence[float], times: Sequence[float], *, fps: float = 30.0,
                       quality: int = 50) -> Path:
    """Write one UBFC-rPPG DATASET_2 recording; returns ``folder``.

    ``folder/vid.avi``: the RGB uint8 ``frames`` (H, W, 3) as Motion-JPEG
    (OpenCV's own MJPG writer at its ``quality`` 0-100, see :func:`write_video`)
    at ``fps`` Hz; ``folder/ground_truth.txt``: three ``%16.7e`` lines -- PPG
    (a.u.), HR (bpm), timestamps (s) -- one value per frame (ValueError otherwise).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    n = write_video(folder / "vid.avi", frames, fps, mjpeg_quality=quality)
    if not n == len(ppg) == len(hr) == len(times):
        raise ValueError(f"{folder}: {n} frames but {len(ppg)} PPG, {len(hr)} HR and "
                         f"{len(times)} timestamp values")
    write_ubfc_ground_truth(folder / "ground_truth.txt", ppg, hr, times)
    return folder


def _csv_number(value: float) -> str:
    """Integers without a decimal point, other floats in round-trip form."""
    value = float(value)
    return str(int(value)) if value.is_integer() else repr(value)


def write_gtdump(path: str | Path, times_ms: Iterable[float], hr: Iterable[float],
                 spo2: Iterable[float], ppg: Iterable[float]) -> Path:
    """DATASET_1 ``gtdump.xmp``: one CSV row per oximeter sample, ``time_ms,hr,spo2,ppg``
    (integers without a decimal point); returns ``path``. The four series must have equal length."""
    path = Path(path)
    rows = zip(times_ms, hr, spo2, ppg, strict=True)
    path.write_text("".join(",".join(_csv_number(v) for v in row) + "\n" for row in rows))
    return path


# --------------------------------------------------------------------- PURE
def pure_package(timestamp_ns: int, waveform: int, pulse_rate: int, *, spo2: int = 98,
                 signal_strength: int = 4, probe_error: bool = False) -> dict:
    """One ``/FullPackage`` entry (an oximeter sample) as in the PURE JSON."""
    return {"Timestamp": int(timestamp_ns),
            "Value": {"waveform": int(waveform), "pulseRate": int(pulse_rate),
                      "o2saturation": int(spo2), "signalStrength": int(signal_strength),
                      "probeError": bool(probe_error)}}


def write_pure_json(path: str | Path, packages: Iterable[dict], image_ns: Iterable[int], *,
                    indent: int | None = None) -> Path:
    """``NN-MM.json``: ``"/FullPackage"`` (the oximeter ``packages``, see :func:`pure_package`)
    and ``"/Image"`` (one ``{"Timestamp": ns}`` per frame); returns ``path``."""
    path = Path(path)
    data = {"/FullPackage": list(packages), "/Image": [{"Timestamp": int(t)} for t in image_ns]}
    path.write_text(json.dumps(data, indent=indent))
    return path


def write_image_frames(frame_dir: str | Path, frames: Iterable[np.ndarray], names: Iterable[str]) -> list[Path]:
    """One RGB uint8 frame per file name (``frame.png``, ``00001.bmp``...; the format from the
    suffix, as many frames as names) in ``frame_dir`` (created); returns their paths."""
    frame_dir = Path(frame_dir)
    frame_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, frame in zip(names, frames, strict=True):
        path = frame_dir / name
        if not cv2.imwrite(str(path), cv2.cvtColor(np.ascontiguousarray(frame), cv2.COLOR_RGB2BGR)):
            raise RuntimeError(f"{path}: OpenCV cannot write this image")
        paths.append(path)
    return paths


def write_pure_frames(frame_dir: str | Path, frames: Iterable[np.ndarray],
                      image_ns: Iterable[int]) -> list[Path]:
    """Lossless ``frame_dir/Image<ns>.png``, one RGB uint8 frame per timestamp (int ns; as
    many frames as timestamps); returns their paths."""
    return write_image_frames(frame_dir, frames, (f"Image{int(ns)}.png" for ns in image_ns))


def write_pure_session(folder: str | Path, frames: Iterable[np.ndarray],
                       frame_times_ns: Sequence[int], oximeter_times_ns: Sequence[int],
                       waveform: Sequence[int], pulse_rate: Sequence[int], *,
                       spo2: int | Sequence[int] = 98, signal_strength: int | Sequence[int] = 4) -> Path:
    """Write one PURE session ``folder`` (named ``NN-MM``); returns ``folder``.

    ``folder/NN-MM/Image<ns>.png``: the RGB uint8 frames, lossless, one per
    ``frame_times_ns`` (int ns); ``folder/NN-MM.json``: ``"/FullPackage"``, one
    oximeter sample per ``oximeter_times_ns`` with integer ``waveform``,
    ``pulseRate`` (bpm), ``o2saturation`` (%), ``signalStrength`` and
    ``probeError`` false, and ``"/Image"``, one ``{"Timestamp": ns}`` per frame.
    """
    folder = Path(folder)
    stamps = [int(t) for t in frame_times_ns]
    write_pure_frames(folder / folder.name, frames, stamps)
    count = len(oximeter_times_ns)
    spo2 = np.broadcast_to(np.asarray(spo2, dtype=np.int64), (count,))
    strength = np.broadcast_to(np.asarray(signal_strength, dtype=np.int64), (count,))
    packages = [pure_package(t, w, r, spo2=s, signal_strength=q)
                for t, w, r, s, q in zip(oximeter_times_ns, waveform, pulse_rate, spo2, strength,
                                         strict=True)]
    write_pure_json(folder / f"{folder.name}.json", packages, stamps)
    return folder


# ---------------------------------------------------------- folder of videos
def write_folder_ground_truth(path: str | Path, ppg: Iterable[float], times: Iterable[float],
                              hr: Iterable[float] | None = None) -> Path:
    """The same-stem ``.txt`` of a video: lines PPG, HR (empty when None), timestamps (s),
    space-separated floats in round-trip form; returns ``path``."""
    path = Path(path)
    lines = [" ".join(repr(float(v)) for v in series)
             for series in (ppg, () if hr is None else hr, times)]
    path.write_text("\n".join(lines) + "\n")
    return path
