"""One numeric variable of a MAT v5 file (MATLAB ``-v6`` / ``-v7``), streamed: the stored array is never held.

Why not ``scipy.io.loadmat``: it decodes a variable whole at its stored type,
and MATLAB stores arrays column-major, so a frame of a ``T x H x W x 3`` video
is spread over the whole variable. Reading a 1-min 320x240 float32 MMPD video
(1800 frames) with ``loadmat`` peaked at 1661 MiB RSS (base 74 MiB: the 1582
MiB float32 array); streamed here into uint8 it peaks at 531 MiB (the 396 MiB
uint8 array and about 60 MiB of pieces) and reads 2.7x faster (7.2 s against
19.6 s; the measurement and its command are in :mod:`.matfile`). ``loadmat``
stays the reader of every other (small) variable.

The format (MathWorks, "MAT-File Format", the v5 chapter): a 128-byte header
(bytes 126-127 ``IM`` for a little-endian file, ``MI`` for big-endian), then
data elements, each a tag (``uint32`` type and ``uint32`` byte count, or the
4-byte small form: count in the upper 16 bits of the first word, data in the
second) and its data, padded to 8 bytes inside a matrix. A variable is an
``miMATRIX`` element, zlib-compressed inside an ``miCOMPRESSED`` element in
``-v7`` files; its sub-elements are the array flags (class, complex and
logical bits), the dimensions (``miINT32``), the name (``miINT8``) and the real
part, whose element type may be narrower than the class (MATLAB stores a double
array of small integers as ``miUINT8``). Values keep their stored element type,
as ``loadmat`` returns them by default (``mat_dtype=False``).
"""

from __future__ import annotations

import io
import os
import struct
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import RecordingError

MI_MATRIX, MI_COMPRESSED = 14, 15
#: element type -> numpy type of the stored values (what ``loadmat`` returns)
MI_DTYPES = {1: "i1", 2: "u1", 3: "i2", 4: "u2", 5: "i4", 6: "u4", 7: "f4", 9: "f8", 12: "i8", 13: "u8"}
#: the numeric MATLAB classes (double, single, int8 ... uint64)
NUMERIC_CLASSES = frozenset(range(6, 16))
#: the other classes, named in errors
OTHER_CLASSES = {1: "cell", 2: "struct", 3: "object", 4: "char", 5: "sparse", 16: "function handle", 17: "opaque"}
COMPLEX_FLAG = 0x0800
HEADER_BYTES = 128
STEP_BYTES = 4 << 20    # stored bytes decompressed and converted at a time
BATCH_BYTES = 16 << 20  # converted bytes scattered into the output at a time
PIECE_BYTES = 1 << 20   # compressed bytes read at a time (at most step_bytes)


class _Inflated:
    """``read(n)`` of a zlib stream of ``nbytes`` compressed bytes at the file's position, inflated in pieces."""

    def __init__(self, fh, nbytes: int, piece: int):
        self._fh, self._left, self._piece = fh, nbytes, piece
        self._zlib = zlib.decompressobj()

    def _more(self) -> bytes:
        data = self._fh.read(min(self._piece, self._left))
        self._left -= len(data)
        return data

    def read(self, n: int) -> bytearray:
        out = bytearray()
        while len(out) < n:
            data = self._zlib.unconsumed_tail or self._more()
            got = self._zlib.decompress(data, n - len(out))
            if not got and not data:
                raise EOFError("the compressed variable ends early" if self._zlib.eof
                               else "the file ends inside a compressed variable (truncated)")
            out += got
        return out

    def finish(self) -> None:
        """Inflate the rest of the stream (the matrix's padding), so that zlib checks its Adler-32 checksum."""
        while not self._zlib.eof:
            data = self._zlib.unconsumed_tail or self._more()
            got = self._zlib.decompress(data, 1 << 16)
            if not data and not got and not self._zlib.eof:
                raise EOFError("the file ends inside a compressed variable (truncated)")


def _exact(src, n: int) -> bytes:
    data = src.read(n)
    if len(data) < n:
        raise EOFError(f"the file ends {n - len(data)} bytes early (truncated)")
    return data


