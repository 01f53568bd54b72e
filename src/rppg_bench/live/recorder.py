"""``--record FILE``: the session's video and frame timestamps, in the layout the ``folder`` dataset reads.

:class:`SessionRecorder` writes ``FILE`` (``.avi`` with the lossless FFV1 codec
by default, so the pulse survives; ``.mp4`` is written as MPEG-4) at the
source's frame rate, and on :meth:`~SessionRecorder.close` next to it:

- ``<stem>.txt`` in the folder dataset's format with the PPG line left empty
  for a reference recorded alongside: line 1 empty, line 2 empty (optional
  HR), line 3 the frames' times on the video's clock (frame ``i`` at
  ``i / fps``, where the folder loader places it);
- ``<stem>.json``: the wall-clock time (Unix s) of the first frame
  (``epoch_s``), the frame rate, the frame count, the source, and each frame's
  capture time (``frame_times_s``, s since the first frame).

:func:`attach_reference` then fills line 1 with a reference pulse (a pulse
oximeter's samples with their Unix times) sampled at each frame's capture time
and written at the frame's time on the video clock, after which the folder is
a ``folder`` dataset the benchmark runs on. A frame the source dropped is
missing from the video, which then plays that stretch faster than it was lived;
the reference, taken frame by frame at the capture times, is squeezed the same
way, so the two stay aligned frame for frame.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import cv2
import numpy as np

from ..datasets.errors import RecordingError
from ..datasets.folder import read_folder_txt
from ..datasets.parsing import parse_float_line, read_text, text_lines

#: four-character codes of the video writer per suffix (lossless where the container allows)
CODECS = {".avi": "FFV1", ".mp4": "mp4v"}


def times_line(times: np.ndarray) -> str:
    """Frame times (s) as the folder format's space-separated line (microsecond resolution)."""
    return " ".join(f"{t:.6f}" for t in times)


class SessionRecorder:
    """Writes the frames (RGB (H, W, 3) uint8, all of one size) of a session to ``path`` at ``fps`` Hz
    and their times (s) beside it (see the module docstring). ``ValueError`` for a suffix it cannot write."""

    def __init__(self, path: str | Path, fps: float, source: str = ""):
        self.path = Path(path)
        if self.path.suffix.lower() not in CODECS:
            raise ValueError(f"--record {self.path}: the folder dataset reads {' or '.join(CODECS)} videos")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.fps, self.source = float(fps), source
        self.times: list[float] = []
        self.epoch_s: float | None = None
        self._writer: cv2.VideoWriter | None = None

    def write(self, frame: np.ndarray, t: float) -> None:
        if self._writer is None:
            h, w = frame.shape[:2]
            code = CODECS[self.path.suffix.lower()]
            self._writer = cv2.VideoWriter(str(self.path), cv2.VideoWriter_fourcc(*code), self.fps, (w, h))
            if not self._writer.isOpened():
                raise OSError(f"--record {self.path}: OpenCV cannot write {code} video there")
            self.epoch_s = time.time()
        self._writer.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
        self.times.append(float(t))

    def close(self) -> Path | None:
        """Finish the video and write the timestamps and session files; the ``.txt`` path (None when no
        frame was written)."""
        if self._writer is None:
            return None
        self._writer.release()
        self._writer = None
        t = np.asarray(self.times, float) - self.times[0]
        txt = self.path.with_suffix(".txt")
        txt.write_text(f"\n\n{times_line(np.arange(t.size) / self.fps)}\n")
        info = {"video": self.path.name, "epoch_s": self.epoch_s, "fps": self.fps, "frames": len(t),
                "source": self.source, "frame_times_s": [round(float(x), 6) for x in t]}
        self.path.with_suffix(".json").write_text(json.dumps(info, indent=1))
        return txt


def capture_times(path: Path, video_clock: np.ndarray) -> np.ndarray:
    """The capture times (s since the first frame) of the frames at ``video_clock`` (N,) s, line 3 of
    ``path``, from the session file beside it (``<stem>.json``: ``fps`` and ``frame_times_s``; frame
    ``i`` is at ``i / fps`` on the video clock, so a line that an earlier attach shortened still
    maps); ``video_clock`` itself when the file has no capture times (a session recorded before they
    were kept, whose line 3 held them)."""
    try:
        info = json.loads(path.with_suffix(".json").read_text())
    except (OSError, ValueError):
        return video_clock
    if "frame_times_s" not in info:
        return video_clock
    times = np.asarray(info["frame_times_s"], float)
    index = np.rint(video_clock * float(info["fps"])).astype(int)
    if index.min() < 0 or index.max() >= times.size or \
            not np.allclose(index / float(info["fps"]), video_clock, atol=1e-5):
        raise RecordingError(path, f"line 3 does not match the {times.size} frames at {info['fps']} fps of "
                                   f"{path.with_suffix('.json').name}: not the same session")
    return times[index]


def attach_reference(txt: str | Path, ref_times: np.ndarray, ref_ppg: np.ndarray, hr: np.ndarray | None = None) -> Path:
    """Fill line 1 of a recorded session's ``txt`` with the reference pulse ``ref_ppg`` (M,) at
    ``ref_times`` (M,) s on the session's clock (0 = first frame; a device's Unix times minus the
    ``epoch_s`` of ``<stem>.json``), linearly interpolated at each frame's capture time and written at
    its time on the video clock (line 3; see the module docstring); ``hr`` (M,) bpm likewise into
    line 2. Frames captured outside the reference are left out. ``RecordingError`` naming the file
    when the reference misses the session."""
    path = Path(txt)
    lines = text_lines(path, read_text(path), n_lines=3, names=("PPG", "HR", "timestamps (s)"))
    clock = parse_float_line(path, lines[2], where="line 3 (timestamps)")
    frames = capture_times(path, clock)
    ref_times, ref_ppg = np.asarray(ref_times, float), np.asarray(ref_ppg, float)
    if ref_times.size < 2 or ref_times[0] > frames[-1] or ref_times[-1] < frames[0]:
        raise RecordingError(path, f"the reference ({ref_times[0] if ref_times.size else 'no'} .. "
                                   f"{ref_times[-1] if ref_times.size else 'no'} s) does not overlap the "
                                   f"session's frames ({frames[0]:.2f} .. {frames[-1]:.2f} s)")
    inside = (frames >= ref_times[0]) & (frames <= ref_times[-1])
    t = frames[inside]
    hr_line = times_line(np.interp(t, ref_times, np.asarray(hr, float))) if hr is not None else ""
    path.write_text(f"{times_line(np.interp(t, ref_times, ref_ppg))}\n{hr_line}\n{times_line(clock[inside])}\n")
    read_folder_txt(path)  # refuse here what the loader would refuse later
    return path
