"""The products store: memoised on the ``Recording``, cached on disk, and the entry points
:func:`video_products` and :func:`rgb_trace`.

``recording.products`` maps each ``FaceParams`` that products were computed
under to their ``VideoProducts``, and ``SOURCE_FINGERPRINT_KEY`` to the
fingerprint of the recording's frames (the disk cache's key). A request is
served by memoised products of the same ROI kind and landmark tracking;
products with crops also serve trace-only requests.
"""

from __future__ import annotations

import warnings
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np

from ..cache import cache_key, load_arrays, save_arrays_atomic
from ..datasets.recording import Recording, source_fingerprint
from .decode import as_recording, decoded_frame_times
from .kinds import compute_products, roi_kind
from .landmark_track import TRACK
from .params import FaceParams
from .products import VideoProducts

#: ``Recording.products`` key of the fingerprint of the recording's frames
SOURCE_FINGERPRINT_KEY = "source_sha"
#: the cache folder's section holding the products (``<cache>/products/<key>.npz``)
PRODUCTS_SECTION = "products"
_ARRAYS = ("times", "fps", "rgb", "boxes", "face_found", "crops")


def serves(memo: FaceParams, params: FaceParams) -> bool:
    """Whether products computed under ``memo`` answer a request for ``params``: the same ROI kind and
    landmark tracking, and the same crops when ``params`` asks for crops."""
    return memo.roi == params.roi and memo.tracking_key() == params.tracking_key() and (
        params.crop_size == 0 or (memo.crop_size, memo.crop_scale) == (params.crop_size, params.crop_scale))


def cached_products(rec: Recording, params: FaceParams | None = None) -> VideoProducts | None:
    """Products already memoised on ``rec`` that satisfy ``params`` (None: any)."""
    for key, prod in rec.products.items():
        if isinstance(key, FaceParams) and (params is None or serves(key, params)):
            return prod
    return None


def memoise_products(rec: Recording, params: FaceParams, prod: VideoProducts) -> VideoProducts:
    """Keep ``prod`` on ``rec`` as its products under ``params``: every method asking for them gets
    these (e.g. crops computed elsewhere) instead of decoding the video."""
    rec.products[params] = prod
    return prod


def products_cache_file(rec: Recording, params: FaceParams, cache_dir: Path) -> Path:
    """Cache file of ``rec``'s products: keyed by the frame files' content, the
    preprocessing parameters and the ROI kind's code version and definition."""
    if SOURCE_FINGERPRINT_KEY not in rec.products:
        rec.products[SOURCE_FINGERPRINT_KEY] = source_fingerprint(rec.source, cache_dir)
    kind = roi_kind(params)
    fields = asdict(params)
    if fields["landmark_every"] == 1:  # keeps the keys of caches written before ``landmark_every`` existed
        del fields["landmark_every"]
    if fields["landmarks"] == "every":  # ... and before ``landmarks``
        del fields["landmarks"]
    if not kind.roi_in_key:
        del fields["roi"]
    tracker = {"tracker": TRACK.key()} if params.landmarks == "track" else {}
    key = cache_key(source=rec.products[SOURCE_FINGERPRINT_KEY], params=fields, version=kind.code_version,
                    **dict(kind.key_parts), **tracker)
    return Path(cache_dir) / PRODUCTS_SECTION / f"{key}.npz"


def save_products(path: Path, prod: VideoProducts) -> None:
    """Write ``prod`` to ``path`` (``.npz``, atomically)."""
    arrays = {k: np.asarray(getattr(prod, k)) for k in _ARRAYS if getattr(prod, k) is not None}
    save_arrays_atomic(path, arrays)


def load_products(path: Path) -> VideoProducts | None:
    """Products read from ``path``, or None when it is missing or incomplete."""
    data = load_arrays(path)
    if data is None or not set(_ARRAYS[:5]) <= set(data):
        return None
    return VideoProducts(times=data["times"], fps=float(data["fps"]), rgb=data["rgb"], boxes=data["boxes"],
                         face_found=data["face_found"], crops=data.get("crops"))


def video_products(video: Recording | str | Path, params: FaceParams | None = None,
                   cache_dir: Path | None = None) -> VideoProducts:
    """Memoised :func:`~.kinds.compute_products`, optionally cached on disk under ``cache_dir``.

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
    if prod is not None:  # the frames' content keys the file; their times are the recording's own
        prod = replace(prod, times=decoded_frame_times(rec, len(prod.rgb)))
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
