"""PURE loader (Stricker, Mueller & Gross, RO-MAN 2014).

Layout: folders ``NN-MM`` (subject NN, setup MM) directly under the root, each
holding the frames ``NN-MM/NN-MM/Image<timestamp_ns>.png`` and the ground truth
``NN-MM/NN-MM.json``::

    {"/FullPackage": [{"Timestamp": ns, "Value": {"waveform": int, "pulseRate": int,
                       "o2saturation": int, "signalStrength": int, "probeError": bool}}, ...],
     "/Image": [{"Timestamp": ns}, ...]}

Clock: frame times are the PNG name timestamps (ns -> s) minus the first
frame's, so frame 0 is at t = 0; the PNG files that exist are the frames (the
"/Image" list must be non-empty but is only cross-checked, mismatches are
counted in ``meta``). The oximeter (~60 Hz) runs on its own start and rate:
``ppg_times`` are its sample timestamps minus the first frame timestamp (s),
so they may start before 0 or end after the last frame. Samples with
``probeError`` true are dropped; missing samples are simply absent. ``ppg``
is the raw waveform at its own times, ``hr`` the pulseRate (bpm) at the same
times, and ``meta["ppg_at_frames"]`` the waveform linearly resampled onto the
frame times (NaN for frames outside the oximeter's span; see
:func:`resample_to_frames`). Missing frames (PNG files absent from the
sequence) are tolerated: each frame keeps the time in its name. A flat
waveform is refused, and at least 2 oximeter samples must fall inside the
frames' span.

Condition keys (setup MM): 01 ``steady``, 02 ``talking``, 03
``slow_translation``, 04 ``fast_translation``, 05 ``small_rotation``, 06
``medium_rotation``; an unknown setup keeps its number.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from types import MappingProxyType

import numpy as np

from .errors import DatasetError, RecordingError
from .parsing import (
    check_coverage,
    check_root,
    load_each,
    read_text,
    resample_to_frames,
)
from .recording import ImageSequence, Recording, check_series

__all__ = ["PURE_SETUPS", "load_pure", "load_pure_folder", "resample_to_frames"]

PURE_SETUPS = MappingProxyType({
    "01": "steady", "02": "talking", "03": "slow_translation",
    "04": "fast_translation", "05": "small_rotation", "06": "medium_rotation",
})

_FRAME_NAME = re.compile(r"Image(\d+)\.png", flags=re.IGNORECASE)
_NS_PER_S = 1e9

#: the on-disk layout, in one line (``--list``)
LAYOUT = "PURE: NN-MM/NN-MM/Image<ns>.png frames + NN-MM/NN-MM.json (/FullPackage 60 Hz oximeter, /Image frame timestamps, ns)"


def is_pure_folder(folder: Path) -> bool:
    """True when ``folder`` has the PURE shape: ``folder/<name>.json`` or ``folder/<name>/``."""
    return folder.is_dir() and ((folder / f"{folder.name}.json").is_file()
                                or (folder / folder.name).is_dir())


def pure_subject_condition(name: str) -> tuple[str, str]:
    """``"01-02"`` -> ``("01", "talking")``; a name without ``-`` -> ``(name, "")``."""
    subject, sep, setup = name.partition("-")
    if not sep:
        return name, ""
    return subject, PURE_SETUPS.get(setup, setup)


def list_frames(frame_dir: Path) -> tuple[list[Path], np.ndarray]:
    """``Image<ns>.png`` files of ``frame_dir`` sorted by their integer timestamp, and those ns."""
    if not frame_dir.is_dir():
        raise RecordingError(frame_dir, "frame folder is missing")
    found = []
    for path in frame_dir.iterdir():
        match = _FRAME_NAME.fullmatch(path.name)
        if match and path.is_file():
            found.append((int(match.group(1)), path))
    if not found:
        raise RecordingError(frame_dir, "no Image<timestamp_ns>.png frames")
    found.sort(key=lambda item: item[0])
    return [p for _, p in found], np.array([ns for ns, _ in found], dtype=np.int64)


def read_pure_json(path: Path) -> dict:
    """Parse a PURE ground-truth JSON; bad JSON or a missing section -> ``RecordingError``."""
    try:
        data = json.loads(read_text(path))
    except (ValueError, RecursionError) as exc:  # JSONDecodeError, too many digits, nesting too deep
        raise RecordingError(path, f"invalid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise RecordingError(path, "expected a JSON object with /FullPackage and /Image")
    for key in ("/Image", "/FullPackage"):
        if not isinstance(data.get(key), list) or not data[key]:
            raise RecordingError(path, f"no {key} entries")
    return data


def image_timestamps(path: Path, images: list) -> np.ndarray:
    """The ns timestamps of the JSON "/Image" entries."""
    stamps = []
    for i, entry in enumerate(images):
        try:
            stamp = int(entry["Timestamp"])
        except (KeyError, TypeError, ValueError, OverflowError):
            raise RecordingError(path, f"/Image entry {i}: no integer Timestamp") from None
        if not -2 ** 63 <= stamp < 2 ** 63:
            raise RecordingError(path, f"/Image entry {i}: Timestamp {stamp} out of range")
        stamps.append(stamp)
    return np.array(stamps, dtype=np.int64)


def oximeter_samples(path: Path, packages: list) -> dict[str, np.ndarray]:
    """"/FullPackage" entries as arrays: timestamp_ns (int64), waveform, pulse_rate, spo2, probe_error."""
    cols: dict[str, list] = {"timestamp_ns": [], "waveform": [], "pulse_rate": [],
                             "spo2": [], "probe_error": []}
    for i, entry in enumerate(packages):
        try:
            value = entry["Value"]
            sample = (int(entry["Timestamp"]), float(value["waveform"]), float(value["pulseRate"]),
                      float(value.get("o2saturation", np.nan)), bool(value.get("probeError", False)))
        except KeyError as exc:
            raise RecordingError(path, f"/FullPackage entry {i}: missing {exc.args[0]!r}") from None
        except (TypeError, ValueError, AttributeError, OverflowError) as exc:
            raise RecordingError(path, f"/FullPackage entry {i}: malformed ({exc})") from None
        if not -2 ** 63 <= sample[0] < 2 ** 63:
            raise RecordingError(path, f"/FullPackage entry {i}: Timestamp {sample[0]} out of range")
        for key, v in zip(cols, sample, strict=True):
            cols[key].append(v)
    return {"timestamp_ns": np.array(cols["timestamp_ns"], dtype=np.int64),
            "waveform": np.array(cols["waveform"], dtype=float),
            "pulse_rate": np.array(cols["pulse_rate"], dtype=float),
            "spo2": np.array(cols["spo2"], dtype=float),
            "probe_error": np.array(cols["probe_error"], dtype=bool)}


def ns_to_seconds(timestamps_ns: np.ndarray, origin_ns: int) -> np.ndarray:
    """(timestamps - origin) in seconds, subtracting in integers first (float64 cannot hold ns epochs)."""
    return (np.asarray(timestamps_ns, dtype=np.int64) - np.int64(origin_ns)) / _NS_PER_S


def load_pure_folder(folder: Path) -> Recording:
    """One PURE recording folder ``NN-MM`` -> ``Recording``; ``RecordingError`` when broken."""
    json_path = folder / f"{folder.name}.json"
    if not json_path.is_file():
        raise RecordingError(json_path, "ground-truth JSON is missing")
    data = read_pure_json(json_path)
    json_image_ns = image_timestamps(json_path, data["/Image"])
    files, frame_ns = list_frames(folder / folder.name)
    frame_times = check_series(folder / folder.name, "frame timestamps",
                               ns_to_seconds(frame_ns, frame_ns[0]), increasing=True)

    samples = oximeter_samples(json_path, data["/FullPackage"])
    keep = ~samples["probe_error"]
    if not keep.any():
        raise RecordingError(json_path, "every /FullPackage sample has probeError set")
    ppg_times = check_series(json_path, "/FullPackage Timestamp",
                             ns_to_seconds(samples["timestamp_ns"][keep], frame_ns[0]), increasing=True)
    ppg = check_series(json_path, "/FullPackage waveform", samples["waveform"][keep], varying=True)
    hr = check_series(json_path, "/FullPackage pulseRate", samples["pulse_rate"][keep])
    check_coverage(json_path, ppg_times, folder / folder.name, frame_times)

    subject, condition = pure_subject_condition(folder.name)
    meta = {
        "format": "PURE",
        "ground_truth": str(json_path),
        "ppg_at_frames": resample_to_frames(ppg, ppg_times, frame_times),
        "spo2": samples["spo2"][keep],
        "probe_error_dropped": int((~keep).sum()),
        "frames_not_in_json": int(np.setdiff1d(frame_ns, json_image_ns).size),
        "json_images_without_file": int(np.setdiff1d(json_image_ns, frame_ns).size),
    }
    return Recording(
        name=folder.name, dataset="pure",
        source=ImageSequence(folder / folder.name, tuple(files), tuple(frame_times.tolist())),
        ppg=ppg, ppg_times=ppg_times, subject=subject, condition=condition,
        hr=hr, hr_times=ppg_times, meta=meta)


def load_pure(root: str | Path) -> list[Recording | RecordingError]:
    """All PURE recordings directly under ``root``, naturally sorted by name.

    One entry per ``NN-MM`` folder: a ``Recording`` or the ``RecordingError``
    that made it unusable. ``DatasetError`` when ``root`` is missing or holds
    no folder with ``<name>/<name>.json`` or a ``<name>/<name>/`` frame folder.
    """
    root = check_root(root, dataset="pure")
    folders = [p for p in root.iterdir() if is_pure_folder(p)]
    if not folders:
        raise DatasetError(f"pure: no PURE recordings in {root} (expected folders such as "
                           f"01-01/ holding 01-01.json and 01-01/Image<timestamp_ns>.png)")
    return load_each(((f.name, f.name, f) for f in folders), load_pure_folder)
