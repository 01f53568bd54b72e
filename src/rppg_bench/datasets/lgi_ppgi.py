"""LGI-PPGI loader (Pilz, Zaunseder, Krajewski & Blazek, CVPR Workshops 2018).

Layout: ``<name>/<name>_<task>/`` (e.g. ``alex/alex_gym/``; the download
archives ``id1.zip``.. unpack as ``id1/<name>/<name>_<task>/``), each with

- ``cv_camera_sensor_stream_handler.avi``: the uncompressed webcam video
  (Logitech C270, about 25 fps);
- ``cv_camera_sensor_timer_stream_handler.xml``: one timestamp per frame. The
  root's children are the frames; child ``value1`` is the frame time in ms
  (float). Frame times are those / 1000, used as given. Without this file
  frame ``i`` is at ``i / fps``.
- ``cms50_stream_handler.xml``: the CMS50E finger oximeter at 60 Hz. The
  root's children are the samples; child ``value1`` is the pulse rate (bpm,
  integer), ``value2`` the pulse waveform (a.u., integer), ``value0`` a field
  whose meaning no public reader states (kept in ``meta["cms50_value0"]``).

Clock: the oximeter samples carry no time on the video clock. As pyVHR does,
they are taken at the nominal 60 Hz with the last sample ending at the last
frame: sample ``j`` of ``n`` is at ``t_last - (n - j) / 60`` s, so an oximeter
started before the camera has its first samples before 0. The waveform must
span the video to within ``tolerance_s``. Root children without
child elements (none in the files read by public loaders) are skipped.

Tasks (condition, label ``task``): ``resting``, ``rotation`` (head and facial
motion), ``gym`` (bicycle ergometer, about 5 min), ``talk`` (outdoor city
conversation); subject = the ``<name>`` folder.

Verified against: pyVHR ``pyVHR/datasets/lgi_ppgi.py`` (``.//*/value2``
waveform as int, 60 Hz, timer ``root[-1].find('value1')`` in ms, end
alignment), a pyVHR-derived ``LGI_PPGI`` class of another repository (value1
pulse rate, timer ``.//*/value1`` / 1000 as the frame times), readers of
``id3/cpi/cpi_rotation/cms50_stream_handler.xml`` (root children
``value<i>`` with ``value0``, ``value1``, ``value2``), and the dataset's README
(github.com/partofthestars/LGI-PPGI-DB).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np

from .errors import DatasetError, RecordingError
from .parsing import (
    COVER_TOLERANCE_S,
    check_covers_video,
    check_root,
    load_each,
    parse_floats,
    walk_files,
)
from .recording import Recording, check_series
from .timed_video import video_source

__all__ = ["LGI_TASKS", "load_lgi_folder", "load_lgi_ppgi"]

#: the on-disk layout, in one line (``--list``)
LAYOUT = "LGI-PPGI: <name>/<name>_<task>/cv_camera_sensor_stream_handler.avi + its timer XML (frame times, ms) + cms50_stream_handler.xml (oximeter, 60 Hz)"
LGI_TASKS = ("resting", "rotation", "gym", "talk")
VIDEO = "cv_camera_sensor_stream_handler.avi"
OXIMETER = "cms50_stream_handler.xml"
TIMER = "cv_camera_sensor_timer_stream_handler.xml"
OXIMETER_RATE_HZ = 60.0


def find_lgi_folders(root: Path) -> list[Path]:
    """Folders under ``root`` holding the LGI-PPGI video or oximeter file."""
    return sorted({p.parent for p in walk_files(root) if p.name in (VIDEO, OXIMETER)})


def lgi_subject_task(folder: Path) -> tuple[str, str]:
    """``alex/alex_gym`` -> ``("alex", "gym")``; else the name split at its last ``_``."""
    parent = folder.parent.name
    if parent and folder.name.startswith(parent + "_"):
        return parent, folder.name[len(parent) + 1:]
    subject, sep, task = folder.name.rpartition("_")
    return (subject, task) if sep else (folder.name, "")


def read_xml_fields(path: Path, fields: tuple[str, ...]) -> np.ndarray:
    """The ``fields`` (e.g. ``value1``) of every root child of an LGI XML file, shape (entries, fields)."""
    try:
        root = ET.parse(path).getroot()
    except (ET.ParseError, OSError) as exc:
        raise RecordingError(path, f"cannot parse XML ({exc})") from exc
    rows = []
    for i, entry in enumerate(e for e in root if len(e)):
        texts = [entry.findtext(name) for name in fields]
        missing = [name for name, text in zip(fields, texts, strict=True) if text is None]
        if missing:
            raise RecordingError(path, f"entry {i} (<{entry.tag}>): no <{missing[0]}>")
        rows.append(parse_floats(path, [t.strip() for t in texts], where=f"entry {i} (<{entry.tag}>)"))
    if not rows:
        raise RecordingError(path, f"no entries with {', '.join(f'<{f}>' for f in fields)}")
    return np.vstack(rows)


def read_timer_s(path: Path) -> np.ndarray:
    """The camera timer file's frame times: each entry's ``value1`` (ms) / 1000, strictly increasing."""
    ms = read_xml_fields(path, ("value1",))[:, 0]
    return check_series(path, "value1 (frame time, ms)", ms, increasing=True) / 1000.0


def load_lgi_folder(folder: Path, tolerance_s: float = COVER_TOLERANCE_S) -> Recording:
    """One ``<name>_<task>`` folder -> ``Recording``; ``RecordingError`` when broken."""
    ox_path, video = folder / OXIMETER, folder / VIDEO
    if not ox_path.is_file():
        raise RecordingError(ox_path, "oximeter file is missing")
    if not video.is_file():
        raise RecordingError(video, "video is missing")
    samples = read_xml_fields(ox_path, ("value0", "value1", "value2"))
    ppg = check_series(ox_path, "value2 (waveform)", samples[:, 2], varying=True)
    hr = check_series(ox_path, "value1 (pulse rate)", samples[:, 1])
    stamps = read_timer_s(folder / TIMER) if (folder / TIMER).is_file() else None
    source, meta = video_source(video, stamps, TIMER)
    frame_times = source.frame_times()
    ppg_times = frame_times[-1] - (ppg.size - np.arange(ppg.size)) / OXIMETER_RATE_HZ
    check_covers_video(ox_path, ppg_times, video, frame_times, tolerance_s=tolerance_s)

    subject, task = lgi_subject_task(folder)
    meta.update({"format": "LGI-PPGI", "ground_truth": str(ox_path), "oximeter_rate_hz": OXIMETER_RATE_HZ,
                 "cms50_value0": samples[:, 0]})
    return Recording(
        name=folder.name, dataset="lgi-ppgi", source=source, ppg=ppg, ppg_times=ppg_times,
        subject=subject, condition=task, hr=hr, hr_times=ppg_times,
        labels={"task": task}, meta=meta)


def load_lgi_ppgi(root: str | Path, tolerance_s: float = COVER_TOLERANCE_S) -> list[Recording | RecordingError]:
    """All LGI-PPGI recordings (``<name>/<name>_<task>/``) under ``root``, naturally sorted.

    ``tolerance_s``: how far (s) the oximeter waveform may start after the
    first frame. ``DatasetError`` when ``root`` is missing or holds no folder
    with the video or oximeter file.
    """
    root = check_root(root, dataset="lgi-ppgi")
    folders = find_lgi_folders(root)
    if not folders:
        raise DatasetError(f"lgi-ppgi: no LGI-PPGI recordings in {root} (expected folders such as "
                           f"alex/alex_resting/ with {VIDEO} and {OXIMETER})")
    items = ((f.relative_to(root).as_posix(), f.name, f) for f in folders)
    return load_each(items, lambda f: load_lgi_folder(f, tolerance_s))
