"""Writers of the LGI-PPGI layout, for the loader tests.

``<root>/<name>/<name>_<task>/`` holding

- ``cv_camera_sensor_stream_handler.avi``: the video (Motion-JPEG here; the
  originals are uncompressed);
- ``cv_camera_sensor_timer_stream_handler.xml``: one root child per frame,
  ``<value0>`` the frame index and ``<value1>`` its time in ms (float);
- ``cms50_stream_handler.xml``: one root child per 60 Hz oximeter sample,
  ``<value0>`` (meaning unknown; written as the sample index), ``<value1>``
  the pulse rate (bpm) and ``<value2>`` the waveform, both integers.

The root children are named ``value0``, ``value1``, ... as in the files that
public readers parse; the root element's own name is read by no reader, so
the one written here (``cereal``) is a stand-in. :func:`write_lgi_clip`
lays out a :func:`fixtures_pulse.known_pulse_clip` with its pulse from
:func:`fixtures_pulse.pulse_at` at 60 Hz, the oximeter started ``lead_s``
before the camera and its last sample ending at the last frame.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from fixtures_formats import contract_series, pattern_frame, write_video
from fixtures_pulse import Clip, pulse_at

OXIMETER_RATE_HZ = 60.0


def xml_entries(rows: Sequence[Sequence[str]]) -> str:
    """A root element whose children ``value<i>`` each hold ``value0``, ``value1``, ... of one row."""
    body = "".join(f"\t<value{i}>\n" + "".join(f"\t\t<value{k}>{v}</value{k}>\n" for k, v in enumerate(row))
                   + f"\t</value{i}>\n" for i, row in enumerate(rows))
    return f'<?xml version="1.0" encoding="utf-8"?>\n<cereal>\n{body}</cereal>\n'


def write_timer_xml(path: Path, times_ms: Sequence[float]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(xml_entries([(str(i), repr(float(t))) for i, t in enumerate(times_ms)]))
    return path


def write_cms50_xml(path: Path, pulse_rate: Sequence[int], waveform: Sequence[int]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(xml_entries([(str(i), str(int(hr)), str(int(w)))
                                 for i, (hr, w) in enumerate(zip(pulse_rate, waveform, strict=True))]))
    return path


def write_lgi_recording(root: Path, subject: str, task: str, *, frames: Sequence[np.ndarray], fps: float,
                        pulse_rate: Sequence[int], waveform: Sequence[int],
                        times_ms: Sequence[float] | None = None) -> Path:
    """One ``subject/subject_task`` folder; ``times_ms`` None writes no timer file. Returns the folder."""
    folder = Path(root) / subject / f"{subject}_{task}"
    write_video(folder / "cv_camera_sensor_stream_handler.avi", frames=frames, fps=fps,
                size=(frames[0].shape[1], frames[0].shape[0]))
    write_cms50_xml(folder / "cms50_stream_handler.xml", pulse_rate, waveform)
    if times_ms is not None:
        write_timer_xml(folder / "cv_camera_sensor_timer_stream_handler.xml", times_ms)
    return folder


def write_lgi_clip(root: Path, subject: str, task: str, clip: Clip, *, lead_s: float = 1.5) -> Path:
    """``clip`` as an LGI-PPGI recording: its pulse at 60 Hz (scaled to integers 0-100) from ``lead_s``
    before the first frame to the last frame, its mean HR as the pulse rate, its frame times (ms)."""
    t, pulse = pulse_at(clip, OXIMETER_RATE_HZ, lead_s=lead_s)
    keep = t < clip.frame_times[-1]
    scaled = np.round(100 * (pulse - pulse.min()) / np.ptp(pulse))[keep]
    return write_lgi_recording(root, subject, task, frames=list(clip.frames), fps=clip.fps,
                               pulse_rate=[round(clip.hr_bpm)] * scaled.size, waveform=scaled,
                               times_ms=clip.frame_times * 1000.0)


#: the registered dataset whose layout this module writes (found by tests/test_dataset_contract.py)
CONTRACT_DATASET = "lgi-ppgi"

def contract_root(root: Path) -> None:
    """One session with the camera timer, the oximeter started before the camera."""
    _, ppg, hr = contract_series(60, fps=60.0)
    write_lgi_recording(root, "alex", "resting", frames=[pattern_frame(i) for i in range(20)], fps=25.0,
                        pulse_rate=hr.astype(int), waveform=np.round(50 + 40 * ppg),
                        times_ms=[40.0 * i + 0.5 * (i % 2) for i in range(20)])
