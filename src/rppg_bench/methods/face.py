"""Shared per-video preprocessing: face landmarks, skin ROI trace and face crops.

One decoding pass per video produces a ``VideoProducts``: the per-frame mean
RGB over skin polygons on the forehead and both cheeks (MediaPipe FaceMesh,
468 landmarks, tracking mode), the square face box per frame and, when asked,
face crops for learned methods. Products are memoised on the ``Recording``
(``recording.products``), so seven methods on one video decode it once.

FaceMesh runs on every frame by default: it is most of the cost of the pass
(about 2.5 ms a frame on one CPU core, 2-3 times the decoding of a 640x480
frame). ``FaceParams(landmark_every=k)`` (``--landmark-every k``) runs it on
every k-th frame only and interpolates the landmarks in between
(``keyframe_landmarks``): a faster pass, but the signals are measurably worse
on moving faces (README, "Speed"; likely because MediaPipe's tracking then
crops each keyframe from landmarks k frames old, and because the
interpolation misses motion between keyframes). Decoding is overlapped with FaceMesh: a
background thread decodes the next few frames (OpenCV releases the GIL) while
FaceMesh works on the current one (``decoded_ahead``).

A frame without a face holds the last face; frames before the first face take
the first one; a video with no face at all raises ``RecordingError``.

``FaceParams(roi="haar_box")`` selects rPPG-Toolbox's preprocessing instead
(one Haar face box from the first frame, 72x72 mean RGB; ``face_haar``), in
the same ``VideoProducts`` structure.
"""

from __future__ import annotations

import os
import queue
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import cv2
import numpy as np

from ..cache import cache_key, load_arrays, save_arrays_atomic
from ..datasets.errors import RecordingError
from ..datasets.recording import Recording, VideoFile, source_fingerprint

# MediaPipe FaceMesh indices of the skin polygons (image-left cheek is the subject's right).
FOREHEAD = (109, 10, 338, 297, 299, 296, 336, 9, 107, 66, 69, 67)
CHEEK_LEFT = (116, 117, 118, 119, 100, 142, 203, 206, 207, 187, 147, 123)
CHEEK_RIGHT = (345, 346, 347, 348, 329, 371, 423, 426, 427, 411, 376, 352)
ROI_POLYGONS = (FOREHEAD, CHEEK_LEFT, CHEEK_RIGHT)
ROI_POINTS = tuple(sorted({i for poly in ROI_POLYGONS for i in poly}))
# ``mediapipe_hull`` (pyVHR's choice): the convex hull of all landmarks minus the hulls of
# each eye with its eyebrow and of the lips.
RIGHT_EYE_BROW = (33, 7, 163, 144, 145, 153, 154, 155, 133, 173, 157, 158, 159, 160, 161, 246,
                  46, 53, 52, 65, 55, 70, 63, 105, 66, 107)
LEFT_EYE_BROW = (263, 249, 390, 373, 374, 380, 381, 382, 362, 398, 384, 385, 386, 387, 388, 466,
                 276, 283, 282, 295, 285, 300, 293, 334, 296, 336)
LIPS = (61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291, 409, 270, 269, 267, 0, 37, 39, 40, 185)
HULL_EXCLUDED = (RIGHT_EYE_BROW, LEFT_EYE_BROW, LIPS)
ROI_KINDS = ("mediapipe", "mediapipe_hull", "haar_box")


