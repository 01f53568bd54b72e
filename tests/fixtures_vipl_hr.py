"""Writers of the VIPL-HR layout, for the loader tests.

``<root>/p<N>/v<M>/source<K>/`` holding

- ``video.avi`` (Motion-JPEG here; the original codecs differ per camera);
- ``wave.csv``: the header line ``Wave`` then one BVP value per line, 60 Hz
  from the video's start;
- ``gt_HR.csv`` (header ``HR``) and ``gt_SpO2.csv`` (header ``SpO2``): one
  value per line, one per second;
- ``time.txt`` (not for the phone, source2): one frame timestamp per line, in
  integer ms from the capture's start.

:func:`write_vipl_clip` lays out a :func:`fixtures_pulse.known_pulse_clip`
(frames and frame times) with its pulse resampled at 60 Hz by
:func:`fixtures_pulse.pulse_at`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
from fixtures_formats import contract_series, pattern_frame, write_video
from fixtures_pulse import Clip, pulse_at

WAVE_RATE_HZ = 60.0


def write_column_csv(path: Path, header: str, values: Iterable[float]) -> Path:
    """A one-column CSV: ``header`` then one value per line (``repr`` of the float, ints as ints)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [header] + [str(int(v)) if float(v).is_integer() else repr(float(v)) for v in values]
    path.write_text("\n".join(lines) + "\n")
    return path


def write_time_txt(path: Path, times_ms: Iterable[float]) -> Path:
    """``time.txt``: one frame timestamp (ms) per line."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{int(round(t))}\n" for t in times_ms))
    return path


def write_vipl_recording(root: Path, rel: str, *, frames: Sequence[np.ndarray], fps: float,
                         wave: Sequence[float], hr: Sequence[float] | None = None,
                         spo2: Sequence[float] | None = None, stamps_ms: Sequence[float] | None = None) -> Path:
    """One ``rel`` = ``p<N>/v<M>/source<K>`` folder; returns it. ``None`` series are not written."""
    folder = Path(root) / rel
    write_video(folder / "video.avi", frames=frames, fps=fps, size=(frames[0].shape[1], frames[0].shape[0]))
    write_column_csv(folder / "wave.csv", "Wave", wave)
    if hr is not None:
        write_column_csv(folder / "gt_HR.csv", "HR", hr)
    if spo2 is not None:
        write_column_csv(folder / "gt_SpO2.csv", "SpO2", spo2)
    if stamps_ms is not None:
        write_time_txt(folder / "time.txt", stamps_ms)
    return folder


def write_vipl_clip(root: Path, rel: str, clip: Clip, *, stamps: bool = True) -> Path:
    """``clip`` as a VIPL-HR recording: its pulse at 60 Hz in wave.csv, its mean HR each second in
    gt_HR.csv, SpO2 98 %, and (with ``stamps``) its frame times in time.txt."""
    _, wave = pulse_at(clip, WAVE_RATE_HZ)
    seconds = int(np.floor(clip.frame_times[-1])) + 1
    return write_vipl_recording(root, rel, frames=list(clip.frames), fps=clip.fps, wave=wave,
                                hr=[round(clip.hr_bpm)] * seconds, spo2=[98] * seconds,
                                stamps_ms=clip.frame_times * 1000.0 if stamps else None)


#: the registered dataset whose layout this module writes (found by tests/test_dataset_contract.py)
CONTRACT_DATASET = "vipl-hr"

def contract_root(root: Path) -> None:
    """A webcam recording with time.txt and a phone recording without."""
    frames = [pattern_frame(i) for i in range(20)]
    _, ppg, _ = contract_series(60, fps=60.0)
    write_vipl_recording(root, "p1/v1/source1", frames=frames, fps=25.0, wave=ppg, hr=[72],
                         stamps_ms=[40 * i + i % 3 for i in range(20)])
    write_vipl_recording(root, "p1/v1/source2", frames=frames, fps=30.0, wave=ppg)
