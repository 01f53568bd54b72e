"""The ``Recording`` model: one video with its ground truth.

Frames are streamed lazily from a ``FrameSource`` (a video file or a folder of
images); only timestamps and ground truth are held in memory.
All times are in seconds on one clock per recording, starting near 0.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from ..cache import cache_key, write_text_atomic
from .errors import RecordingError

if TYPE_CHECKING:
    import cv2


class FrameSource(Protocol):
    """Anything that yields RGB uint8 frames (H, W, 3) and their times (s).

    The products cache identifies a source by :func:`source_fingerprint`: the
    bytes of its ``files`` (a tuple of paths; default ``(path,)``), or, for a
    source with a method ``content_key() -> str``, that string. ``content_key``
    is for sources whose frames are part of a larger file (one task's entries in
    a zip of every task): it must change whenever a frame's bytes change, differ
    between sources with different frames, and be cheap (read an index, not the
    frames). Only the source's class name is added to it, so two classes
    cannot share a key.
    """

    path: Path

    def frames(self) -> Iterator[np.ndarray]: ...

    def frame_times(self) -> np.ndarray: ...


@dataclass(frozen=True)
class VideoFile:
    """A video file decoded with OpenCV; frame ``i`` is at ``i / fps`` seconds."""

    path: Path

    def _open(self) -> cv2.VideoCapture:
        import cv2  # OpenCV on first use: a run whose rows are all cached decodes nothing

        cap = cv2.VideoCapture(str(self.path))
        if not cap.isOpened():
            cap.release()
            raise RecordingError(self.path, "OpenCV cannot open this video")
        return cap

    def probe(self) -> tuple[float, int]:
        """Container fps (Hz) and frame count, without decoding frames."""
        import cv2

        cap = self._open()
        try:
            fps = float(cap.get(cv2.CAP_PROP_FPS))
            n = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
        finally:
            cap.release()
        if not np.isfinite(fps) or fps <= 0:
            raise RecordingError(self.path, f"video reports an invalid frame rate ({fps})")
        if n <= 0:
            raise RecordingError(self.path, "video has no frames")
        return fps, n

    @property
    def fps(self) -> float:
        return self.probe()[0]

    def frame_times(self) -> np.ndarray:
        fps, n = self.probe()
        return np.arange(n) / fps

    def frames(self) -> Iterator[np.ndarray]:
        """Decoded RGB frames. ``RecordingError`` after the last one when fewer
        frames decode than the file announces (a truncated or corrupt video: the
        frames after a lost one would get wrong times ``i / fps``)."""
        import cv2

        cap = self._open()
        announced = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
        decoded = 0
        try:
            while True:
                ok, bgr = cap.read()
                if not ok:
                    break
                decoded += 1
                yield cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
        finally:
            cap.release()
        if decoded < announced:
            raise RecordingError(self.path, f"only {decoded} of the {announced} frames the file announces "
                                            f"could be decoded: the video is truncated or corrupt")


@dataclass(frozen=True)
class ImageSequence:
    """A folder of image files, one per frame, with explicit times (s)."""

    path: Path
    files: tuple[Path, ...]
    times: tuple[float, ...]

    @property
    def fps(self) -> float:
        t = np.asarray(self.times)
        return float((len(t) - 1) / (t[-1] - t[0])) if len(t) > 1 else 0.0

    def frame_times(self) -> np.ndarray:
        return np.asarray(self.times, dtype=float)

    def frames(self) -> Iterator[np.ndarray]:
        """Decoded RGB frames; ``RecordingError`` naming the file for one that cannot be
        read or whose size differs from the first frame's."""
        import cv2

        shape = None
        for f in self.files:
            bgr = cv2.imread(str(f), cv2.IMREAD_COLOR)
            if bgr is None:
                raise RecordingError(f, "cannot read image frame")
            if shape is None:
                shape = bgr.shape
            elif bgr.shape != shape:
                raise RecordingError(f, f"frame is {bgr.shape[1]}x{bgr.shape[0]} px but the first frame "
                                        f"is {shape[1]}x{shape[0]} px")
            yield cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


@dataclass(eq=False)
class Recording:
    """One recording: a frame source plus ground truth on the same clock.

    ``ppg`` (arbitrary units) is sampled at ``ppg_times`` (s); ``hr`` (bpm), when
    the dataset provides it, at ``hr_times`` (s). ``condition`` is the recording's
    main condition (the report's per-condition tables); ``labels`` every
    condition the dataset records, as ``{name: value}`` strings (e.g. MMPD's
    ``{"light": "LED-high", "motion": "stationary"}``), which ``--where``
    selects on and the result rows carry as ``label_<name>``. ``products`` memoises derived
    per-video data (RGB trace, face boxes, crops) so that every method shares
    one decoding pass. ``respiration`` (a.u., e.g. a respiratory belt), when the
    dataset records breathing, is sampled at its own ``respiration_times`` (s,
    same clock); the breathing-rate reference of :mod:`..metrics.beat_metrics`. ``beat_times``
    (s, same clock), when the dataset knows its true beats (a generated corpus), replace the beats
    found in the PPG as the beat reference under ``--hr-source dataset``.
    """

    name: str
    dataset: str
    source: FrameSource
    ppg: np.ndarray
    ppg_times: np.ndarray
    subject: str = ""
    condition: str = ""
    hr: np.ndarray | None = None
    hr_times: np.ndarray | None = None
    labels: dict[str, str] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)
    products: dict[Any, Any] = field(default_factory=dict, repr=False)
    respiration: np.ndarray | None = None
    respiration_times: np.ndarray | None = None
    beat_times: np.ndarray | None = None

    @property
    def path(self) -> Path:
        return Path(self.source.path)

    @property
    def fps(self) -> float:
        return float(self.source.fps)  # type: ignore[attr-defined]

    @property
    def frame_times(self) -> np.ndarray:
        return self.source.frame_times()

    def frames(self) -> Iterator[np.ndarray]:
        return self.source.frames()


