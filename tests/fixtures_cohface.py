"""Writers of the COHFACE layout (Heusch et al. 2017), for the loader tests.

One folder per session, ``<root>/<subject>/<session>/`` (sessions 0-1 studio
light, 2-3 natural light), holding

- ``data.avi``: the webcam video, MPEG-4 part 2 in AVI (OpenCV's ``FMP4``
  encoder), 20 fps in the dataset;
- ``data.hdf5``: float64 datasets ``pulse``, ``respiration`` and ``time`` (s,
  256 Hz from the video's start) and the file attributes ``illumination``
  (``lamp`` | ``natural``), ``session``, ``client-id``, ``sample-rate-hz``
  and ``scale``, as bob.db.cohface documents them.

:func:`write_session_from_clip` lays out a :func:`fixtures_pulse.known_pulse_clip`
(rendered at 20 fps) with its pulse resampled at 256 Hz by
:func:`fixtures_pulse.pulse_at`; its ``data.avi`` is Motion-JPEG (OpenCV
quality 50), not MPEG-4: OpenCV's MPEG-4 encoder takes no quality setting and
its inter-frame coding at the default bit rate erases the clip's faint pulse
(POS then finds no pulse at all), whereas the loader reads any codec OpenCV
decodes the same way. :func:`write_sensors` writes whatever it is
given (missing datasets, other lengths), so tests can write broken files.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import cv2
import h5py
import numpy as np
from fixtures_formats import pattern_frame
from fixtures_pulse import Clip, pulse_at

from rppg_bench.datasets import writers

VIDEO_FPS = 20.0
SENSOR_RATE_HZ = 256.0
ILLUMINATION = {"0": "lamp", "1": "lamp", "2": "natural", "3": "natural"}


def write_mpeg4_avi(path: Path, frames: Iterable[np.ndarray], fps: float = VIDEO_FPS,
                    size: tuple[int, int] = (64, 48)) -> Path:
    """RGB uint8 ``frames`` as MPEG-4 part 2 (``FMP4``) in an AVI container at ``fps`` Hz; ``size`` (w, h)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"FMP4"), float(fps), size)
    if not writer.isOpened():
        raise RuntimeError(f"{path}: OpenCV cannot write MPEG-4 video")
    try:
        for frame in frames:
            writer.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    finally:
        writer.release()
    return path


def sensor_attributes(subject: str, session: str) -> dict[str, object]:
    """The file attributes bob.db.cohface lists for ``data.hdf5``."""
    return {"illumination": ILLUMINATION.get(session, "lamp"), "session": int(session),
            "client-id": int(subject), "sample-rate-hz": 256, "scale": "uV"}


def write_sensors(path: Path, datasets: Mapping[str, np.ndarray], attributes: Mapping[str, object] = ()) -> Path:
    """``data.hdf5`` with the given float64 ``datasets`` and file ``attributes``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with h5py.File(path, "w") as f:
        for key, values in datasets.items():
            f.create_dataset(key, data=np.asarray(values, dtype=np.float64))
        for key, value in dict(attributes).items():
            f.attrs[key] = value
    return path


def breathing(times: np.ndarray) -> np.ndarray:
    """A 0.25 Hz respiratory-belt trace (a.u.) at ``times`` (s)."""
    return 1000.0 + 40.0 * np.sin(2 * np.pi * 0.25 * np.asarray(times))


def pulse_series(seconds: float = 2.0, rate: float = SENSOR_RATE_HZ) -> dict[str, np.ndarray]:
    """``time`` (s), a 1.2 Hz ``pulse`` and ``respiration`` covering ``seconds`` (+ one sample)."""
    t = np.arange(int(seconds * rate) + 1) / rate
    return {"pulse": np.sin(2 * np.pi * 1.2 * t), "respiration": breathing(t), "time": t}


def write_session(root: Path, subject: str, session: str, *, datasets: Mapping[str, np.ndarray] | None,
                  attributes: Mapping[str, object] | None = None, frames: Iterable[np.ndarray] | None = None,
                  n_frames: int = 40, size: tuple[int, int] = (64, 48), video: bool = True,
                  mpeg4: bool = True) -> Path:
    """``root/subject/session/`` with ``data.avi`` (unless ``video=False``; MPEG-4, or Motion-JPEG at
    OpenCV quality 50 with ``mpeg4=False``) and ``data.hdf5`` (unless ``datasets`` is None);
    ``attributes`` default to :func:`sensor_attributes`."""
    folder = Path(root) / subject / session
    if video:
        frames = frames if frames is not None else (pattern_frame(i, size=size) for i in range(n_frames))
        if mpeg4:
            write_mpeg4_avi(folder / "data.avi", frames, VIDEO_FPS, size)
        else:
            writers.write_video(folder / "data.avi", frames, VIDEO_FPS, size=size, mjpeg_quality=50)
    if datasets is not None:
        attrs = sensor_attributes(subject, session) if attributes is None else attributes
        write_sensors(folder / "data.hdf5", datasets, attrs)
    return folder


def write_session_from_clip(root: Path, subject: str, session: str, clip: Clip) -> Path:
    """The clip's frames as ``data.avi`` (Motion-JPEG) and its pulse at 256 Hz (with a breathing trace) in ``data.hdf5``."""
    t, pulse = pulse_at(clip, SENSOR_RATE_HZ, tail_s=1.0 / clip.fps)
    height, width = clip.frames.shape[1:3]
    return write_session(root, subject, session, frames=iter(clip.frames), size=(width, height), mpeg4=False,
                         datasets={"pulse": pulse, "respiration": breathing(t), "time": t})


#: the registered dataset whose layout this module writes (found by tests/test_dataset_contract.py)
CONTRACT_DATASET = "cohface"

def contract_root(root: Path) -> None:
    """Subject 1, session 0 (40 frames at 20 fps, pulse at 256 Hz)."""
    write_session(root, "1", "0", datasets=pulse_series(), n_frames=40)
