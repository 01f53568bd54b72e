"""COHFACE loader (Heusch, Anjos & Marcel, "A reproducible study on remote heart rate measurement", 2017).

Layout: ``<subject>/<session>/`` folders (subjects 1 ... 40, sessions 0 ... 3)
anywhere under the root, each holding

- ``data.avi``: the webcam video, 640x480, MPEG-4 part 2, 20 fps; frame ``i``
  at ``i / fps`` s (the container's rate, ``VideoFile``);
- ``data.hdf5``: the physiological sensors, read with h5py. Datasets
  ``pulse`` (blood volume pulse, a.u.), ``respiration`` (respiratory belt,
  a.u.) and ``time`` (s, one per sample, on the video's clock), 256 Hz; file
  attributes ``illumination`` (``lamp`` | ``natural``), ``session``,
  ``client-id``, ``sample-rate-hz`` (256) and ``scale`` (``uV``).

``pulse`` at ``time`` is the ground truth, used as given (no shift or
stretch). ``respiration`` is the recording's ``respiration`` at
``respiration_times`` (= ``time``), also kept in ``meta["respiration"]`` at
``meta["respiration_times"]``; one of another length, with
non-finite values, or absent is dropped with the reason in
``meta["respiration_dropped"]``. ``pulse`` or ``time`` absent, of unequal
lengths, non-finite, non-increasing times, a flat pulse, an unreadable file,
or a pulse shorter than the video by more than ``tolerance_s`` at either end
make the recording a ``RecordingError`` naming ``data.hdf5``.

``condition`` = ``labels["lighting"]``: ``studio`` (sessions 0-1, the
``lamp`` illumination: a spot light) or ``natural`` (sessions 2-3, daylight),
taken from the ``illumination`` attribute when present, else from the
session folder; ``labels["session"]`` is the session folder's name. Subject
ids are the subject folders' names, recording names ``<subject>-<session>``.

Verified against: rPPG-Toolbox ``dataset/data_loader/COHFACELoader.py``
(ubicomplab/rPPG-Toolbox: ``<subject>/<0..3>/data.avi`` and ``data.hdf5``,
``f["pulse"]``), pyVHR ``pyVHR/datasets/cohface.py`` (phuselab/pyVHR: 20 fps,
``pulse`` at 256 Hz), bob.db.cohface ``bob/db/cohface/models.py``
(bioidiap/bob.db.cohface: ``pulse`` / ``respiration`` datasets and the file
attributes above), and franchukpetro/cvpm2023_cohface_postprocessing
``dataset_utils.py`` (the ``time`` dataset, in seconds).
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np

from .errors import DatasetError, RecordingError
from .optional import require_reader
from .parsing import (
    check_covers_video,
    check_root,
    load_each,
    optional_series,
    walk_files,
)
from .recording import Recording, VideoFile, check_series

__all__ = ["COHFACE_LIGHTING", "load_cohface", "load_cohface_session", "read_cohface_hdf5"]

#: the on-disk layout, in one line (``--list``)
LAYOUT = "COHFACE: <subject>/<session>/data.avi (20 fps) + data.hdf5 (pulse, respiration, time at 256 Hz); sessions 0-1 studio light, 2-3 natural; needs h5py"
VIDEO_NAME = "data.avi"
SENSORS_NAME = "data.hdf5"
#: lighting of each session folder, and of each value of the HDF5 ``illumination`` attribute
COHFACE_LIGHTING = MappingProxyType({"0": "studio", "1": "studio", "2": "natural", "3": "natural"})
ILLUMINATION = MappingProxyType({"lamp": "studio", "natural": "natural"})
ATTRIBUTES = ("illumination", "session", "client-id", "sample-rate-hz", "scale")


def find_sessions(root: Path) -> list[Path]:
    """Folders under ``root`` (recursively) holding ``data.avi`` or ``data.hdf5``."""
    return sorted({p.parent for p in walk_files(root) if p.name in (VIDEO_NAME, SENSORS_NAME) and p.is_file()})


def attribute_text(value: Any) -> str:
    """An HDF5 attribute as text (bytes decoded, numpy scalars and 1-element arrays unwrapped)."""
    value = value.item() if isinstance(value, np.ndarray) and value.size == 1 else value
    value = value.item() if isinstance(value, np.generic) else value
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def read_vector(path: Path, h5file: Any, key: str) -> np.ndarray | None:
    """Dataset ``key`` of an open HDF5 file as a 1-D float array; None when absent.

    ``RecordingError`` for a group or a dataset that is not one numeric vector.
    """
    if key not in h5file:
        return None
    node = h5file[key]
    if not hasattr(node, "shape"):
        raise RecordingError(path, f"{key!r} is a group, expected a dataset of samples")
    try:
        arr = np.asarray(node[()], dtype=float)
    except (TypeError, ValueError) as exc:
        raise RecordingError(path, f"dataset {key!r} is not numeric ({exc})") from None
    if arr.ndim != 1 and arr.size not in arr.shape:
        raise RecordingError(path, f"dataset {key!r} has shape {arr.shape}, expected one vector")
    return arr.reshape(-1)


def read_cohface_hdf5(path: Path) -> dict[str, Any]:
    """``data.hdf5`` -> dict of pulse, time (s), respiration or None, respiration_dropped, attributes."""
    h5py = require_reader("h5py", "cohface", "HDF5 files (data.hdf5)")
    try:
        h5file = h5py.File(path, "r")
    except (OSError, ValueError) as exc:
        raise RecordingError(path, f"cannot read HDF5 file ({exc})") from None
    with h5file:
        data = {key: read_vector(path, h5file, key) for key in ("pulse", "time", "respiration")}
        attributes = {k: attribute_text(h5file.attrs[k]) for k in ATTRIBUTES if k in h5file.attrs}
        found = ", ".join(sorted(h5file.keys())) or "none"
    for key in ("pulse", "time"):
        if data[key] is None:
            raise RecordingError(path, f"no dataset {key!r} (found: {found}); expected pulse, respiration, time")
    times = check_series(path, "time", data["time"], increasing=True)
    pulse = check_series(path, "pulse", data["pulse"], varying=True)
    if pulse.size != times.size:
        raise RecordingError(path, f"pulse has {pulse.size} samples but time has {times.size}")
    if data["respiration"] is None:
        respiration, reason = None, "no dataset 'respiration'"
    else:
        respiration, reason = optional_series(data["respiration"], times, what="respiration")
    return {"pulse": pulse, "time": times, "respiration": respiration, "respiration_dropped": reason,
            "attributes": attributes}


def session_lighting(session: str, illumination: str | None) -> str:
    """``studio`` / ``natural`` from the ``illumination`` attribute, else from the session folder ("" if neither)."""
    if illumination is not None and illumination.lower() in ILLUMINATION:
        return ILLUMINATION[illumination.lower()]
    return COHFACE_LIGHTING.get(session, "")


def load_cohface_session(folder: Path, *, tolerance_s: float = 1.0) -> Recording:
    """One COHFACE ``<subject>/<session>`` folder -> ``Recording``; ``RecordingError`` when broken."""
    sensors, video = folder / SENSORS_NAME, folder / VIDEO_NAME
    if not sensors.is_file():
        raise RecordingError(sensors, "sensor file is missing (no ground truth for the video)")
    if not video.is_file():
        raise RecordingError(video, "video is missing")
    gt = read_cohface_hdf5(sensors)
    fps, n_frames = VideoFile(video).probe()
    check_covers_video(sensors, gt["time"], video, np.arange(n_frames) / fps, tolerance_s=tolerance_s)

    subject, session = folder.parent.name, folder.name
    lighting = session_lighting(session, gt["attributes"].get("illumination"))
    labels = {"session": session, **({"lighting": lighting} if lighting else {})}
    meta = {"format": "COHFACE", "ground_truth": str(sensors), "fps": fps, "n_frames": n_frames,
            "pulse_rate_hz": float(1.0 / np.median(np.diff(gt["time"]))), "hdf5_attributes": gt["attributes"]}
    if gt["respiration"] is None:
        meta["respiration_dropped"] = gt["respiration_dropped"]
    else:
        meta.update(respiration=gt["respiration"], respiration_times=gt["time"])
    resp_times = None if gt["respiration"] is None else gt["time"]
    return Recording(name=f"{subject}-{session}", dataset="cohface", source=VideoFile(video), ppg=gt["pulse"],
                     ppg_times=gt["time"], subject=subject, condition=lighting, labels=labels, meta=meta,
                     respiration=gt["respiration"], respiration_times=resp_times)


def load_cohface(root: str | Path, tolerance_s: float = 1.0) -> list[Recording | RecordingError]:
    """All COHFACE sessions under ``root``, naturally sorted (``1-0``, ``1-1``, ..., ``2-0``).

    One entry per ``<subject>/<session>`` folder with ``data.avi`` or
    ``data.hdf5``: a ``Recording`` or the ``RecordingError`` that made it
    unusable. ``tolerance_s``: how much shorter (s) than the video the pulse
    may be at either end. ``DatasetError`` when ``root`` is missing or holds
    no such folder; reading needs h5py (``pip install 'rppg-bench[datasets]'``).
    """
    root = check_root(root, dataset="cohface")
    folders = find_sessions(root)
    if not folders:
        raise DatasetError(f"cohface: no COHFACE recordings in {root} (expected folders such as "
                           f"1/0/ holding {VIDEO_NAME} and {SENSORS_NAME})")
    items = ((f.relative_to(root).as_posix(), f"{f.parent.name}-{f.name}", f) for f in folders)
    return load_each(items, partial(load_cohface_session, tolerance_s=tolerance_s))
