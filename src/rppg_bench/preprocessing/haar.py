"""rPPG-Toolbox's face preprocessing: one Haar face box from the first frame.

Used by the ``toolbox`` protocol (``FaceParams(roi="haar_box")``). As
rPPG-Toolbox's ``BaseLoader.facial_detection`` / ``resize`` with
``DO_DYNAMIC_DETECTION: False``, ``USE_LARGE_FACE_BOX: True``,
``LARGE_BOX_COEF: 1.5`` and 72x72 frames, followed by its unsupervised
methods' spatial mean (``process_video``):

1. OpenCV's ``haarcascade_frontalface_default.xml`` (shipped with
   opencv-python in ``cv2.data.haarcascades``), ``detectMultiScale`` with its
   default arguments, on the first frame only, passed as the RGB frame (the
   toolbox does the same; OpenCV converts it to grey as if it were BGR).
2. Several faces: the widest box; none: the toolbox's fallback
   ``[0, 0, height, width]`` (axes swapped as there) and ``face_found`` False.
3. Enlarged 1.5x about its centre: ``x = max(0, x - 0.25 w)``,
   ``y = max(0, y - 0.25 h)``, ``w = 1.5 w``, ``h = 1.5 h``, each truncated to
   an integer (the toolbox writes them into the detector's int32 array).
4. Every frame is cropped to that fixed box, clipped to the frame (no
   padding), resized to 72x72 with ``cv2.INTER_AREA`` (uint8) and averaged
   over all its pixels: the RGB trace.

Learned methods asking for crops (``params.crop_size``) get the same box
resized to their size. One pass over the frames; memory stays bounded.
"""

from __future__ import annotations

from functools import lru_cache

import cv2
import numpy as np

from ..datasets.errors import RecordingError
from ..datasets.recording import Recording
from .decode import decoded_frame_times
from .params import FaceParams
from .products import VideoProducts

CASCADE_FILE = "haarcascade_frontalface_default.xml"
BOX_SCALE = 1.5
"""Enlargement of the detected box (rPPG-Toolbox ``LARGE_BOX_COEF``)."""
BOX_SIZE = 72
"""Side (px) the face box is resized to before averaging (toolbox ``RESIZE``)."""
#: bump when a change here alters the products (invalidates their disk cache)
HAAR_CODE_VERSION = "haar-1"


@lru_cache(maxsize=1)
def haar_detector() -> cv2.CascadeClassifier:
    """OpenCV's frontal-face Haar cascade (the file shipped with opencv-python)."""
    path = cv2.data.haarcascades + CASCADE_FILE
    detector = cv2.CascadeClassifier(path)
    if detector.empty():
        raise RuntimeError(f"cannot load the Haar cascade {path}")
    return detector


def detect_face_box(frame: np.ndarray, scale: float = BOX_SCALE) -> tuple[np.ndarray, bool]:
    """The toolbox's enlarged face box ``x, y, w, h`` (int, px) of ``frame`` (H, W, 3) and whether a face was found."""
    faces = haar_detector().detectMultiScale(frame)
    if len(faces) < 1:
        box = [0, 0, frame.shape[0], frame.shape[1]]  # the toolbox's fallback (height and width swapped)
        found = False
    else:
        faces = np.asarray(faces)
        box = [int(v) for v in faces[int(np.argmax(faces[:, 2]))]]  # the widest face
        found = True
    x, y, w, h = box
    x = int(max(0, x - (scale - 1.0) / 2 * w))
    y = int(max(0, y - (scale - 1.0) / 2 * h))
    return np.array([x, y, int(scale * w), int(scale * h)], dtype=np.int64), found


def crop_box(frame: np.ndarray, box: np.ndarray, size: int = BOX_SIZE) -> np.ndarray:
    """``frame`` cropped to ``box`` (x, y, w, h) clipped to the frame, resized to (size, size, 3) uint8."""
    x, y, w, h = (int(v) for v in box)
    patch = frame[max(y, 0):min(y + h, frame.shape[0]), max(x, 0):min(x + w, frame.shape[1])]
    if patch.size == 0:
        raise ValueError(f"face box {box.tolist()} lies outside the {frame.shape[1]}x{frame.shape[0]} frame")
    return cv2.resize(patch, (size, size), interpolation=cv2.INTER_AREA)


def compute_haar_products(video: Recording, params: FaceParams) -> VideoProducts:
    """``VideoProducts`` of ``video`` with the toolbox's first-frame Haar box (see the module docstring).

    ``boxes`` hold the fixed box as ``x0, y0, x1, y1`` (clipped to the frame)
    for every frame; ``face_found`` is the first frame's detection for all.
    """
    rgb, crops = [], []
    box = None
    found = False
    shape = None
    for frame in video.frames():
        if box is None:
            box, found = detect_face_box(frame)
            shape = frame.shape
        crop = crop_box(frame, box)
        rgb.append(crop.reshape(-1, 3).mean(axis=0))
        if params.crop_size:
            crops.append(crop if params.crop_size == BOX_SIZE else crop_box(frame, box, params.crop_size))
    n = len(rgb)
    if n == 0:
        raise RecordingError(video.path, "video has no decodable frames")
    x, y, w, h = (int(v) for v in box)
    square = np.array([max(x, 0), max(y, 0), min(x + w, shape[1]), min(y + h, shape[0])], dtype=np.int32)
    return VideoProducts(times=decoded_frame_times(video, n), fps=float(video.fps), rgb=np.array(rgb, dtype=float),
                         boxes=np.tile(square, (n, 1)), face_found=np.full(n, found),
                         crops=np.stack(crops) if params.crop_size else None)