@dataclass(frozen=True)
class FaceParams:
    """Preprocessing parameters; part of the cache key of the products.

    ``crop_size``: side (px) of the face crops for learned methods, 0 for none.
    ``crop_scale``: enlargement of the ROI bounding square.
    ``roi``: ``"mediapipe"`` (forehead and cheek polygons of tracked
    landmarks), ``"mediapipe_hull"`` (the landmarks' convex hull minus eyes,
    eyebrows and lips, as pyVHR does) or ``"haar_box"`` (rPPG-Toolbox: first-frame Haar box x1.5, 72x72 mean; the
    MediaPipe settings and ``crop_scale`` are then unused).
    ``landmark_every``: FaceMesh on every this many frames (1: every frame, the
    default), the landmarks of the frames between linearly interpolated: a
    faster face pass at a measured cost in accuracy (README, "Speed").
    """

    min_detection_confidence: float = 0.5
    min_tracking_confidence: float = 0.5
    crop_size: int = 0
    crop_scale: float = 1.3
    roi: str = "mediapipe"
    landmark_every: int = 1

    def __post_init__(self) -> None:
        if self.roi not in ROI_KINDS:
            raise ValueError(f"unknown face roi {self.roi!r}; choose one of {ROI_KINDS}")
        if not (isinstance(self.landmark_every, int) and self.landmark_every >= 1):
            raise ValueError(f"landmark_every must be a positive whole number of frames, got {self.landmark_every!r}")

    def tracking_key(self) -> tuple[float, ...]:
        """The landmark-tracking settings (``landmark_every`` only when not 1, so keys made before it
        existed still match)."""
        key = (self.min_detection_confidence, self.min_tracking_confidence)
        return key if self.landmark_every == 1 else key + (self.landmark_every,)


@dataclass
class VideoProducts:
    """What one pass over a video yields.

    times (N,) s; fps Hz; rgb (N, 3) mean skin colour (RGB, 0-255); boxes (N, 4)
    face square ``x0, y0, x1, y1`` in pixels; face_found (N,) bool; crops
    (N, S, S, 3) uint8 RGB or None.
    """

    times: np.ndarray
    fps: float
    rgb: np.ndarray
    boxes: np.ndarray
    face_found: np.ndarray
    crops: np.ndarray | None = None


def recording_from_video(path: str | Path) -> Recording:
    """A ``Recording`` for a bare video file (no ground truth)."""
    path = Path(path)
    if not path.is_file():
        raise RecordingError(path, "video file does not exist")
    return Recording(name=path.name, dataset="file", source=VideoFile(path),
                     ppg=np.empty(0), ppg_times=np.empty(0))


def as_recording(video: Recording | str | Path) -> Recording:
    """Accept a ``Recording`` or a path to a video file."""
    return video if isinstance(video, Recording) else recording_from_video(video)


#: wire format of one ``NormalizedLandmark`` holding x, y and z only, inside a ``NormalizedLandmarkList``:
#: field 1 (length 15), then x, y, z as fields 1-3 (little-endian float32, each after its tag byte)
_LANDMARK_WIRE = np.dtype([("tag", "u1"), ("size", "u1"), ("tx", "u1"), ("x", "<f4"), ("ty", "u1"), ("y", "<f4"),
                           ("tz", "u1"), ("z", "<f4")])


def landmarks_to_pixels(landmarks, width: int, height: int) -> np.ndarray:
    """MediaPipe normalised landmarks -> (468, 2) float pixel coordinates.

    Reads x and y of all landmarks at once from the message's serialised
    bytes when every landmark holds exactly x, y and z (as FaceMesh's do);
    otherwise, one landmark at a time. Both give the same values.
    """
    data, n = landmarks.SerializeToString(), len(landmarks.landmark)
    if len(data) == n * _LANDMARK_WIRE.itemsize:
        w = np.frombuffer(data, _LANDMARK_WIRE)
        if ((w["tag"] == 0x0A) & (w["size"] == 15) & (w["tx"] == 0x0D) & (w["ty"] == 0x15) & (w["tz"] == 0x1D)).all():
            return np.stack([w["x"].astype(float) * width, w["y"].astype(float) * height], axis=1).astype(np.float32)
    return np.array([(p.x * width, p.y * height) for p in landmarks.landmark], dtype=np.float32)


_POLY_INDEX = np.concatenate([np.asarray(p) for p in ROI_POLYGONS])
_POLY_SPLITS = np.cumsum([len(p) for p in ROI_POLYGONS])[:-1]