def check_series(path: Path, what: str, values: Sequence[float] | np.ndarray,
                 increasing: bool = False, min_len: int = 2, varying: bool = False) -> np.ndarray:
    """Validate a 1-D numeric series read from ``path``; return it as float array.

    Raises ``RecordingError`` naming the file for too few values, NaN/inf,
    (with ``increasing``) timestamps that do not strictly increase, or (with
    ``varying``, for a PPG) a series whose values are all equal.
    """
    arr = np.asarray(values, dtype=float)
    if arr.ndim != 1 or arr.size < min_len:
        raise RecordingError(path, f"{what}: expected at least {min_len} values, got {arr.size}")
    bad = ~np.isfinite(arr)
    if bad.any():
        raise RecordingError(path, f"{what}: {int(bad.sum())} non-finite values (first at index {int(np.argmax(bad))})")
    if increasing:
        steps = np.diff(arr)
        if (steps <= 0).any():
            i = int(np.argmax(steps <= 0))
            raise RecordingError(path, f"{what}: timestamps do not increase at index {i + 1} ({arr[i]} -> {arr[i + 1]})")
    if varying and np.ptp(arr) == 0:
        raise RecordingError(path, f"{what}: all {arr.size} values equal {arr[0]:g} (a flat line, no pulse)")
    return arr


#: fingerprints of frame sources in this process, by the identity of their files (``_files_identity``)
_FINGERPRINTS: dict[str, str] = {}
_SETTLED_S = 2.0  # a file modified less than this long ago is hashed every time (mtime granularity)


def _files_identity(files: Sequence[Path]) -> str | None:
    """Key of the files' identity: path, size, inode, modification and change times, or None when
    one of them was modified too recently for its times to tell a later rewrite apart (as git's index)."""
    now, ident = time.time_ns(), []
    for f in files:
        st = os.stat(f)
        if now - max(st.st_mtime_ns, st.st_ctime_ns) < _SETTLED_S * 1e9:
            return None
        ident.append((str(Path(f).resolve()), st.st_size, st.st_ino, st.st_mtime_ns, st.st_ctime_ns))
    return cache_key(files=ident)


def source_fingerprint(source: FrameSource, cache_dir: Path | None = None) -> str:
    """sha256 (hex, 24 chars) of the bytes of a frame source's file(s), or of its
    class name and ``content_key()`` when it has one (see :class:`FrameSource`).

    The file hash is memoised by the files' identity (path, size, inode,
    modification and change times) in this process and, with ``cache_dir``,
    across runs in ``cache_dir/fingerprints``, so a rerun does not read every
    video again just to find its cached products (a 1-minute uncompressed UBFC
    video is 1.6 GB).
    A file changed in place changes its change time, so it is hashed again.
    """
    content_key = getattr(source, "content_key", None)
    if content_key is not None:
        return cache_key(source=type(source).__name__, content=content_key())
    files = getattr(source, "files", None) or (source.path,)
    ident = _files_identity(files)
    if ident is not None and ident in _FINGERPRINTS:
        return _FINGERPRINTS[ident]
    memo = Path(cache_dir) / "fingerprints" / f"{ident}.txt" if cache_dir and ident else None
    digest = None
    if memo is not None:
        try:
            text = memo.read_text().strip()
            digest = text if len(text) == 24 and all(c in "0123456789abcdef" for c in text) else None
        except OSError:
            pass
    if digest is None:
        h = hashlib.sha256()
        for f in files:
            with open(f, "rb") as fh:
                for chunk in iter(lambda: fh.read(1 << 20), b""):
                    h.update(chunk)
        digest = h.hexdigest()[:24]
        if memo is not None:
            try:
                write_text_atomic(memo, digest)
            except OSError:  # a full or read-only cache only loses the memo
                pass
    if ident is not None:
        _FINGERPRINTS[ident] = digest
    return digest


def recording_fingerprint(recording: Recording, cache_dir: Path | None = None) -> str:
    """sha256 (hex, 16 chars) of a recording's frame files and ground-truth arrays
    (``cache_dir``: where :func:`source_fingerprint` memoises the files' hash)."""
    h = hashlib.sha256(source_fingerprint(recording.source, cache_dir).encode())
    for arr in (recording.ppg, recording.ppg_times):
        h.update(np.ascontiguousarray(arr, dtype=float).tobytes())
    return h.hexdigest()[:16]
