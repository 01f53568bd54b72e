"""Streamed MAT v5 variables (matfile_v5): exactly ``loadmat``'s array, converted, without holding it; clear errors."""

from __future__ import annotations

import struct
import tempfile
import tracemalloc
import zlib
from pathlib import Path

import numpy as np
import pytest
import scipy.io as sio
from hypothesis import given, settings
from hypothesis import strategies as st

from rppg_bench.datasets.errors import RecordingError
from rppg_bench.datasets.matfile import MatFile, to_uint8_rgb
from rppg_bench.datasets.matfile_v5 import read_v5_numeric

DTYPES = (np.float32, np.float64, np.uint8, np.int16)


def _video(shape: tuple[int, ...], dtype, seed: int) -> np.ndarray:
    """Values around [0, 1] for floats (some outside, to exercise the clipping), around 0-255 for integers."""
    rng = np.random.default_rng(seed)
    values = rng.uniform(-0.05, 1.05, shape)
    return values.astype(dtype) if np.dtype(dtype).kind == "f" else np.rint(values * 255).astype(dtype)


def _savemat(path: Path, video: np.ndarray, compress: bool) -> Path:
    """``video`` as the third of four variables, as MATLAB's -v7 (compressed) or -v6 writes them."""
    sio.savemat(path, {"GT_ppg": np.arange(5.0)[None], "light": "LED-low", "video": video, "skin_color": 3.0},
                do_compression=compress)
    return path


@settings(max_examples=40, deadline=None)
@given(shape=st.lists(st.integers(1, 7), min_size=2, max_size=4).map(tuple),
       dtype=st.sampled_from(DTYPES), compress=st.booleans(), seed=st.integers(0, 2**16),
       step=st.integers(1, 200), batch=st.integers(1, 200))
def test_stream_equals_loadmat_converted(shape, dtype, compress, seed, step, batch):
    with tempfile.TemporaryDirectory() as tmp:
        path = _savemat(Path(tmp) / "v.mat", _video(shape, dtype, seed), compress)
        stored = sio.loadmat(path)["video"]
        frames = read_v5_numeric(path, "video", to_uint8_rgb, step_bytes=step, batch_bytes=batch)
        raw = read_v5_numeric(path, "video", step_bytes=step, batch_bytes=batch)
    assert frames.dtype == np.uint8 and frames.flags.c_contiguous
    np.testing.assert_array_equal(frames, to_uint8_rgb(stored))
    assert raw.dtype == stored.dtype
    np.testing.assert_array_equal(raw, stored)


@pytest.mark.parametrize("compress", [True, False])
def test_mmpd_shaped_video_with_default_chunks(tmp_path, compress):
    video = _video((45, 24, 32, 3), np.float32, 1)
    path = _savemat(tmp_path / "v.mat", video, compress)
    np.testing.assert_array_equal(read_v5_numeric(path, "video", to_uint8_rgb), to_uint8_rgb(video))
    blocks = list(MatFile.open(path).frame_chunks("video", convert=to_uint8_rgb, max_chunk_bytes=10 * 24 * 32 * 3))
    assert [len(b) for b in blocks] == [10, 10, 10, 10, 5] and all(b.dtype == np.uint8 for b in blocks)
    np.testing.assert_array_equal(np.concatenate(blocks), to_uint8_rgb(video))


def test_never_holds_the_stored_array(tmp_path):
    video = _video((60, 40, 50, 3), np.float64, 2)  # 2.9 MB stored (as much compressed: random), 360 kB as uint8
    path = _savemat(tmp_path / "v.mat", video, True)
    tracemalloc.start()
    try:
        frames = read_v5_numeric(path, "video", to_uint8_rgb, step_bytes=64 << 10, batch_bytes=64 << 10)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < frames.nbytes + video.nbytes // 3, (peak, frames.nbytes, video.nbytes)


# ---------------------------------------------------------------- files as MATLAB writes them, both byte orders

def _element(order: str, kind: int, data: bytes) -> bytes:
    """A data element: the 4-byte small form for up to 4 bytes, else tag, data and padding to 8 bytes."""
    if len(data) <= 4:
        return struct.pack(order + "I", len(data) << 16 | kind) + data.ljust(4, b"\0")
    return struct.pack(order + "II", kind, len(data)) + data + b"\0" * (-len(data) % 8)


