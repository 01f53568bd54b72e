"""Result rows cached across output folders, so that a rerun into a new ``--out`` reads them.

A successful row is a pure function of its inputs:

- the recording: its files and reference pulse (``input_sha256``), the other ground
  truth (heart rate, respiration) and frame times, and its fields;
- the method and its keyword parameters (a parameter naming a file adds the file's
  size and modification time);
- the protocol, the face-detection confidence, whether the row keeps the report's
  waveforms, and the fields a run adds to it;
- the code that computes it: every ``.py`` file of the package (and its ``.json``
  records, e.g. the shipped weights' hash) but those that only present finished
  rows (:data:`PRESENTATION_FILES`: the report's pages and plots, the live view,
  so that a change there keeps the rows), the file that defines the method's
  class (a plugin's; other modules a plugin imports are not covered), the Python
  and package versions.

:func:`row_key` hashes all of these; the row is kept in
``<cache>/rows/<key[:2]>/<key>.json`` (written atomically), and a recording's ROI
thumbnails for the report beside it, keyed by the recording and its face settings. A row whose key is
there is the row this code would compute again, timings included (``runtime_s``
and ``preprocess_s`` are those of the run that computed it). Failed rows are not
kept: a rerun tries them again. Rows of methods trained inside the run are never
cached (their checkpoints live in the output folder).
"""

from __future__ import annotations

import hashlib
import inspect
import json
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from .cache import cache_key, write_text_atomic

ROWS_SECTION = "rows"
#: the field marking a row read from this cache (taken off before the row is stored: see ``cli.collect_rows``)
FROM_CACHE = "_from_cache"


#: the package files a row's key hashes: the code, and the records of shipped data (``pretrained.json``
#: holds the shipped weights' sha256)
CODE_SUFFIXES = (".py", ".json")
#: distributions whose versions a row's key records, besides :data:`reports.results.VERSIONED_PACKAGES`:
#: those the pretrained methods of the extras run on
EXTRA_VERSIONED = ("open-rppg", "jax", "jaxlib", "onnxruntime")


#: package files (paths relative to the package, ``/``-separated; a trailing ``/`` names a folder) that
#: only present finished rows (the report's tables, pages and plots, the console table, the live view):
#: a row never depends on them, so editing them keeps the cached rows. ``reports/results.py`` is not
#: among them: it writes the rows (``jsonable``).
PRESENTATION_FILES = ("reports/html/", "reports/console.py", "reports/plot_names.py", "reports/plots.py",
                      "reports/render.py", "reports/summary.py", "reports/tables.py", "live/")


def code_digest(root: Path, excluded: tuple[str, ...] = ()) -> str:
    """sha256 (hex) of the files under ``root`` with a suffix in :data:`CODE_SUFFIXES`, by relative
    path, less those ``excluded`` (relative paths, ``/``-separated; a trailing ``/`` names a folder)."""
    h = hashlib.sha256()
    for f in sorted(p for p in Path(root).rglob("*") if p.suffix in CODE_SUFFIXES and p.is_file()):
        rel = f.relative_to(root).as_posix()
        if any(rel == e or (e.endswith("/") and rel.startswith(e)) for e in excluded):
            continue
        h.update(rel.encode())
        h.update(f.read_bytes())
    return h.hexdigest()


@lru_cache(maxsize=1)
def package_code_digest() -> str:
    """:func:`code_digest` of the ``rppg_bench`` package less its :data:`PRESENTATION_FILES`."""
    return code_digest(Path(__file__).resolve().parent, PRESENTATION_FILES)


@lru_cache(maxsize=64)
def file_digest(path: str) -> str:
    """sha256 (hex) of the file at ``path``; empty when it cannot be read."""
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return ""


def class_code_digest(cls: type) -> str:
    """sha256 of the file that defines ``cls`` (covers a plugin's code); empty when unknown."""
    try:
        return file_digest(inspect.getsourcefile(cls) or "")
    except TypeError:  # a built-in or dynamically made class
        return ""


