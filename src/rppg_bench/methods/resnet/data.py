"""Training data for the ResNet-18 + TCN model: face-crop clips with their PPG.

- :func:`recording_arrays`: one ``Recording`` -> its face crops (N, S, S, 3)
  uint8 RGB (from :func:`rppg_bench.methods.face.video_products`, memoised on
  the recording, or from a ``.npy`` disk cache keyed by the video's path,
  size, modification time and the crop parameters) and the ground-truth PPG
  resampled onto the frame times (``np.interp``); only frames inside the
  ground truth's time span are kept.
- :class:`ClipDataset`: clips of ``frames`` consecutive frames, ``stride``
  (default ``frames // 2``) apart, with per-clip augmentation.
- :func:`augment_clip`: ColorJitter-like brightness / contrast / saturation,
  gamma and horizontal flip, drawn once per clip and applied to all its frames
  (a per-frame jitter would add a fake "pulse").
"""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ...datasets.recording import Recording
from ...preprocessing.kinds import compute_products
from ...preprocessing.params import FaceParams
from ...preprocessing.store import cached_products, video_products

CACHE_VERSION = 1


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


def crop_cache_key(rec: Recording, params: FaceParams) -> str:
    """Hex key of the crops of ``rec`` under ``params``: path, size, mtime of the source, crop settings."""
    path = rec.path.resolve()
    try:
        st = path.stat()
        stamp = f"{st.st_size}:{st.st_mtime_ns}"
    except OSError:
        stamp = "?"
    text = f"v{CACHE_VERSION}|{path}|{stamp}|{params.crop_size}|{params.crop_scale}|{params.tracking_key()}"
    return hashlib.sha1(text.encode()).hexdigest()[:20]


def face_crops(rec: Recording, size: int, *, cache_dir: str | Path | None = None) -> tuple[np.ndarray, np.ndarray, float]:
    """Face crops (N, size, size, 3) uint8 RGB, frame times (N,) s and fps (Hz) of ``rec``.

    Without ``cache_dir`` the products are memoised on the recording; with it
    they are computed once, written to ``<cache_dir>/<key>.crops.npy`` and
    ``.times.npy``, and read back as memory maps (bounded memory when training
    on many long videos).
    """
    params = FaceParams(crop_size=size)
    if cache_dir is None:
        prod = cached_products(rec, None)
        if prod is None or prod.crops is None or prod.crops.shape[1] != size:
            prod = video_products(rec, params)
        return prod.crops, prod.times, prod.fps
    cache_dir = Path(cache_dir)
    key = crop_cache_key(rec, params)
    crops_file, times_file = cache_dir / f"{key}.crops.npy", cache_dir / f"{key}.times.npy"
    if not (crops_file.is_file() and times_file.is_file()):
        prod = compute_products(rec, params)
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = crops_file.with_suffix(".tmp.npy")
        np.save(tmp, prod.crops)
        np.save(times_file, np.asarray(prod.times, dtype=np.float64))
        tmp.replace(crops_file)  # the crops file appears last and complete
    times = np.load(times_file)
    crops = np.load(crops_file, mmap_mode="r")
    fps = float((len(times) - 1) / (times[-1] - times[0])) if len(times) > 1 else float(rec.fps)
    return crops, times, fps


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