def _matrix(order: str, name: str, class_id: int, values: np.ndarray, kind: int, compress: bool) -> bytes:
    """``values`` (MATLAB shape) as a class ``class_id`` variable stored as element type ``kind``."""
    body = (_element(order, 6, struct.pack(order + "II", class_id, 0))
            + _element(order, 5, np.array(values.shape, order + "i4").tobytes())
            + _element(order, 1, name.encode())
            + _element(order, kind, values.astype(values.dtype.newbyteorder(order)).tobytes(order="F")))
    matrix = struct.pack(order + "II", 14, len(body)) + body
    return struct.pack(order + "II", 15, len(zlib.compress(matrix))) + zlib.compress(matrix) if compress else matrix


def _matlab_file(path: Path, order: str, compress: bool) -> Path:
    """A double variable of small integers stored as miUINT8 (as MATLAB saves one; ``loadmat`` returns
    uint8), after a single one."""
    head = b"MATLAB 5.0 MAT-file, written by the test".ljust(116) + b"\0" * 8
    head += struct.pack(order + "H", 0x0100) + (b"IM" if order == "<" else b"MI")
    small = np.array([[0.25]], np.float32)
    video = np.arange(2 * 3 * 5 * 3, dtype=np.uint8).reshape(2, 3, 5, 3) * 2
    path.write_bytes(head + _matrix(order, "ppg", 7, small, 7, compress)
                     + _matrix(order, "video", 6, video, 2, compress))
    return path


@pytest.mark.parametrize("order", ["<", ">"])
@pytest.mark.parametrize("compress", [True, False])
def test_matlab_storage_both_byte_orders(tmp_path, order, compress):
    path = _matlab_file(tmp_path / "m.mat", order, compress)
    stored = sio.loadmat(path)
    assert stored["video"].dtype == np.uint8 and stored["video"].shape == (2, 3, 5, 3)
    streamed = read_v5_numeric(path, "video")
    assert streamed.dtype == np.uint8
    np.testing.assert_array_equal(streamed, stored["video"])
    np.testing.assert_array_equal(read_v5_numeric(path, "ppg"), stored["ppg"])  # small-element name and data
    np.testing.assert_array_equal(read_v5_numeric(path, "video", to_uint8_rgb, step_bytes=7, batch_bytes=5),
                                  to_uint8_rgb(stored["video"]))


# ---------------------------------------------------------------- errors name the file and the problem

def test_truncated_and_corrupt_files(tmp_path):
    path = _savemat(tmp_path / "v.mat", _video((30, 12, 16, 3), np.float32, 3), True)
    data = path.read_bytes()
    bad = tmp_path / "bad.mat"
    for size in (len(data) // 2, len(data) - 100):  # inside the video's data, near its end
        bad.write_bytes(data[:size])
        with pytest.raises(RecordingError, match=r"'video': the file ends inside a compressed variable "
                                                 r"\(truncated\)") as err:
            read_v5_numeric(bad, "video", to_uint8_rgb)
        assert err.value.path == bad
    bad.write_bytes(data[:len(data) // 2] + bytes(64) + data[len(data) // 2 + 64:])
    with pytest.raises(RecordingError, match=r"MAT v5 variable 'video': .*(invalid|incorrect)") as err:
        read_v5_numeric(bad, "video", to_uint8_rgb)
    assert err.value.path == bad


def test_missing_variable_lists_those_found(tmp_path):
    path = _savemat(tmp_path / "v.mat", _video((3, 2, 2, 3), np.float32, 4), False)
    with pytest.raises(RecordingError, match=r"lacks the variable frames \(found: GT_ppg, light, video, "
                                             r"skin_color\)") as err:
        read_v5_numeric(path, "frames")
    assert err.value.path == path


@pytest.mark.parametrize(("value", "problem"), [
    ("LED-low", "is a char array, not a numeric one"),
    (np.array([[1 + 2j, 3]]), "is complex"),
    (np.array([[np.zeros(2)]], dtype=object), "is a cell array"),
    ({"a": 1.0}, "is a struct array"),
])
def test_non_numeric_variables_are_refused(tmp_path, value, problem):
    path = tmp_path / "v.mat"
    sio.savemat(path, {"x": value}, do_compression=True)
    with pytest.raises(RecordingError, match=problem) as err:
        read_v5_numeric(path, "x")
    assert err.value.path == path


def test_sparse_is_refused(tmp_path):
    from scipy.sparse import csc_matrix

    path = tmp_path / "v.mat"
    sio.savemat(path, {"x": csc_matrix(np.eye(3))})
    with pytest.raises(RecordingError, match="is a sparse array"):
        read_v5_numeric(path, "x")
