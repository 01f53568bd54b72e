"""Streaming ResNet-18 + TCN: score frames as they arrive, with latency and throughput figures.

:func:`stream` reads frames one at a time from a video file (played at its
frame rate, or as fast as possible with ``realtime=False``), a
:class:`~rppg_bench.datasets.recording.Recording`, or a camera (an ``int``
index, OpenCV). Per frame:

1. face crop with the offline pipeline's own functions
   (:mod:`rppg_bench.preprocessing.landmarks`: MediaPipe FaceMesh in tracking mode on
   every frame, :func:`~rppg_bench.preprocessing.roi.face_square` and
   :func:`~rppg_bench.preprocessing.roi.crop_square`; a frame without a face holds
   the last face; frames before the first face are skipped and counted);
2. the crop goes into a ring buffer of ``window`` crops (default: the model's
   clip length), the only frame data kept: memory is bounded by the window,
   whatever the length of the stream;
3. every ``hop`` frames, once the buffer is full, the model (torch checkpoint
   or ONNX export, see :func:`.export.load_model`) runs on the buffer through
   :func:`.infer.predict_crops` (one chunk: the output z-scored over the
   window) and the values of the frames that arrived since the previous run
   (the newest ``hop``) are emitted. The first run emits the whole window
   (the warm-up frames); the end of the stream flushes the frames left.

The per-clip input normalisation (model.py) makes each window's features
depend on the whole window, so nothing can be carried over between runs: the
cost per frame is one window's inference divided by ``hop``.

Latency of a frame: from its arrival to the moment its value is available.
Arrival is the frame's scheduled time ``t0 + i / fps`` when a file is played
in real time (so a model that falls behind shows up as growing latency),
the moment it is decoded in fast mode, and the moment ``read()`` returns it
for a camera. The statistics leave out the warm-up frames (those that waited
for the buffer to fill first). ``fps``: frames processed per second of wall
time (in real time mode at most the source's rate).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Generator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import torch

from ...datasets.recording import Recording
from ...metrics.signal import signal_postprocess
from ...preprocessing.decode import as_recording
from ...preprocessing.landmarks import face_mesh, frame_landmarks
from ...preprocessing.params import FaceParams
from ...preprocessing.roi import crop_square, face_square
from .export import is_onnx, load_model
from .infer import LoadedModel, predict_crops


@dataclass
class LatencyStats:
    """Frame-to-value latency (ms) over ``n`` frames: mean, median, 95th percentile, max."""

    n: int
    mean_ms: float
    median_ms: float
    p95_ms: float
    max_ms: float

    @classmethod
    def of(cls, ms: np.ndarray | list[float]) -> LatencyStats:
        a = np.asarray(ms, float)
        if a.size == 0:
            return cls(0, float("nan"), float("nan"), float("nan"), float("nan"))
        return cls(int(a.size), float(a.mean()), float(np.median(a)), float(np.percentile(a, 95)), float(a.max()))


@dataclass
class StreamResult:
    """What :func:`stream` measured.

    ``times`` (M,) s: source times of the frames that got a value (file: the
    frame times; camera: seconds since the first frame); ``signal`` (M,): the
    model's values, each window's output z-scored (use :meth:`postprocessed`
    for the detrended, band-passed [0, 1] signal); ``latency``: see the module
    docstring; ``fps``: frames processed per wall-clock second; ``frames``:
    frames read; ``skipped``: frames before the first face (no value);
    ``warmup``: frames that waited for the buffer to fill; ``runs`` and
    ``model_ms``: model invocations and their mean time; ``source_fps``: the
    source's frame rate; ``backend``: ``torch`` or ``onnxruntime``.
    """

    times: np.ndarray
    signal: np.ndarray
    latency: LatencyStats
    fps: float
    frames: int
    skipped: int
    warmup: int
    runs: int
    model_ms: float
    source_fps: float
    window: int
    hop: int
    backend: str
    source: str

    def postprocessed(self) -> np.ndarray:
        """``signal`` detrended, band-passed and scaled to [0, 1] (as the offline extraction does)."""
        return signal_postprocess(self.signal, self.source_fps)

    def summary(self) -> str:
        lat = self.latency
        return (f"stream {self.source}: {self.frames} frames, {len(self.signal)} values, window {self.window}, "
                f"hop {self.hop}, {self.backend}: {self.fps:.1f} frames/s; latency mean {lat.mean_ms:.1f} / "
                f"median {lat.median_ms:.1f} / p95 {lat.p95_ms:.1f} ms over {lat.n} frames; "
                f"model {self.model_ms:.1f} ms x {self.runs} runs")


class RingBuffer:
    """The last ``capacity`` face crops (S, S, 3) uint8 and their frame indices, in a fixed array."""

    def __init__(self, capacity: int, size: int):
        self.crops = np.zeros((capacity, size, size, 3), np.uint8)
        self.index = np.zeros(capacity, np.int64)
        self.capacity, self.count, self.head = capacity, 0, 0

    def push(self, crop: np.ndarray, index: int) -> None:
        self.crops[self.head], self.index[self.head] = crop, index
        self.head = (self.head + 1) % self.capacity
        self.count = min(self.count + 1, self.capacity)

    @property
    def full(self) -> bool:
        return self.count == self.capacity

    def window(self) -> tuple[np.ndarray, np.ndarray]:
        """The buffered crops (n, S, S, 3) oldest first, and their frame indices."""
        if self.count < self.capacity:
            return self.crops[:self.count], self.index[:self.count]
        order = np.r_[self.head:self.capacity, 0:self.head]
        return self.crops[order], self.index[order]


class StreamScorer:
    """The model side of :func:`stream`: feed it face crops, get values back every ``hop`` frames.

    :meth:`push` takes one crop (S, S, 3) uint8 RGB with its source time and
    arrival time (``time.perf_counter()`` clock) and returns the emitted
    ``(times, values)`` or ``None``; :meth:`flush` emits what is left at the
    end. Keeps the figures :func:`stream` reports (``latency_ms`` of the
    frames after the warm-up, ``model_ms`` per run, ``warmup``).
    """

    def __init__(self, loaded: LoadedModel, window: int, hop: int):
        if window < 2:
            raise ValueError(f"window must be >= 2 frames, got {window}")
        if not 1 <= hop <= window:
            raise ValueError(f"hop must be between 1 and the window ({window}) frames, got {hop}")
        self.loaded, self.window, self.hop = loaded, window, hop
        self.buffer = RingBuffer(window, loaded.size)
        self.times: deque[float] = deque(maxlen=window)  # source times of the buffered frames
        self.arrivals: dict[int, float] = {}  # frame index -> arrival, for frames not emitted yet
        self.pushed = self.pending = self.warmup = 0
        self.latency_ms: list[float] = []
        self.model_ms: list[float] = []

    def push(self, crop: np.ndarray, t_source: float, arrived: float | None = None
             ) -> tuple[np.ndarray, np.ndarray] | None:
        i = self.pushed
        self.buffer.push(crop, i)
        self.times.append(float(t_source))
        self.arrivals[i] = time.perf_counter() if arrived is None else float(arrived)
        self.pushed += 1
        self.pending += 1
        if self.buffer.full and (not self.model_ms or self.pending >= self.hop):
            return self._run()
        return None

    def flush(self) -> tuple[np.ndarray, np.ndarray] | None:
        """Run on the buffer for the frames still waiting (needs >= 2 buffered frames)."""
        return self._run() if self.pending and self.buffer.count >= 2 else None

    def _run(self) -> tuple[np.ndarray, np.ndarray]:
        crops, idx = self.buffer.window()
        started = time.perf_counter()
        values = predict_crops(self.loaded.model, crops, len(crops), self.loaded.device)  # type: ignore[arg-type]
        done = time.perf_counter()
        first = not self.model_ms
        self.model_ms.append(1e3 * (done - started))
        k = len(crops) if first else self.pending  # the first run also emits the warm-up frames
        for j in idx[-k:]:
            arrived = self.arrivals.pop(int(j))
            if first and j != idx[-1]:
                self.warmup += 1
            else:
                self.latency_ms.append(1e3 * (done - arrived))
        self.pending = 0
        return np.asarray(self.times, float)[-k:], values[-k:]


class FaceCropper:
    """Per-frame face crops as :func:`rppg_bench.preprocessing.kinds.compute_products` makes them.

    MediaPipe FaceMesh in tracking mode; a frame without a face holds the
    last face; ``None`` until the first face. :meth:`close` frees the detector.
    """

    def __init__(self, params: FaceParams):
        if not params.crop_size:
            raise ValueError("FaceCropper needs params.crop_size > 0")
        if params.landmark_every != 1 or params.landmarks != "every":  # interpolating would wait: latency
            raise ValueError("streaming runs FaceMesh on every frame: landmark_every must be 1 and landmarks "
                             f"'every', got {params.landmark_every} and {params.landmarks!r}")
        self.params, self.points = params, None
        self._mesh = face_mesh(params)

    def __call__(self, frame: np.ndarray) -> np.ndarray | None:
        points = frame_landmarks(self._mesh, frame)
        self.points = points if points is not None else self.points
        if self.points is None:
            return None
        return crop_square(frame, face_square(self.points, self.params.crop_scale), self.params.crop_size)

    def close(self) -> None:
        self._mesh.close()


def _is_camera(source: int | str | Path | Recording) -> bool:
    return isinstance(source, int) or (isinstance(source, str) and source.isdigit())


def _file_frames(rec: Recording, realtime: bool) -> Generator[tuple[np.ndarray, float, float], None, None]:
    """(RGB frame, source time, arrival) of a recording, paced at its frame times when ``realtime``."""
    times = np.asarray(rec.frame_times, float)
    fps = float(rec.fps)
    t0 = None
    for i, frame in enumerate(rec.frames()):
        t = float(times[i]) if i < len(times) else float(times[-1]) + (i - len(times) + 1) / fps
        if not realtime:
            yield frame, t, time.perf_counter()
            continue
        if t0 is None:
            t0 = time.perf_counter() - t
        due = t0 + t
        wait = due - time.perf_counter()
        if wait > 0:
            time.sleep(wait)
        yield frame, t, due


def _camera_frames(index: int) -> Generator[tuple[np.ndarray, float, float], None, None]:
    """(RGB frame, seconds since the first frame, arrival) from camera ``index``."""
    cap = cv2.VideoCapture(index)
    if not cap.isOpened():
        cap.release()
        raise RuntimeError(f"camera {index}: OpenCV cannot open it")
    t0 = None
    try:
        while True:
            ok, bgr = cap.read()
            now = time.perf_counter()
            if not ok:
                break
            t0 = now if t0 is None else t0
            yield cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), now - t0, now
    finally:
        cap.release()


def stream(source: int | str | Path | Recording, model: LoadedModel | str | Path, *, hop: int | None = None,
           realtime: bool = True, window: int | None = None, device: str | torch.device | None = "cpu",
           threads: int | None = None, max_frames: int | None = None, duration: float | None = None,
           face: FaceParams | None = None, on_values: Callable[[np.ndarray, np.ndarray], None] | None = None,
           print_summary: bool = True) -> StreamResult:
    """Score the frames of ``source`` as they arrive (see the module docstring).

    Parameters
    ----------
    source : a video file (path), a ``Recording``, or a camera index
        (``int`` or a string of digits).
    model : a loaded model or a path: ``.onnx`` (onnxruntime) or a checkpoint (torch).
    hop : run the model every ``hop`` frames (1 <= hop <= window; default
        ``window // 4``): values arrive in batches of ``hop``.
    realtime : play a file at its frame rate (default); ``False``: as fast as
        possible. A camera is always real time.
    window : frames per model run (default: the model's clip length; >= 2).
    device, threads : torch device / onnxruntime threads when ``model`` is a path.
    max_frames, duration : stop after this many frames / seconds of source time.
    face : face-crop settings (default: MediaPipe, crop scale 1.3, the model's crop size).
    on_values : called as ``on_values(times, values)`` on every emission.
    print_summary : print :meth:`StreamResult.summary`.

    Returns a :class:`StreamResult`. A missing file or a file that is not a
    model raises the loader's ``FileNotFoundError`` / ``ValueError`` naming
    it; a missing video raises ``RecordingError`` naming it.
    """
    loaded = model if isinstance(model, LoadedModel) else load_model(model, device, threads=threads)
    window = int(window or loaded.frames)
    scorer = StreamScorer(loaded, window, int(hop or max(1, window // 4)))
    params = face or FaceParams(crop_size=loaded.size)
    if params.crop_size != loaded.size:
        raise ValueError(f"face crop size {params.crop_size} differs from the model's {loaded.size}")
    if _is_camera(source):
        index = int(source)  # type: ignore[arg-type]
        frames, source_fps, name = _camera_frames(index), float("nan"), f"camera {index}"
    else:
        rec = source if isinstance(source, Recording) else as_recording(source)
        frames, source_fps, name = _file_frames(rec, realtime), float(rec.fps), rec.path.name

    out_t: list[float] = []
    out_v: list[float] = []

    def emit(got: tuple[np.ndarray, np.ndarray] | None) -> None:
        if got is not None:
            out_t.extend(got[0].tolist())
            out_v.extend(got[1].tolist())
            if on_values is not None:
                on_values(*got)

    n = skipped = 0
    t_first: float | None = None
    started = time.perf_counter()
    cropper = FaceCropper(params)
    try:
        for frame, t_src, arrived in frames:
            t_first = t_src if t_first is None else t_first
            if max_frames is not None and n >= max_frames:
                break
            if duration is not None and t_src - t_first >= duration:
                break
            n += 1
            crop = cropper(frame)
            if crop is None:
                skipped += 1
                continue
            emit(scorer.push(crop, t_src, arrived))
    except KeyboardInterrupt:  # a camera stream is stopped with Ctrl-C: keep what was measured
        pass
    finally:
        cropper.close()
        frames.close()  # releases the decoder or the camera
    emit(scorer.flush())  # the last frames (or a source shorter than the window)
    wall = time.perf_counter() - started
    times = np.asarray(out_t, float)
    if np.isnan(source_fps):  # camera: the measured rate
        span = times[-1] - times[0] if len(times) > 1 else 0.0
        source_fps = float((len(times) - 1) / span) if span > 0 else 30.0
    result = StreamResult(times=times, signal=np.asarray(out_v, float),
                          latency=LatencyStats.of(scorer.latency_ms), fps=n / wall if wall > 0 else float("nan"), frames=n, skipped=skipped,
                          warmup=scorer.warmup, runs=len(scorer.model_ms),
                          model_ms=float(np.mean(scorer.model_ms)) if scorer.model_ms else float("nan"),
                          source_fps=source_fps, window=window, hop=scorer.hop,
                          backend="onnxruntime" if is_onnx(loaded) else "torch", source=name)
    if print_summary:
        print(result.summary())
    return result
