"""MATLAB MAT-files: version detection, named variables and bounded-memory frame access.

Two on-disk formats are read:

- **v5** (also written by MATLAB's ``-v6`` and the default ``-v7``, whose
  variables are zlib-compressed): a 128-byte header whose bytes 124-125 hold
  the version ``0x0100`` and bytes 126-127 the endian mark ``IM`` / ``MI``.
  Read with ``scipy.io.whosmat`` (names and shapes, without the data) and
  ``scipy.io.loadmat(variable_names=...)``, except videos (:meth:`MatFile.frame_chunks`),
  streamed by :mod:`.matfile_v5`.
- **v7.3**: an HDF5 file behind a 512-byte MATLAB userblock (the text header
  says ``MATLAB 7.3 MAT-file``; the HDF5 signature follows at byte 512). Read
  with h5py, imported through :func:`.optional.require_reader`. MATLAB
  writes arrays column-major, so h5py sees every array with its axes
  reversed: a MATLAB ``T x H x W x 3`` video is an h5py ``(3, W, H, T)``
  dataset. :class:`MatFile` turns every array back to MATLAB's axis order.

Shapes and arrays returned here are in MATLAB's axis order (what
``scipy.io.loadmat`` and MATLAB's ``size`` report), for both formats.

Memory bound of :meth:`MatFile.frame_chunks` (frames along MATLAB axis 0):

- v7.3: one chunk of frames, at most ``max_chunk_bytes`` (32 MiB by default),
  sliced from the HDF5 dataset, plus its converted copy; the file is never
  read whole.
- v5: the variable converted (``convert``, e.g. :func:`to_uint8_rgb`), once.
  A frame of a MATLAB ``T x H x W x 3`` array is not contiguous in the file
  (column-major storage puts the time index fastest), so no frame is complete
  before the whole variable is decompressed. ``scipy.io.loadmat`` would decode
  it whole at its stored type; :func:`.matfile_v5.read_v5_numeric` instead
  decompresses it a few MiB at a time, converts each piece and scatters it
  into one C-order array of the converted type, so the float array is never
  held. Measured on a 1-min 320x240 float32 MMPD video (1800 frames, the MMPD
  fixture writer, ``-v7`` compressed, 173 MiB on disk; 2 CPUs shared, load
  average 5-8): peak RSS 531 MiB streamed against 1661 MiB through
  ``loadmat`` (base 74 MiB; the uint8 video is 396 MiB, the float32 one 1582
  MiB), loading and reading every frame in 7.2 s against 19.6 s (medians of 3;
  the face pass of the same recording took 14.5 s). Reproduce with
  ``python benchmarks/dataset_reading.py --formats mmpd --seconds 60 --repeats 3``
  (the memory table; ``--only-memory`` for it alone). Every other variable
  (labels, PPG) is read with ``loadmat``.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.io import loadmat, whosmat
from scipy.io.matlab import MatReadError

from .errors import RecordingError
from .matfile_v5 import read_v5_numeric
from .optional import require_reader
from .recording import check_series

MAT_V5 = "5"
MAT_V73 = "7.3"
HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
_HEADER_BYTES = 1024 + len(HDF5_SIGNATURE)
DEFAULT_CHUNK_BYTES = 32 << 20
#: what scipy raises on a corrupt or truncated v5 file (MatReadError, zlib and struct errors, short reads)
V5_READ_ERRORS = (MatReadError, ValueError, TypeError, OSError, EOFError, zlib.error, NotImplementedError,
                  IndexError, KeyError, struct.error)


def mat_version(path: Path) -> str:
    """``MAT_V5`` or ``MAT_V73`` from the file's header; ``RecordingError`` naming the file otherwise
    (MATLAB v4 files, other HDF5 offsets, non-MAT files, files shorter than a header)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(_HEADER_BYTES)
    except OSError as exc:
        raise RecordingError(path, f"cannot read file ({exc})") from exc
    if any(head[offset:offset + len(HDF5_SIGNATURE)] == HDF5_SIGNATURE for offset in (0, 512, 1024)):
        return MAT_V73
    if len(head) >= 128 and head[126:128] in (b"IM", b"MI") and head[124:126] in (b"\x00\x01", b"\x01\x00"):
        return MAT_V5
    text = head[:116].split(b"\x00")[0].decode("latin-1", errors="replace").strip()
    seen = f"header starts {text[:40]!r}" if text else f"{len(head)} bytes, no MAT header"
    raise RecordingError(path, f"not a MATLAB v5/v7 or v7.3 (HDF5) MAT-file ({seen})")


