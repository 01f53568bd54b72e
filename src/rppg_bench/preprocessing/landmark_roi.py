"""Products of the landmark-tracked skin regions (``mediapipe``, ``mediapipe_hull``).

FaceMesh landmarks are tracked over the video (``landmarks.tracked_frames``);
each frame's skin colour is the mean over the region drawn on its landmarks
(with whole-pixel vertices when FaceMesh runs on every frame, with sub-pixel,
anti-aliased edges when the landmarks are tracked between keyframes:
``roi_subpixel``),
its face box the bounding square of the ROI points, and its crop that square
resized. A frame without a face holds the last face; frames before the first
face take the first one; a video with no face at all raises
``RecordingError``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

import numpy as np

from ..datasets.errors import RecordingError
from ..datasets.recording import Recording
from .decode import decoded_frame_times
from .landmarks import tracked_frames
from .params import FaceParams
from .products import VideoProducts
from .roi import crop_square, face_square

#: bump when a change here alters the products (invalidates the disk cache)
FACE_CODE_VERSION = "1"

#: mean RGB (3,) of an RGB frame (H, W, 3) over a skin region drawn on landmarks (468, 2) px
MeanRgb = Callable[[np.ndarray, np.ndarray], np.ndarray]

#: the region's mean colour per ``FaceParams.landmarks`` mode
MeanRgbByMode = Mapping[str, MeanRgb]


def landmark_products(video: Recording, params: FaceParams, mean_rgb: MeanRgbByMode) -> VideoProducts:
    """Decode ``video`` once and derive its skin trace (``mean_rgb[params.landmarks]`` per frame), boxes
    and (optionally) crops."""
    mean = mean_rgb[params.landmarks]
    rgb, boxes, found, crops = [], [], [], []
    for frame, points, face in tracked_frames(video, params):
        found.append(points is not None)
        if face is None:  # no face yet: filled from the first face below
            rgb.append(np.full(3, np.nan))
            boxes.append(np.zeros(4, np.int32))
            crops.append(None)
            continue
        rgb.append(mean(frame, face))
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
    return VideoProducts(times=decoded_frame_times(video, n), fps=float(video.fps), rgb=fill_nan_forward(rgb_arr),
                         boxes=boxes_arr, face_found=found_arr, crops=crops_arr)


def landmark_face_crops(video: Recording, params: FaceParams) -> Iterator[np.ndarray]:
    """Face crops (S, S, 3) uint8 RGB of ``video`` (S = ``params.crop_size`` > 0), one per frame, in order,
    equal to :func:`landmark_products`' crops, without holding the video: only the frames before the
    first face wait (they take its crop). Raises ``RecordingError`` when no frame has a face."""
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


def fill_nan_forward(x: np.ndarray) -> np.ndarray:
    """Replace NaN rows of (N, 3) ``x`` by the previous valid row."""
    bad = np.isnan(x).any(axis=1)
    if not bad.any():
        return x
    idx = np.where(~bad, np.arange(len(x)), 0)
    np.maximum.accumulate(idx, out=idx)
    return x[idx]
