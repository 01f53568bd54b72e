"""rppg-bench's on-disk cache: where it lives and atomic, concurrency-safe files.

The folder is ``$RPPG_CACHE_DIR``, else ``$XDG_CACHE_HOME/rppg-bench``, else
``~/.cache/rppg-bench``. Files are written to a temporary name in the same
folder and renamed into place, so a killed or concurrent run never leaves a
half-written entry (two writers of one key both write the same content; the
last rename wins). ``clear_cache`` empties one section.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

CACHE_ENV = "RPPG_CACHE_DIR"


def default_cache_dir(environ: Mapping[str, str] | None = None) -> Path:
    """The cache folder (see module docstring)."""
    environ = os.environ if environ is None else environ
    if environ.get(CACHE_ENV):
        return Path(environ[CACHE_ENV]).expanduser()
    if environ.get("XDG_CACHE_HOME"):
        return Path(environ["XDG_CACHE_HOME"]).expanduser() / "rppg-bench"
    return Path.home() / ".cache" / "rppg-bench"


def cache_key(**parts: Any) -> str:
    """A stable hex key (24 chars) of JSON-serialisable ``parts``."""
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def _replace_atomically(path: Path, write: Callable[[BinaryIO], Any], suffix: str = "") -> Path:
    """Write ``path`` with ``write(file)`` into a temporary sibling, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=suffix)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def save_arrays_atomic(path: Path, arrays: Mapping[str, np.ndarray]) -> Path:
    """Write ``arrays`` as an uncompressed ``.npz`` at ``path`` atomically.

    Raises ``OSError`` naming the cache file when the disk is full or not writable.
    """
    path = Path(path)
    try:
        return _replace_atomically(path, lambda fh: np.savez(fh, **arrays), suffix=".npz")
    except OSError as exc:
        raise OSError(exc.errno, f"cannot write cache file {path}: {exc.strerror or exc}") from exc


def write_text_atomic(path: Path, text: str) -> Path:
    """Write ``text`` (UTF-8) at ``path`` atomically: readers see the old file or the whole new one."""
    return _replace_atomically(Path(path), lambda fh: fh.write(text.encode()))


def load_arrays(path: Path) -> dict[str, np.ndarray] | None:
    """Arrays of a cached ``.npz``, or None when absent or unreadable (a corrupt entry is a miss)."""
    try:
        with np.load(path, allow_pickle=False) as data:
            return {k: data[k] for k in data.files}
    except (OSError, ValueError, EOFError, KeyError):
        return None


def cache_size_bytes(folder: Path) -> int:
    """Total size (bytes) of the files under ``folder``."""
    return sum(p.stat().st_size for p in Path(folder).rglob("*") if p.is_file())


def clear_cache(folder: Path) -> int:
    """Delete ``folder`` and everything in it; returns the bytes freed."""
    folder = Path(folder)
    if not folder.exists():
        return 0
    size = cache_size_bytes(folder)
    shutil.rmtree(folder)
    return size
