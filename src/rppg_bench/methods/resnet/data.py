"""Training data for the ResNet-18 + TCN model: face-crop clips with their PPG.

- :func:`recording_arrays`: one ``Recording`` -> its face crops (N, S, S, 3)
  uint8 RGB (the face products of :mod:`rppg_bench.preprocessing`: those
  memoised on the recording, or from the content-keyed products store under
  ``cache_dir``, read back as a memory map) and the ground-truth PPG
  resampled onto the frame times (``np.interp``); only frames inside the
  ground truth's time span are kept.
- :class:`ClipDataset`: clips of ``frames`` consecutive frames, ``stride``
  (default ``frames // 2``) apart, with per-clip augmentation.
- :func:`augment_clip`: ColorJitter-like brightness / contrast / saturation,
  gamma and horizontal flip, drawn once per clip and applied to all its frames
  (a per-frame jitter would add a fake "pulse").
"""

from __future__ import annotations

import struct
import warnings
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ...datasets.recording import Recording
from ...preprocessing.decode import decoded_frame_times
from ...preprocessing.kinds import compute_products
from ...preprocessing.params import FaceParams
from ...preprocessing.store import (
    cached_products,
    products_cache_file,
    save_products,
    video_products,
)


@dataclass
class RecordingArrays:
    """One recording ready for training.

    crops (N, S, S, 3) uint8 RGB (possibly a read-only memory map); ppg (N,)
    float32 ground truth on the frame times; times (N,) s; fps Hz; name, subject.
    """

    name: str
    subject: str
    crops: np.ndarray
    ppg: np.ndarray
    times: np.ndarray
    fps: float


def recording_subject(rec: Recording) -> str:
    """Subject id of ``rec``; a recording without one counts as its own subject (its name)."""
    return rec.subject or rec.name


def face_crops(rec: Recording, size: int, *, cache_dir: str | Path | None = None) -> tuple[np.ndarray, np.ndarray, float]:
    """Face crops (N, size, size, 3) uint8 RGB, frame times (N,) s and fps (Hz) of ``rec``.

    Crops already memoised on the recording are used as they are. Otherwise,
    without ``cache_dir`` the products are computed and memoised on the
    recording; with it they come from the products store under ``cache_dir``
    (:func:`rppg_bench.preprocessing.store.products_cache_file`, computed and written
    there once) and the crops are a read-only memory map (bounded memory when
    training on many long videos).
    """
    prod = cached_products(rec, None)
    if prod is not None and prod.crops is not None and prod.crops.shape[1] == size:
        return prod.crops, prod.times, prod.fps
    params = FaceParams(crop_size=size)
    if cache_dir is None:
        prod = video_products(rec, params)
        return prod.crops, prod.times, prod.fps
    path = products_cache_file(rec, params, Path(cache_dir))
    stored = stored_crops(path)
    if stored is None:
        prod = compute_products(rec, params)
        try:
            save_products(path, prod)
        except OSError as exc:  # a full or read-only cache never costs a recording
            warnings.warn(f"{exc}; training on {rec.path} without caching its crops", RuntimeWarning, stacklevel=2)
            return prod.crops, prod.times, prod.fps
        stored = stored_crops(path)
    if stored is None:
        raise ValueError(f"{path}: the face products just written for {rec.path} cannot be read back")
    crops, _, fps = stored  # the file is keyed by the frames' content; their times are the recording's own
    return crops, decoded_frame_times(rec, len(crops)), fps


def stored_crops(path: Path) -> tuple[np.ndarray, np.ndarray, float] | None:
    """Crops (memory-mapped), times (s) and fps (Hz) of the products file ``path`` (``.npz``);
    None when it is absent, unreadable or holds no crops (a miss)."""
    try:
        with np.load(path, allow_pickle=False) as data:
            if "crops" not in data.files:
                return None
            times, fps = data["times"], float(data["fps"])
        return npz_memmap(path, "crops"), times, fps
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile):
        return None


def npz_memmap(path: Path, name: str) -> np.memmap:
    """Array ``name`` of the uncompressed ``.npz`` file ``path`` as a read-only memory map.

    An ``.npz`` is a zip of ``.npy`` files; a stored (uncompressed) member's
    bytes lie in the file as they are, after the member's local header and the
    ``.npy`` header. ``ValueError`` when the member is compressed or malformed.
    """
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(f"{name}.npy")
    if info.compress_type != zipfile.ZIP_STORED:
        raise ValueError(f"{path}: {name!r} is compressed and cannot be memory-mapped")
    with open(path, "rb") as fh:
        fh.seek(info.header_offset)
        local = fh.read(30)  # the zip local file header: fixed part
        if len(local) != 30 or local[:4] != b"PK\x03\x04":
            raise ValueError(f"{path}: no zip entry header for {name!r}")
        name_len, extra_len = struct.unpack("<HH", local[26:30])
        fh.seek(info.header_offset + 30 + name_len + extra_len)
        version = np.lib.format.read_magic(fh)
        read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else \
            np.lib.format.read_array_header_2_0
        shape, fortran, dtype = read_header(fh)
        offset = fh.tell()
    return np.memmap(path, dtype=dtype, mode="r", shape=shape, order="F" if fortran else "C", offset=offset)