def masked_mean_rgb(frame: np.ndarray, keep: list[np.ndarray], drop: tuple[np.ndarray, ...] = ()) -> np.ndarray:
    """Mean RGB (3,) of ``frame`` (H, W, 3) inside the polygons ``keep`` and outside ``drop``
    (each (K, 2) int32 pixel vertices).

    The polygons are filled in a mask of their bounding rectangle within the
    frame only, and the frame's pixels under it averaged: the same pixels as a
    whole-frame mask, at a fraction of the cost. NaN when no pixel is inside.
    """
    verts = np.concatenate(keep)
    h, w = frame.shape[:2]
    x0, y0 = np.maximum(verts.min(axis=0), 0)
    x1, y1 = np.minimum(verts.max(axis=0) + 1, (w, h))
    if x1 <= x0 or y1 <= y0:
        return np.full(3, np.nan)
    sub = np.zeros((y1 - y0, x1 - x0), np.uint8)
    offset = (-int(x0), -int(y0))
    cv2.fillPoly(sub, keep, 255, offset=offset)
    if drop:
        cv2.fillPoly(sub, list(drop), 0, offset=offset)
    if not sub.any():
        return np.full(3, np.nan)
    return np.array(cv2.mean(frame[y0:y1, x0:x1], mask=sub)[:3])