def _tag(src, order: str) -> tuple[int, int, bytes | None]:
    """(element type, byte count, the data of a small element or None) of the next tag."""
    first, count = struct.unpack(order + "II", _exact(src, 8))
    if first >> 16:
        return first & 0xFFFF, first >> 16, struct.pack(order + "I", count)[:first >> 16]
    return first, count, None


def _element(src, order: str) -> tuple[int, bytes]:
    """(type, data) of the next sub-element of a matrix, its padding skipped."""
    kind, count, small = _tag(src, order)
    if small is not None:
        return kind, small
    data = _exact(src, count)
    _exact(src, -count % 8)
    return kind, data


@dataclass(frozen=True)
class MatrixHeader:
    """The head of an ``miMATRIX``: ``name``, MATLAB ``class_id``, ``flags`` word and ``dims`` (MATLAB order)."""

    name: str
    class_id: int
    flags: int
    dims: tuple[int, ...]


def _matrix_header(src, order: str) -> MatrixHeader:
    _, flags = _element(src, order)
    _, dims = _element(src, order)
    _, name = _element(src, order)
    word = struct.unpack(order + "I", flags[:4])[0]
    shape = tuple(int(d) for d in np.frombuffer(dims, order + "i4"))
    return MatrixHeader(name.decode("latin-1"), word & 0xFF, word, shape)


def _variables(fh, order: str, piece: int) -> Iterator[tuple[MatrixHeader, object]]:
    """Every variable of the file: (its header, a source positioned after it), the file walked from byte 128
    (compressed ones read ``piece`` bytes at a time)."""
    pos, size = HEADER_BYTES, os.fstat(fh.fileno()).st_size
    while pos != size:
        if pos > size:
            raise EOFError(f"the file ends {pos - size} bytes inside its last element (truncated)")
        fh.seek(pos)
        head = fh.read(8)
        kind, count, small = _tag(io.BytesIO(head), order)
        pos += 8 if small is not None else 8 + count
        if small is not None or kind not in (MI_MATRIX, MI_COMPRESSED):
            continue
        src = _Inflated(fh, count, piece) if kind == MI_COMPRESSED else fh
        if kind == MI_COMPRESSED:
            inner, inner_count, _ = _tag(src, order)
            if inner != MI_MATRIX or inner_count == 0:
                continue
        elif count == 0:
            continue
        yield _matrix_header(src, order), src


def _check_numeric(header: MatrixHeader) -> None:
    """``ValueError`` for a variable that is not a real numeric array."""
    if header.class_id not in NUMERIC_CLASSES:
        kind = OTHER_CLASSES.get(header.class_id, f"class {header.class_id}")
        raise ValueError(f"variable {header.name!r} is a {kind} array, not a numeric one")
    if header.flags & COMPLEX_FLAG:
        raise ValueError(f"variable {header.name!r} is complex; only real arrays are read")


@dataclass(frozen=True)
class RealPart:
    """The real part's element: its stored type (file byte order), value count and source (at its data)."""

    stored: np.dtype
    n: int
    src: object


def _real_part(src, order: str, header: MatrixHeader) -> RealPart:
    kind, count, small = _tag(src, order)
    if kind not in MI_DTYPES:
        raise ValueError(f"variable {header.name!r}: real part stored as element type {kind}, not a number")
    stored = np.dtype(MI_DTYPES[kind]).newbyteorder(order)
    n = int(np.prod(header.dims, dtype=np.int64))
    if count != n * stored.itemsize:
        raise ValueError(f"variable {header.name!r}: real part holds {count} bytes, "
                         f"{n} values of {stored.itemsize} bytes expected")
    return RealPart(stored, n, io.BytesIO(small) if small is not None else src)