def _h5_class(ds) -> str:
    """The ``MATLAB_class`` attribute MATLAB writes on every v7.3 dataset (``"double"``, ``"char"``, ...)."""
    value = ds.attrs.get("MATLAB_class", b"")
    return value.decode() if isinstance(value, bytes) else str(value)


def _matlab_order(array: np.ndarray) -> np.ndarray:
    """An h5py array (reversed axes) in MATLAB's axis order."""
    return np.transpose(array)


def _decode_h5_char(values: np.ndarray) -> str:
    """A v7.3 ``char`` array (uint16 UTF-16 code units, MATLAB order) as one string (rows joined)."""
    codes = np.asarray(values, dtype=np.uint16)
    rows = codes.reshape(1, -1) if codes.ndim < 2 else codes.reshape(codes.shape[0], -1)
    return "".join(bytes(row.astype("<u2").tobytes()).decode("utf-16-le") for row in rows)


def _label_text(value: np.ndarray) -> str:
    """A scalar MATLAB label (char, logical or one number) as a string: ``'LED-high'``, ``'True'``, ``'3'``."""
    arr = np.asarray(value)
    if arr.dtype.kind in "US":
        return "".join(str(s) for s in arr.reshape(-1)).strip()
    flat = arr.reshape(-1)
    if flat.size != 1:
        raise ValueError(f"expected one value, found shape {arr.shape}")
    item = flat[0]
    if arr.dtype.kind == "b":
        return str(bool(item))
    number = float(item)
    return str(int(number)) if number.is_integer() else f"{number:g}"