def roi_mean_rgb(frame: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Mean RGB (3,) of ``frame`` (H, W, 3) inside the forehead and cheek polygons of ``points`` (468, 2)
    (vertices rounded to whole pixels)."""
    verts = np.round(points[_POLY_INDEX]).astype(np.int32)
    return masked_mean_rgb(frame, np.split(verts, _POLY_SPLITS))


def hull_mean_rgb(frame: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Mean RGB (3,) of ``frame`` (H, W, 3) inside the convex hull of all landmarks ``points`` (468, 2),
    leaving out the convex hulls of each eye with its eyebrow and of the lips."""
    pix = np.round(points).astype(np.int32)
    drop = tuple(cv2.convexHull(pix[list(part)])[:, 0] for part in HULL_EXCLUDED)
    return masked_mean_rgb(frame, [cv2.convexHull(pix)[:, 0]], drop)


#: per-frame skin colour of each landmark-based ROI kind
ROI_MEANS = {"mediapipe": roi_mean_rgb, "mediapipe_hull": hull_mean_rgb}


def face_square(points: np.ndarray, scale: float = 1.3) -> np.ndarray:
    """Square box ``x0, y0, x1, y1`` (px): bounding square of the ROI points enlarged by ``scale``."""
    roi = points[list(ROI_POINTS)]
    lo, hi = roi.min(axis=0), roi.max(axis=0)
    centre = (lo + hi) / 2
    half = max(hi - lo) * scale / 2
    return np.round(np.concatenate([centre - half, centre + half])).astype(np.int32)


def crop_square(frame: np.ndarray, box: np.ndarray, size: int) -> np.ndarray:
    """Crop ``box`` from ``frame`` (zero-padded outside) and resize to (size, size, 3) uint8."""
    h, w = frame.shape[:2]
    x0, y0, x1, y1 = (int(v) for v in box)
    pad = max(0, -x0, -y0, x1 - w, y1 - h)
    if pad:
        frame = cv2.copyMakeBorder(frame, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=0)
        x0, y0, x1, y1 = x0 + pad, y0 + pad, x1 + pad, y1 + pad
    patch = frame[y0:y1, x0:x1]
    return cv2.resize(patch, (size, size), interpolation=cv2.INTER_AREA)


def _face_mesh(params: FaceParams):
    os.environ.setdefault("GLOG_minloglevel", "2")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import mediapipe as mp

    return mp.solutions.face_mesh.FaceMesh(
        static_image_mode=False, max_num_faces=1, refine_landmarks=False,
        min_detection_confidence=params.min_detection_confidence,
        min_tracking_confidence=params.min_tracking_confidence)


def frame_landmarks(mesh, frame: np.ndarray) -> np.ndarray | None:
    """Landmarks (468, 2) px of the face in ``frame`` (H, W, 3) RGB, or None."""
    result = mesh.process(frame)
    if not result.multi_face_landmarks:
        return None
    return landmarks_to_pixels(result.multi_face_landmarks[0], frame.shape[1], frame.shape[0])


def decoded_ahead(frames: Iterator[np.ndarray], depth: int = 4) -> Iterator[np.ndarray]:
    """The items of ``frames``, produced by a background thread up to ``depth`` ahead of the consumer.

    Decoding (which releases the GIL) then overlaps the consumer's work on
    another core; at most ``depth + 1`` frames are held. An exception raised by
    ``frames`` is raised here after the items before it; when the consumer
    stops early, the thread stops and closes ``frames`` (releasing the video).
    """
    out: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()
    end = object()

    def produce() -> None:
        try:
            for item in frames:
                while not stop.is_set():
                    try:
                        out.put((item, None), timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    break
            else:
                out.put((end, None))
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, in order
            out.put((end, exc))
        finally:
            close = getattr(frames, "close", None)
            if close is not None:
                close()

    worker = threading.Thread(target=produce, name="decode-ahead", daemon=True)
    worker.start()
    try:
        while True:
            item, exc = out.get()
            if item is end:
                if exc is not None:
                    raise exc
                return
            yield item
    finally:
        stop.set()
        while worker.is_alive():  # unblock a producer waiting on a full queue
            try:
                out.get(timeout=0.1)
            except queue.Empty:
                pass
        worker.join()


@contextmanager
def opencv_threads(n: int) -> Iterator[None]:
    """OpenCV's worker-thread count set to ``n`` inside the block, restored after (process-wide)."""
    previous = cv2.getNumThreads()
    cv2.setNumThreads(n)
    try:
        yield
    finally:
        cv2.setNumThreads(previous)


def tracked_frames(video: Recording, params: FaceParams) -> Iterator[tuple[np.ndarray, np.ndarray | None,
                                                                           np.ndarray | None]]:
    """``(frame, points, face)`` per decoded frame of ``video``: the RGB frame, its FaceMesh
    landmarks (468, 2) px or None, and the face to use (the last one found; None before the first).

    OpenCV runs on one thread meanwhile: its per-frame calls (colour conversion,
    ROI mean, crop) are too small to gain from its pool, whose threads spin
    after each call on the cores that decoding and FaceMesh's threads need
    (measured: about 3 s less CPU and 4-8 % less wall time on 8 20-s videos).
    """
    face: np.ndarray | None = None
    with opencv_threads(1), _face_mesh(params) as mesh:
        for frame, points in keyframe_landmarks(mesh, decoded_ahead(video.frames()), params.landmark_every):
            face = points if points is not None else face
            yield frame, points, face


def keyframe_landmarks(mesh, frames: Iterator[np.ndarray], every: int = 1) -> Iterator[tuple[np.ndarray,
                                                                                            np.ndarray | None]]:
    """``(frame, points)`` per frame of ``frames`` (RGB, in order): FaceMesh landmarks (468, 2) px of
    frames 0, ``every``, 2 ``every``, ...; those of the frames between two such keyframes linearly
    interpolated (None when either keyframe has no face); frames after the last keyframe hold its
    landmarks. Holds at most ``every - 1`` frames."""
    prev: np.ndarray | None = None
    pending: list[np.ndarray] = []
    for i, frame in enumerate(frames):
        if i % every:
            pending.append(frame)
            continue
        points = frame_landmarks(mesh, frame)
        for j, held in enumerate(pending, start=1):
            both = prev is not None and points is not None
            yield held, (prev + (points - prev) * (j / every)) if both else None
        pending = []
        yield frame, points
        prev = points
    for held in pending:
        yield held, prev


def iter_face_crops(video: Recording, params: FaceParams) -> Iterator[np.ndarray]:
    """Face crops (S, S, 3) uint8 RGB of ``video`` (S = ``params.crop_size``), one per frame, in order,
    equal to :func:`compute_products`' crops, without holding the video: only the frames before the
    first face wait (they take its crop). Raises ``RecordingError`` when no frame has a face."""
    if params.roi == "haar_box" or not params.crop_size:
        raise ValueError("iter_face_crops needs a landmark ROI and crop_size > 0")
    waiting = 0
    for frame, _, face in tracked_frames(video, params):
        if face is None:
            waiting += 1
            continue
        crop = crop_square(frame, face_square(face, params.crop_scale), params.crop_size)
        for _ in range(waiting + 1):
            yield crop
        waiting = 0
    if waiting:
        raise RecordingError(video.path, f"no face found in any of its {waiting} frames")


def compute_products(video: Recording, params: FaceParams = FaceParams()) -> VideoProducts:
    """Decode ``video`` once and derive trace, boxes and (optionally) crops."""
    if params.roi == "haar_box":
        from .face_haar import compute_haar_products

        return compute_haar_products(video, params)
    mean_rgb = ROI_MEANS[params.roi]
    rgb, boxes, found, crops = [], [], [], []
    for frame, points, face in tracked_frames(video, params):
        found.append(points is not None)
        if face is None:  # no face yet: filled from the first face below
            rgb.append(np.full(3, np.nan))
            boxes.append(np.zeros(4, np.int32))
            crops.append(None)
            continue
        rgb.append(mean_rgb(frame, face))
        boxes.append(face_square(face, params.crop_scale))
        crops.append(crop_square(frame, boxes[-1], params.crop_size) if params.crop_size else None)
    n = len(found)
    if n == 0:
        raise RecordingError(video.path, "video has no decodable frames")
    found_arr = np.array(found)
    if not found_arr.any():
        raise RecordingError(video.path, f"no face found in any of its {n} frames")
    first = int(np.argmax(found_arr))
    rgb_arr, boxes_arr = np.array(rgb), np.array(boxes)
    rgb_arr[:first], boxes_arr[:first] = rgb_arr[first], boxes_arr[first]
    crops_arr = None
    if params.crop_size:
        crops[:first] = [crops[first]] * first
        crops_arr = np.stack(crops)
    return VideoProducts(times=decoded_frame_times(video, n), fps=float(video.fps), rgb=_fill_nan_forward(rgb_arr),
                         boxes=boxes_arr, face_found=found_arr, crops=crops_arr)


def _fill_nan_forward(x: np.ndarray) -> np.ndarray:
    """Replace NaN rows of (N, 3) ``x`` by the previous valid row."""
    bad = np.isnan(x).any(axis=1)
    if not bad.any():
        return x
    idx = np.where(~bad, np.arange(len(x)), 0)
    np.maximum.accumulate(idx, out=idx)
    return x[idx]


def decoded_frame_times(video: Recording, n: int) -> np.ndarray:
    """Times (s) of the ``n`` decoded frames: the source's times, extended at 1/fps if short."""
    t = np.asarray(video.frame_times, dtype=float)[:n]
    if t.size < n:
        fps = video.fps
        extra = t[-1] + np.arange(1, n - t.size + 1) / fps if t.size else np.arange(n) / fps
        t = np.concatenate([t, extra])
    return t


def cached_products(rec: Recording, params: FaceParams | None = None) -> VideoProducts | None:
    """Products already memoised on ``rec`` that satisfy ``params`` (None: any)."""
    for key, prod in rec.products.items():
        if key[0] != "face":
            continue
        if params is None:
            return prod
        roi = key[4] if len(key) > 4 else "mediapipe"
        if roi == params.roi and key[1] == params.tracking_key() and (
                params.crop_size == 0 or key[2:4] == (params.crop_size, params.crop_scale)):
            return prod
    return None


def _memo_key(params: FaceParams) -> tuple:
    """Key of products memoised on a recording (the ROI kind is appended unless it is MediaPipe's)."""
    key = ("face", params.tracking_key(), params.crop_size, params.crop_scale)
    return key if params.roi == "mediapipe" else key + (params.roi,)


def memoise_products(rec: Recording, params: FaceParams, prod: VideoProducts) -> VideoProducts:
    """Keep ``prod`` on ``rec`` as its products under ``params``: every method asking for them gets
    these (e.g. crops computed elsewhere) instead of decoding the video."""
    rec.products[_memo_key(params)] = prod
    return prod


#: bump when a change here alters the products (invalidates the disk cache)
FACE_CODE_VERSION = "1"
_ARRAYS = ("times", "fps", "rgb", "boxes", "face_found", "crops")


def products_cache_file(rec: Recording, params: FaceParams, cache_dir: Path) -> Path:
    """Cache file of ``rec``'s products: keyed by the frame files' content, the
    preprocessing parameters and the code version."""
    if "source_sha" not in rec.products:
        rec.products["source_sha"] = source_fingerprint(rec.source, cache_dir)
    fields = asdict(params)
    if fields["landmark_every"] == 1:  # keeps the keys of caches written before ``landmark_every`` existed
        del fields["landmark_every"]
    if fields["roi"] == "mediapipe":  # keeps the keys of caches written before ``roi`` existed
        del fields["roi"]
        key = cache_key(source=rec.products["source_sha"], params=fields, version=FACE_CODE_VERSION,
                        roi=ROI_POLYGONS)
    elif fields["roi"] == "haar_box":
        from .face_haar import HAAR_CODE_VERSION

        key = cache_key(source=rec.products["source_sha"], params=fields, version=HAAR_CODE_VERSION)
    else:
        key = cache_key(source=rec.products["source_sha"], params=fields, version=FACE_CODE_VERSION,
                        excluded=HULL_EXCLUDED)
    return Path(cache_dir) / "products" / f"{key}.npz"


def save_products(path: Path, prod: VideoProducts) -> None:
    arrays = {k: np.asarray(getattr(prod, k)) for k in _ARRAYS if getattr(prod, k) is not None}
    save_arrays_atomic(path, arrays)


def load_products(path: Path) -> VideoProducts | None:
    data = load_arrays(path)
    if data is None or not set(_ARRAYS[:5]) <= set(data):
        return None
    return VideoProducts(times=data["times"], fps=float(data["fps"]), rgb=data["rgb"], boxes=data["boxes"],
                         face_found=data["face_found"], crops=data.get("crops"))


def video_products(video: Recording | str | Path, params: FaceParams | None = None,
                   cache_dir: Path | None = None) -> VideoProducts:
    """Memoised :func:`compute_products`, optionally cached on disk under ``cache_dir``.

    ``params=None`` takes whatever products the runner already computed for this
    recording (so methods follow the run's face settings), else the defaults.
    Products with crops also serve trace-only requests. With ``cache_dir`` a
    rerun reads the products instead of decoding the video again.
    """
    rec = as_recording(video)
    prod = cached_products(rec, params)
    if prod is not None:
        return prod
    params = params or FaceParams()
    path = products_cache_file(rec, params, cache_dir) if cache_dir else None
    prod = load_products(path) if path else None
    if prod is None:
        prod = compute_products(rec, params)
        if path:
            try:
                save_products(path, prod)
                if params.crop_size:  # a trace-only entry too, for later runs without learned methods
                    trace_only = replace(prod, crops=None)
                    save_products(products_cache_file(rec, replace(params, crop_size=0), cache_dir), trace_only)
            except OSError as exc:  # a full or read-only cache never costs a result
                warnings.warn(f"{exc}; continuing without caching {rec.path}", RuntimeWarning, stacklevel=2)
    return memoise_products(rec, params, prod)


def rgb_trace(video: Recording | str | Path, params: FaceParams | None = None) -> VideoProducts:
    """Products holding the mean skin RGB trace (memoised; see :func:`video_products`)."""
    return video_products(video, params)