def _values(part: RealPart, convert: Callable, step_bytes: int) -> Iterator[np.ndarray]:
    """The real part's values in file (column-major) order, in native byte order and converted,
    ``step_bytes`` of stored values at a time."""
    per = max(1, step_bytes // part.stored.itemsize)
    for start in range(0, part.n, per):
        raw = np.frombuffer(_exact(part.src, min(per, part.n - start) * part.stored.itemsize), part.stored)
        yield convert(raw.astype(part.stored.newbyteorder("="), copy=False))


def _slots(out: np.ndarray, batch_values: int) -> list[np.ndarray]:
    """Views of ``out`` (C order) that, filled one after the other each in C order, take ``out``'s values in
    column-major order; each at most ``batch_values`` values unless one column-major run is longer.

    ``out.T`` traverses ``out`` column-major in C order; it is cut along its leading axes into
    blocks of whole trailing sub-arrays (a video's ``H x T`` per column and colour), so that each
    assignment is one strided numpy copy.
    """
    view = out.T
    shape = view.shape
    lead = next((k for k in range(1, view.ndim) if np.prod(shape[k:], dtype=np.int64) <= batch_values), view.ndim)
    step = max(1, batch_values // int(np.prod(shape[lead:], dtype=np.int64)))
    return [view[outer][j:j + step] for outer in np.ndindex(*shape[:lead - 1])
            for j in range(0, shape[lead - 1], step)]


def _rechunk(pieces: Iterator[np.ndarray], sizes: Iterable[int]) -> Iterator[np.ndarray]:
    """The concatenation of ``pieces`` cut into consecutive arrays of ``sizes`` values (each a new array)."""
    tail = None
    for size in sizes:
        block, filled = None, 0
        while filled < size:
            piece = next(pieces) if tail is None else tail
            block = np.empty(size, piece.dtype) if block is None else block
            take = min(size - filled, piece.size)
            block[filled:filled + take] = piece[:take]
            filled += take
            tail = piece[take:] if take < piece.size else None
        yield block


def _fill(out: np.ndarray, values: Iterator[np.ndarray], batch_bytes: int) -> np.ndarray:
    """``out`` (MATLAB shape, C order) filled from ``values`` given in column-major order, about
    ``batch_bytes`` of ``out`` at a time."""
    if out.size:
        slots = _slots(out, max(1, batch_bytes // out.itemsize))
        for slot, block in zip(slots, _rechunk(values, (s.size for s in slots))):
            slot[...] = block.reshape(slot.shape)
    return out


def file_order(path: Path, head: bytes) -> str:
    """``'<'`` or ``'>'`` from a v5 header's endian mark; ``RecordingError`` for another header."""
    if len(head) < HEADER_BYTES or head[126:128] not in (b"IM", b"MI"):
        raise RecordingError(path, "not a MAT v5 file (no IM/MI endian mark at byte 126)")
    return "<" if head[126:128] == b"IM" else ">"


def read_v5_numeric(path: str | Path, name: str, convert: Callable[[np.ndarray], np.ndarray] | None = None, *,
                    step_bytes: int = STEP_BYTES, batch_bytes: int = BATCH_BYTES) -> np.ndarray:
    """Variable ``name`` of the MAT v5 file ``path``, a real numeric array, as ``convert(values)`` in MATLAB's
    shape, C order (``loadmat``'s array, converted and copied to C order).

    ``convert`` maps a 1-D array of the variable's values (in their stored type, as ``loadmat``
    returns them) to as many values of the output type, elementwise (e.g. :func:`.matfile.to_uint8_rgb`); default: unchanged. Peak
    memory: the output plus about ``batch_bytes`` of converted values and ``step_bytes`` of stored
    values (decompressed and converted that many at a time) with their conversion's temporaries, and
    up to twice ``min(step_bytes, PIECE_BYTES)`` of compressed input.
    ``RecordingError`` naming the file for a missing, non-numeric, complex, sparse or truncated variable.
    """
    path = Path(path)
    convert = convert or (lambda v: v)
    found = []
    try:
        with open(path, "rb") as fh:
            order = file_order(path, fh.read(HEADER_BYTES))
            for header, src in _variables(fh, order, min(step_bytes, PIECE_BYTES)):
                if header.name != name:
                    found.append(header.name)
                    continue
                _check_numeric(header)
                part = _real_part(src, order, header)
                out = np.empty(header.dims, convert(np.empty(0, part.stored.newbyteorder("="))).dtype)
                _fill(out, _values(part, convert, step_bytes), batch_bytes)
                if isinstance(src, _Inflated):
                    src.finish()
                return out
    except (OSError, EOFError, ValueError, zlib.error, struct.error) as exc:
        raise RecordingError(path, f"MAT v5 variable {name!r}: {exc}") from exc
    raise RecordingError(path, f"MAT v5 file lacks the variable {name} (found: {', '.join(found) or 'none'})")