@lru_cache(maxsize=1)
def code_versions() -> dict[str, Any]:
    """The package code digest, Python version and versions of the packages that shape the numbers."""
    from .reports.results import VERSIONED_PACKAGES, package_versions

    return {"package": package_code_digest(), "python": sys.version.split()[0],
            "versions": package_versions((*VERSIONED_PACKAGES, *EXTRA_VERSIONED))}


def arrays_digest(*arrays: Any) -> str:
    """sha256 (hex, 16 chars) of float64 copies of ``arrays`` (None counts as empty)."""
    h = hashlib.sha256()
    for arr in arrays:
        data = np.ascontiguousarray(np.asarray([] if arr is None else arr, dtype=float))
        h.update(str(data.shape).encode())
        h.update(data.tobytes())
    return h.hexdigest()[:16]


def file_params(params: dict[str, Any]) -> dict[str, list[int]]:
    """``[size, mtime_ns]`` of each string parameter that names an existing file."""
    out = {}
    for name, value in params.items():
        if isinstance(value, (str, Path)) and len(str(value)) < 4096:
            try:
                path = Path(value)
                if path.is_file():
                    stat = path.stat()
                    out[name] = [stat.st_size, stat.st_mtime_ns]
            except (OSError, ValueError):
                continue
    return out


def row_key(*, base: dict[str, Any], fingerprint: str, truth: str, method: str, method_class: type,
            params: dict[str, Any], protocol: dict[str, Any], face_confidence: float, keep_waveforms: bool) -> str:
    """The cache key of one (recording, method) row: see the module docstring for what it covers.
    ``truth`` is :func:`arrays_digest` of the ground truth besides the reference pulse."""
    return cache_key(base=base, fingerprint=fingerprint, truth=truth, method=method, params=params,
                     param_files=file_params(params), protocol=protocol, face_confidence=face_confidence,
                     keep_waveforms=keep_waveforms, method_code=class_code_digest(method_class),
                     code=code_versions())


def thumbnails_key(fingerprint: str, face: Any) -> str:
    """The cache key of a recording's ROI thumbnails (``fingerprint``: ``input_sha256``; ``face``: the
    ``FaceParams`` of its face pass)."""
    return cache_key(kind="roi_frames", fingerprint=fingerprint, face=repr(face), code=code_versions())


def entry_path(cache_dir: Path, key: str) -> Path:
    return Path(cache_dir) / ROWS_SECTION / key[:2] / f"{key}.json"


def load_entry(cache_dir: Path | None, key: str) -> Any:
    """The JSON value cached under ``key``, or None (no cache, absent or unreadable: a miss)."""
    if cache_dir is None:
        return None
    try:
        return json.loads(entry_path(cache_dir, key).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def save_entry(cache_dir: Path | None, key: str, value: Any) -> None:
    """Keep ``value`` (JSON-able: numpy values become numbers) under ``key``; a cache that cannot be
    written is left alone (the run goes on)."""
    from .reports.results import jsonable

    if cache_dir is None:
        return
    try:
        write_text_atomic(entry_path(cache_dir, key), json.dumps(jsonable(value), sort_keys=True))
    except OSError:
        pass


def load_row(cache_dir: Path | None, key: str) -> dict[str, Any] | None:
    """The cached successful row of ``key``, or None."""
    row = load_entry(cache_dir, key)
    return row if isinstance(row, dict) and row.get("status") == "ok" else None


def save_row(cache_dir: Path | None, key: str, row: dict[str, Any]) -> None:
    """Keep ``row`` under ``key`` when it succeeded, less its ROI thumbnails (cached per recording:
    :func:`thumbnails_key`)."""
    if row.get("status") == "ok":
        save_entry(cache_dir, key, {k: v for k, v in row.items() if k != "_roi_frames"})
