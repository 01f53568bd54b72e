"""The ROI kinds ``FaceParams.roi`` names: how each makes its products and what keys their disk cache.

``ROI_TABLE`` maps each name of ``params.ROI_KINDS`` to a ``RoiKind``;
:func:`compute_products` and :func:`iter_face_crops` dispatch through it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np

from ..datasets.recording import Recording
from .haar import HAAR_CODE_VERSION, compute_haar_products
from .landmark_roi import FACE_CODE_VERSION, landmark_face_crops, landmark_products
from .params import FaceParams
from .products import VideoProducts
from .roi import (
    HULL_EXCLUDED,
    ROI_POLYGONS,
    Region,
    hull_mean_rgb,
    hull_polygons,
    roi_mean_rgb,
    roi_polygons,
)
from .roi_subpixel import hull_mean_rgb_subpixel, roi_mean_rgb_subpixel


@dataclass(frozen=True)
class RoiKind:
    """One skin region and how its products are made and cached.

    ``name``: the ``FaceParams.roi`` value. ``compute``: one pass over a
    video -> its ``VideoProducts``. ``face_crops``: the face crops one frame
    at a time without holding the video, or None where the kind offers none.
    ``code_version``: version of the code making the products (in the disk
    cache key). ``key_parts``: more cache-key arguments, the region's
    definition. ``roi_in_key``: whether the cache key holds ``FaceParams.roi``
    (False for the first kind, whose keys predate the choice of region).
    ``polygons``: landmarks (468, 2) px -> the region's ``(keep, drop)``
    polygons (``roi.Region``; the mean colour is ``roi.masked_mean_rgb`` over
    them), or None for a kind not drawn on landmarks; the live view and the
    report's ROI frames draw them.
    """

    name: str
    compute: Callable[[Recording, FaceParams], VideoProducts]
    face_crops: Callable[[Recording, FaceParams], Iterator[np.ndarray]] | None
    code_version: str
    key_parts: tuple[tuple[str, Any], ...] = ()
    roi_in_key: bool = True
    polygons: Callable[[np.ndarray], Region] | None = None


#: the polygons' mean colour per landmark mode: whole-pixel vertices under FaceMesh on every frame (its
#: jitter dithers the rounding), sub-pixel anti-aliased edges under tracking (``roi_subpixel``)
ROI_MEANS = {"every": roi_mean_rgb, "track": roi_mean_rgb_subpixel}
HULL_MEANS = {"every": hull_mean_rgb, "track": hull_mean_rgb_subpixel}

ROI_TABLE: dict[str, RoiKind] = {kind.name: kind for kind in (
    RoiKind("mediapipe", partial(landmark_products, mean_rgb=ROI_MEANS), landmark_face_crops,
            FACE_CODE_VERSION, key_parts=(("roi", ROI_POLYGONS),), roi_in_key=False, polygons=roi_polygons),
    RoiKind("mediapipe_hull", partial(landmark_products, mean_rgb=HULL_MEANS), landmark_face_crops,
            FACE_CODE_VERSION, key_parts=(("excluded", HULL_EXCLUDED),), polygons=hull_polygons),
    RoiKind("haar_box", compute_haar_products, None, HAAR_CODE_VERSION),
)}


def roi_kind(params: FaceParams) -> RoiKind:
    """The ROI kind ``params`` select."""
    return ROI_TABLE[params.roi]


def compute_products(video: Recording, params: FaceParams = FaceParams()) -> VideoProducts:
    """Decode ``video`` once and derive trace, boxes and (optionally) crops, as ``params.roi`` says."""
    return roi_kind(params).compute(video, params)


def iter_face_crops(video: Recording, params: FaceParams) -> Iterator[np.ndarray]:
    """Face crops (S, S, 3) uint8 RGB of ``video`` (S = ``params.crop_size``), one per frame, in order,
    equal to :func:`compute_products`' crops, without holding the video (landmark ROI kinds only).
    Raises ``RecordingError`` when no frame has a face."""
    crops = roi_kind(params).face_crops
    if crops is None or not params.crop_size:
        raise ValueError("iter_face_crops needs a landmark ROI and crop_size > 0")
    yield from crops(video, params)