def recording_arrays(rec: Recording, size: int, *, cache_dir: str | Path | None = None) -> RecordingArrays:
    """Crops of ``rec`` and its PPG on the frame times, trimmed to the ground truth's span.

    Raises ``ValueError`` naming the recording when it has no ground truth or
    no frame inside the ground truth's time span.
    """
    ppg_t, ppg = np.asarray(rec.ppg_times, float), np.asarray(rec.ppg, float)
    if ppg.size < 2 or ppg_t.size != ppg.size:
        raise ValueError(f"{rec.path}: recording {rec.name!r} has no usable ground-truth PPG")
    crops, times, fps = face_crops(rec, size, cache_dir=cache_dir)
    inside = np.flatnonzero((times >= ppg_t[0]) & (times <= ppg_t[-1]))
    if inside.size == 0:
        raise ValueError(f"{rec.path}: no frame of {rec.name!r} lies inside its ground truth's "
                         f"time span {ppg_t[0]:.2f}-{ppg_t[-1]:.2f} s")
    lo, hi = int(inside[0]), int(inside[-1]) + 1
    return RecordingArrays(name=rec.name, subject=recording_subject(rec), crops=crops[lo:hi],
                           ppg=np.interp(times[lo:hi], ppg_t, ppg).astype(np.float32),
                           times=np.asarray(times[lo:hi], float), fps=fps)


def clip_starts(n: int, frames: int, stride: int) -> list[int]:
    """First frames of the clips of ``frames`` frames, ``stride`` apart, in ``n`` frames (the last flush with the end)."""
    if n < frames:
        return []
    starts = list(range(0, n - frames + 1, stride))
    if starts[-1] != n - frames:
        starts.append(n - frames)
    return starts


@dataclass(frozen=True)
class Jitter:
    """Augmentation ranges: factors drawn uniformly in ``[1 - x, 1 + x]``; ``gamma`` in ``[1/g, g]``."""

    brightness: float = 0.2
    contrast: float = 0.2
    saturation: float = 0.2
    gamma: float = 1.25
    flip: bool = True


def augment_clip(clip: np.ndarray, rng: np.random.Generator, jitter: Jitter = Jitter()) -> np.ndarray:
    """Colour-jitter a clip ``clip`` (T, H, W, 3) uint8 RGB; returns float32 in [0, 1], same shape.

    One draw per clip, applied to every frame: brightness (scale), contrast
    (blend with the clip's mean grey), saturation (blend with each pixel's
    grey), gamma, then an optional horizontal flip. The output stays float so
    the ~1 % pulsatile change is not re-quantised.
    """
    x = clip.astype(np.float32) / 255.0
    b = rng.uniform(1 - jitter.brightness, 1 + jitter.brightness)
    c = rng.uniform(1 - jitter.contrast, 1 + jitter.contrast)
    s = rng.uniform(1 - jitter.saturation, 1 + jitter.saturation)
    g = float(np.exp(rng.uniform(-np.log(jitter.gamma), np.log(jitter.gamma))))
    luma = np.array([0.299, 0.587, 0.114], np.float32)
    x *= b
    x = (x - (x @ luma).mean()) * c + (x @ luma).mean()
    grey = (x @ luma)[..., None]
    x = (x - grey) * s + grey
    x = np.clip(x, 0.0, 1.0) ** g
    if jitter.flip and rng.random() < 0.5:
        x = x[:, :, ::-1]
    return np.ascontiguousarray(x, dtype=np.float32)


class ClipDataset(torch.utils.data.Dataset):
    """Clips of ``frames`` frames from prepared recordings.

    Item ``i`` -> ``(clip, ppg, fps)``: clip (T, 3, S, S) float32 in [0, 1],
    ppg (T,) float32, fps float32 scalar tensor. With ``augment`` each clip is
    jittered with a generator seeded by ``(seed, epoch, i)`` (call
    :meth:`set_epoch`), so a run is reproducible whatever the batch order.
    Recordings shorter than one clip are skipped with a warning.
    """

    def __init__(self, recordings: Sequence[RecordingArrays], frames: int, *, stride: int | None = None,
                 augment: bool = False, jitter: Jitter = Jitter(), seed: int = 0):
        if frames < 2:
            raise ValueError(f"frames must be >= 2, got {frames}")
        self.recordings = list(recordings)
        self.frames = int(frames)
        self.stride = int(stride or max(1, frames // 2))
        self.augment, self.jitter, self.seed, self.epoch = augment, jitter, seed, 0
        self.index: list[tuple[int, int]] = []
        for r, rec in enumerate(self.recordings):
            starts = clip_starts(len(rec.ppg), self.frames, self.stride)
            if not starts:
                warnings.warn(f"recording {rec.name!r} has {len(rec.ppg)} frames with ground truth, "
                              f"fewer than one clip of {self.frames}; skipped", stacklevel=2)
            self.index += [(r, s) for s in starts]

    def set_epoch(self, epoch: int) -> None:
        """Select the augmentation draws of ``epoch``."""
        self.epoch = int(epoch)

    def __len__(self) -> int:
        return len(self.index)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        r, s = self.index[i]
        rec = self.recordings[r]
        clip = np.asarray(rec.crops[s:s + self.frames])
        if self.augment:
            x = augment_clip(clip, np.random.default_rng([self.seed, self.epoch, i]), self.jitter)
        else:
            x = clip.astype(np.float32) / 255.0
        return (torch.from_numpy(x).permute(0, 3, 1, 2).contiguous(),
                torch.from_numpy(rec.ppg[s:s + self.frames].copy()),
                torch.tensor(rec.fps, dtype=torch.float32))

    def subjects(self) -> list[str]:
        """Sorted subjects of the recordings that contribute clips."""
        return sorted({self.recordings[r].subject for r, _ in self.index})