@dataclass(frozen=True)
class MatFile:
    """A MAT-file opened for reading its named variables (``version``: ``MAT_V5`` or ``MAT_V73``).

    Every failure (a corrupt or truncated file, a missing variable) is a
    ``RecordingError`` naming the file; a missing variable's message lists the
    variables found.
    """

    path: Path
    version: str
    dataset: str = "mat"

    @classmethod
    def open(cls, path: str | Path, *, dataset: str = "mat") -> MatFile:
        path = Path(path)
        return cls(path, mat_version(path), dataset)

    def _h5(self):
        h5py = require_reader("h5py", self.dataset, "MAT v7.3 (HDF5) files")
        try:
            return h5py.File(self.path, "r")
        except OSError as exc:
            raise RecordingError(self.path, f"cannot open MAT v7.3 (HDF5) file ({exc})") from exc

    def _v5_failure(self, exc: Exception) -> RecordingError:
        return RecordingError(self.path, f"cannot read MAT v5 file ({type(exc).__name__}: {exc})")

    def shapes(self) -> dict[str, tuple[int, ...]]:
        """``{variable: shape}`` in MATLAB's axis order, without reading any data."""
        if self.version == MAT_V73:
            with self._h5() as fh:
                return {k: tuple(reversed(v.shape)) for k, v in fh.items() if hasattr(v, "shape")}
        try:
            return {name: tuple(shape) for name, shape, _ in whosmat(self.path)}
        except V5_READ_ERRORS as exc:
            raise self._v5_failure(exc) from exc

    def require(self, *names: str) -> dict[str, tuple[int, ...]]:
        """:meth:`shapes`, after checking that every variable of ``names`` is there."""
        shapes = self.shapes()
        missing = [n for n in names if n not in shapes]
        if missing:
            found = ", ".join(sorted(shapes)) or "none"
            raise RecordingError(self.path, f"MAT v{self.version} file lacks the variable(s) "
                                            f"{', '.join(missing)} (found: {found})")
        return shapes

    def read(self, *names: str) -> dict[str, np.ndarray]:
        """The variables ``names`` as arrays in MATLAB's axis order (v5 char arrays as numpy strings)."""
        self.require(*names)
        if self.version == MAT_V73:
            with self._h5() as fh:
                out = {}
                for name in names:
                    ds = fh[name]
                    value = _matlab_order(ds[()])
                    matlab_class = _h5_class(ds)
                    if matlab_class == "char":
                        value = np.array(_decode_h5_char(value))
                    elif matlab_class == "logical":
                        value = value.astype(bool)
                    out[name] = value
                return out
        try:
            data = loadmat(self.path, variable_names=list(names))
        except V5_READ_ERRORS as exc:
            raise self._v5_failure(exc) from exc
        return {name: data[name] for name in names}

    def read_labels(self, *names: str) -> dict[str, str]:
        """Scalar variables (char, logical or a single number) as strings; ``RecordingError`` for others."""
        out = {}
        for name, value in self.read(*names).items():
            try:
                out[name] = _label_text(value)
            except (ValueError, TypeError) as exc:
                raise RecordingError(self.path, f"variable {name!r} is not a label ({exc})") from None
        return out

    def frame_chunks(self, name: str, *, convert: Callable[[np.ndarray], np.ndarray] | None = None,
                     max_chunk_bytes: int = DEFAULT_CHUNK_BYTES) -> Iterator[np.ndarray]:
        """Consecutive blocks ``(n, ...)`` of the variable ``name`` along MATLAB axis 0 (frames), each
        ``convert(block)`` when ``convert`` (an elementwise conversion such as :func:`to_uint8_rgb`) is given.

        v7.3: each block is read from the HDF5 dataset on its own (``n`` frames
        of at most ``max_chunk_bytes`` together) and converted a frame at a time. v5: the variable
        is streamed once into one converted array (:func:`.matfile_v5.read_v5_numeric`,
        never holding it at its stored type) and yielded in views of at most
        ``max_chunk_bytes``.
        """
        shape = self.require(name)[name]
        if self.version == MAT_V5:
            array = read_v5_numeric(self.path, name, convert)
            step = max(1, max_chunk_bytes // max(1, array[:1].nbytes))
            for start in range(0, shape[0], step):
                yield array[start:start + step]
            return
        with self._h5() as fh:
            ds = fh[name]
            frame_bytes = max(1, int(np.prod(shape[1:], dtype=np.int64)) * ds.dtype.itemsize)
            step = max(1, max_chunk_bytes // frame_bytes)
            lead = (slice(None),) * (ds.ndim - 1)
            for start in range(0, shape[0], step):
                try:
                    block = ds[lead + (slice(start, min(start + step, shape[0])),)]
                except OSError as exc:
                    raise RecordingError(self.path, f"{name!r}: cannot read frames from {start} "
                                                    f"({exc}); the file is truncated or corrupt") from exc
                block = _matlab_order(block)
                yield block if convert is None else np.stack([convert(frame) for frame in block])


def to_uint8_rgb(values: np.ndarray) -> np.ndarray:
    """RGB values (any shape: a frame, a block of frames, a 1-D run) as uint8, C-contiguous: floats are
    taken in [0, 1] (x 255, rounded, clipped), integers as 0-255."""
    if values.dtype == np.uint8:
        return np.ascontiguousarray(values)
    if values.dtype.kind == "f":
        return np.clip(np.rint(values * 255.0), 0, 255).astype(np.uint8)
    return np.clip(values, 0, 255).astype(np.uint8)


@dataclass(frozen=True)
class MatVideo:
    """Frames of a ``T x H x W x 3`` MAT variable (MATLAB order) as RGB uint8; frame ``i`` at ``i / fps`` s.

    ``n_frames`` is the variable's first dimension, read from the header when
    the recording is loaded. Frames are streamed through
    :meth:`MatFile.frame_chunks` (see the module docstring for the memory bound)
    and converted with :func:`to_uint8_rgb`.
    """

    path: Path
    key: str
    fps: float
    n_frames: int
    dataset: str = "mat"

    def frame_times(self) -> np.ndarray:
        return np.arange(self.n_frames) / self.fps

    def frames(self) -> Iterator[np.ndarray]:
        mat = MatFile.open(self.path, dataset=self.dataset)
        for block in mat.frame_chunks(self.key, convert=to_uint8_rgb):
            yield from block


def check_video_shape(path: Path, name: str, shape: tuple[int, ...]) -> int:
    """The frame count of a ``T x H x W x 3`` variable's MATLAB shape; ``RecordingError`` for another shape."""
    if len(shape) != 4 or shape[3] != 3 or min(shape) < 1:
        raise RecordingError(path, f"variable {name!r} has shape {'x'.join(map(str, shape))}, "
                                   f"expected frames x height x width x 3")
    if shape[0] < 2:
        raise RecordingError(path, f"variable {name!r} holds {shape[0]} frame(s); at least 2 are needed")
    return int(shape[0])


def read_frame_series(mat: MatFile, name: str, n_frames: int, fps: float) -> tuple[np.ndarray, np.ndarray]:
    """Variable ``name`` of ``mat``, a waveform with one sample per video frame, flattened, and its
    times ``i / fps`` (s); ``RecordingError`` naming the file when it is not numeric, flat, or has
    fewer samples than the video's ``n_frames`` (truncated)."""
    raw = np.asarray(mat.read(name)[name])
    if raw.dtype.kind not in "biuf":
        raise RecordingError(mat.path, f"{name} is not numeric ({raw.dtype})")
    series = check_series(mat.path, name, raw.reshape(-1), varying=True)
    if series.size < n_frames:
        raise RecordingError(mat.path, f"{name} has {series.size} samples but the video has {n_frames} "
                                       f"frames (one sample per frame expected): it is truncated")
    return series, np.arange(series.size) / fps
