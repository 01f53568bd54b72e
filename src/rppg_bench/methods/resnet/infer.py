"""Run a trained ResNet-18 + TCN checkpoint on videos.

- :func:`load_checkpoint`: checkpoint file (:mod:`.checkpoint`) -> model in eval mode; anything
  else (random bytes, a text file renamed ``.pth``, another model's state
  dict) is a ``ValueError`` naming the file. Files are read with
  ``torch.load(..., weights_only=True)``: no code in a checkpoint ever runs.
- :func:`predict_crops`: face crops (N, S, S, 3) -> raw pulse (N,), in chunks
  of ``frames`` frames overlapping by half, each chunk's output z-scored and
  overlap-added with Hann weights (chunk borders leave no seams);
  :func:`predict_crop_stream` does the same on crops arriving one at a time,
  holding one chunk, so a video scored straight from decoding needs memory
  bounded by the chunk length, not the video length.
- :func:`extract_rppg_signal_resnet` (published API): video -> ``(times,
  signal)``, the signal detrended, band-passed and scaled to [0, 1] with
  :func:`rppg_bench.metrics.signal.signal_postprocess`.
- :func:`process_all_videos_resnet` (published API): every ``.avi``/``.mp4``
  with a same-stem ``.txt`` in a folder; prints one line per file, a rule and
  the means of the waveform RMSE / MAE between the time-aligned
  [0, 1]-normalised prediction and reference.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ...datasets.errors import RecordingError
from ...datasets.recording import Recording
from ...metrics.bands import DEFAULT_BAND_HZ
from ...metrics.signal import signal_postprocess
from ...preprocessing.decode import as_recording, decoded_frame_times
from ...preprocessing.kinds import iter_face_crops
from ...preprocessing.params import FaceParams
from ...preprocessing.store import cached_products
from .checkpoint import not_ours, read_checkpoint
from .device import pick_device
from .model import ResNetTCN
from .pretrained import resolve_checkpoint

RULE = "-" * 62
#: frames normalised and run through the ResNet trunk at once during inference (bounds peak memory:
#: a whole 300-frame chunk at 128 px needs about 1.5 GB of activations and 0.2 GB to normalise,
#: 8 frames about 0.02 GB in all; only the chunk's uint8 crops are held whole)
TRUNK_FRAMES = 8


def default_trunk_frames(device: torch.device | str) -> int | None:
    """Frames run through the trunk at once on ``device``: ``TRUNK_FRAMES`` on the CPU (bounded memory,
    same speed), the whole chunk (None) on a GPU, where 8-frame passes leave it idle between kernel
    launches (H200, 128 px, 300-frame chunks, float32: 2.6-2.7k frames/s in 8-frame passes, 21-22k whole)."""
    return None if torch.device(device).type == "cuda" else TRUNK_FRAMES


@dataclass
class LoadedModel:
    """A checkpoint ready to run: ``model`` (eval mode, on ``device``), its ``config`` and ``meta``."""

    model: ResNetTCN
    config: dict[str, Any]
    meta: dict[str, Any]
    path: Path
    device: torch.device

    @property
    def size(self) -> int:
        """Face-crop side (px) the model was trained on."""
        return int(self.config["size"])

    @property
    def frames(self) -> int:
        """Clip length (frames) the model was trained on."""
        return int(self.config["frames"])


def load_checkpoint(path: str | Path, device: str | torch.device | None = "cpu") -> LoadedModel:
    """Model of checkpoint ``path`` on ``device`` (``"cuda"`` without a GPU: CPU with a warning), eval mode.

    Raises ``ValueError`` naming the file when it is not a checkpoint of this
    model or its weights do not fit the architecture.
    """
    path = resolve_checkpoint(path)
    ckpt = read_checkpoint(path)
    cfg = ckpt["config"]
    model = ResNetTCN(dropout=float(cfg.get("dropout", 0.1)), batch_norm=bool(cfg.get("batch_norm", True)))
    try:
        model.load_state_dict(ckpt["state_dict"])
    except (RuntimeError, TypeError, AttributeError) as exc:
        raise not_ours(path, f"its weights do not fit the model: {str(exc).splitlines()[0]}") from exc
    dev = pick_device(device)
    return LoadedModel(model=model.to(dev).eval(), config=cfg, meta=ckpt["meta"], path=path, device=dev)


def chunk_starts(n: int, frames: int) -> list[int]:
    """Starts of the chunks of ``frames`` frames covering ``n`` frames, half overlapping, the last flush with the end."""
    if n <= frames:
        return [0]
    step = max(1, frames // 2)
    starts = list(range(0, n - frames + 1, step))
    if starts[-1] + frames < n:
        starts.append(n - frames)
    return starts


def overlap_weights(n: int) -> np.ndarray:
    """Hann weights (n,) for overlap-add, strictly positive (half-sample shifted, plus 1e-3)."""
    return 0.5 - 0.5 * np.cos(2 * np.pi * (np.arange(n) + 0.5) / n) + 1e-3


def predict_crops(model: ResNetTCN, crops: np.ndarray, frames: int, device: torch.device | str = "cpu",
                  *, amp: bool = False, trunk_frames: int | None | str = "auto", flip: bool = False) -> np.ndarray:
    """Raw pulse (N,) float64 of face crops ``crops`` (N, S, S, 3) uint8 RGB.

    The video is cut into chunks of ``frames`` frames overlapping by half
    (a video shorter than that is one chunk; :func:`chunk_starts`); each
    chunk's output is z-scored and the chunks are overlap-added with Hann
    weights. Only one chunk is on ``device`` at a time. ``amp``: float16
    autocast (CUDA only). ``trunk_frames``: frames normalised and run through
    the trunk at once (None: the whole chunk; same values, more memory;
    ``"auto"``: :func:`default_trunk_frames` of ``device``). ``flip``: test-time augmentation, each
    chunk's output the mean of the model's on the crops and on their mirror images (twice the time).
    """
    if crops.ndim != 4 or crops.shape[-1] != 3:
        raise ValueError(f"expected crops of shape (N, S, S, 3), got {crops.shape}")
    return predict_crop_stream(model, iter(crops), frames, device, amp=amp, trunk_frames=trunk_frames, flip=flip)


@torch.inference_mode()
def predict_crop_stream(model: ResNetTCN, crops: Iterator[np.ndarray], frames: int,
                        device: torch.device | str = "cpu", *, amp: bool = False,
                        trunk_frames: int | None | str = "auto", flip: bool = False) -> np.ndarray:
    """:func:`predict_crops` over crops (S, S, 3) arriving one at a time, holding at most one chunk
    (``frames`` crops): the same chunks, the same numbers, memory bounded whatever the video's length."""
    frames = int(frames)
    step = max(1, frames // 2)
    device = torch.device(device)
    if trunk_frames == "auto":
        trunk_frames = default_trunk_frames(device)
    use_amp = amp and device.type == "cuda"
    model.eval()
    buffer: deque[np.ndarray] = deque(maxlen=frames)
    acc: list[float] = []
    wsum: list[float] = []

    def forward(x: torch.Tensor) -> torch.Tensor:
        return model(x, frames_per_pass=trunk_frames) if isinstance(model, ResNetTCN) else model(x)

    def run(start: int) -> None:
        x = torch.from_numpy(np.stack(buffer)).to(device).permute(0, 3, 1, 2).unsqueeze(0)  # (1, T, 3, S, S)
        with torch.autocast("cuda", dtype=torch.float16, enabled=use_amp):
            out = forward(x)
            if flip:  # the mirrored crops (width is the last axis)
                out = 0.5 * (out + forward(x.flip(-1)))
        y = out[0].float().cpu().numpy().astype(np.float64)
        y = (y - y.mean()) / (y.std() + 1e-8)
        w = overlap_weights(len(y))
        for k in range(len(y)):
            acc[start + k] += w[k] * y[k]
            wsum[start + k] += w[k]

    n, next_start, last_end = 0, 0, 0
    for crop in crops:
        buffer.append(crop)
        acc.append(0.0)
        wsum.append(0.0)
        n += 1
        if n == next_start + frames:  # the buffer holds frames [next_start, n)
            run(next_start)
            last_end, next_start = n, next_start + step
    if n < 2:
        raise ValueError(f"need at least 2 frames, got {n}")
    if last_end == 0:  # shorter than one chunk: one chunk of all frames
        run(0)
    elif last_end < n:  # a last chunk flush with the end
        run(n - frames)
    return np.asarray(acc) / np.asarray(wsum)


def extract_with_model(video: Recording | str | Path, loaded: LoadedModel, frames: int | None = None,
                       verbose: bool = False, amp: bool = False, band: tuple[float, float] = DEFAULT_BAND_HZ,
                       detrend_lambda: float | None = 100.0, flip: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """``(times, signal)`` of ``video`` with an already loaded model (see :func:`extract_rppg_signal_resnet`);
    the model's output post-processed with ``band`` (Hz) and ``detrend_lambda`` as the classical methods'.

    Uses the face crops already computed for the recording (the benchmark's
    shared pass) when there are; otherwise decodes the video once, cropping and
    scoring chunk by chunk, so memory does not grow with the video's length.
    """
    rec = as_recording(video)
    frames = int(frames or loaded.frames)
    if frames < 2:
        raise ValueError(f"frames must be >= 2, got {frames}")
    t0 = time.perf_counter()
    prod = cached_products(rec, None)
    if prod is not None and prod.crops is not None and prod.crops.shape[1] == loaded.size:
        raw = predict_crops(loaded.model, prod.crops, frames, loaded.device, amp=amp, flip=flip)
        times, fps, how = prod.times, prod.fps, "precomputed face crops"
    else:
        crops = iter_face_crops(rec, FaceParams(crop_size=loaded.size))
        try:
            raw = predict_crop_stream(loaded.model, crops, frames, loaded.device, amp=amp, flip=flip)
        except ValueError as exc:
            raise RecordingError(rec.path, f"cannot run the model: {exc}") from exc
        times, fps, how = decoded_frame_times(rec, len(raw)), float(rec.fps), "cropped while decoding"
    t1 = time.perf_counter()
    signal = signal_postprocess(raw, fps, band, detrend_lambda)
    if verbose:
        print(f"{rec.path}: {len(raw)} frames at {fps:.2f} fps, {len(chunk_starts(len(raw), frames))} "
              f"chunk(s) of {frames} ({how}); {1e3 * (t1 - t0):.0f} ms on {loaded.device}")
    return np.asarray(times, float), signal


def extract_rppg_signal_resnet(video_path, model_path, frames=None, device='cuda', verbose=False):
    """Pulse signal of one video with a trained ResNet-18 + TCN checkpoint.

    Parameters
    ----------
    video_path : video file (or a ``Recording``).
    model_path : checkpoint written by :func:`train` (``ckpt_ep{N}.pth``), or ``'pretrained'``
        for the weights shipped with the package (:mod:`.pretrained`).
    frames : chunk length in frames; default: the checkpoint's clip length.
    device : ``'cuda'`` (default; falls back to the CPU with a warning when
        there is no GPU), ``'cpu'`` or any torch device.
    verbose : print frame count, chunks and timings.

    Returns
    -------
    times : (N,) s, one per frame, strictly increasing.
    signal : (N,) finite, in [0, 1] (detrended, band-passed, min-max scaled).
    """
    return extract_with_model(video_path, load_checkpoint(model_path, device), frames=frames, verbose=verbose)


def process_all_videos_resnet(dataset_path, model_path, frames=None, device='cuda'):
    """Evaluate a checkpoint on a folder of videos with same-stem ``.txt`` ground truth.

    Prints, per file, ``f"{name:<36} RMSE={rmse:.4f}  MAE={mae:.4f}  ({ms:.0f} ms)"``
    (name: the video's path relative to ``dataset_path``; RMSE/MAE: waveform
    errors of the time-aligned [0, 1]-normalised prediction and reference, see
    :func:`rppg_bench.metrics.evaluate.aligned_waveforms`; ms: wall time of
    the extraction, decoding and face cropping included), then a rule of 62
    ``-`` and ``Mean RMSE: x.xxxx`` / ``Mean MAE : x.xxxx``. A file that
    cannot be processed prints ``name  ERROR: reason`` and is left out of the means.

    Returns one dict per file: ``name``, ``path``, ``rmse``, ``mae``, ``ms``,
    ``times``, ``signal`` (NaN metrics and an ``error`` message when it failed).
    """
    from ...datasets.errors import RecordingError
    from ...datasets.folder import load_folder
    from ...metrics.errors import waveform_errors
    from ...metrics.evaluate import aligned_waveforms

    root = Path(dataset_path)
    loaded = load_checkpoint(model_path, device)
    results: list[dict[str, Any]] = []
    for entry in load_folder(root):
        if isinstance(entry, RecordingError):
            name = _display_name(Path(entry.path), root)
            print(f"{name:<36} ERROR: {entry.problem}")
            results.append({"name": name, "path": str(entry.path), "rmse": float("nan"),
                            "mae": float("nan"), "ms": float("nan"), "error": str(entry)})
            continue
        name = _display_name(entry.path, root)
        t0 = time.perf_counter()
        try:
            times, signal = extract_with_model(entry, loaded, frames=frames)
            ms = 1e3 * (time.perf_counter() - t0)
            _, pred01, ref01, _ = aligned_waveforms(times, signal, entry.ppg_times, entry.ppg)
            err = waveform_errors(pred01, ref01)
        except Exception as exc:  # noqa: BLE001 - one bad video never stops the others
            print(f"{name:<36} ERROR: {exc}")
            results.append({"name": name, "path": str(entry.path), "rmse": float("nan"),
                            "mae": float("nan"), "ms": float("nan"), "error": str(exc)})
            continue
        rmse, mae = float(err["rmse"]), float(err["mae"])
        print(f"{name:<36} RMSE={rmse:.4f}  MAE={mae:.4f}  ({ms:.0f} ms)")
        results.append({"name": name, "path": str(entry.path), "rmse": rmse, "mae": mae, "ms": ms,
                        "times": times, "signal": signal})
    ok = [r for r in results if "error" not in r]
    mean_rmse = float(np.mean([r["rmse"] for r in ok])) if ok else float("nan")
    mean_mae = float(np.mean([r["mae"] for r in ok])) if ok else float("nan")
    print(RULE)
    print(f"Mean RMSE: {mean_rmse:.4f}")
    print(f"Mean MAE : {mean_mae:.4f}")
    return results


def _display_name(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.name
