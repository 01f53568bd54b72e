"""Pictures of the ROI: its outline drawn on a frame (the live view), and a few small frames of a video
with it (the HTML report's per-video panel).

:func:`roi_thumbnails` picks ``count`` frames spread over the video (seeking in
a video file; decoding up to them for other sources), draws on each the face
square the preprocessing pass tracked there (``VideoProducts.boxes``, white)
and, for an ROI kind drawn on landmarks, its polygons on FaceMesh's landmarks
of that frame (skin kept green, parts left out red), and returns them as small
base64 JPEGs (``width`` px wide, about 4.5 kB each).
"""

from __future__ import annotations

import base64
from itertools import islice

import cv2
import numpy as np

from ..datasets.recording import Recording, VideoFile
from .kinds import roi_kind
from .landmarks import face_mesh, frame_landmarks
from .params import FaceParams
from .products import VideoProducts
from .roi import Region

#: ROI outline colours (BGR): the skin polygons, the parts left out of them, the tracked face square
KEEP_COLOUR, DROP_COLOUR, BOX_COLOUR = (0, 255, 0), (0, 0, 255), (255, 255, 255)
THUMB_COUNT, THUMB_WIDTH, JPEG_QUALITY = 3, 160, 60


def draw_region(image: np.ndarray, region: Region | None, scale: float = 1.0, thickness: int = 1) -> np.ndarray:
    """``image`` (H, W, 3) BGR with the polygons of ``region`` outlined (in place; returned); their
    vertices (px of the frame) are multiplied by ``scale`` (the image's size over the frame's)."""
    if region is not None:
        keep, drop = region
        for polys, colour in ((keep, KEEP_COLOUR), (drop, DROP_COLOUR)):
            pts = [np.round(np.asarray(p, float) * scale).astype(np.int32) for p in polys]
            cv2.polylines(image, pts, True, colour, thickness, cv2.LINE_AA)
    return image


def thumbnail_indices(n_frames: int, count: int = THUMB_COUNT) -> list[int]:
    """``count`` frame indices spread evenly over ``n_frames`` frames (the middles of equal parts)."""
    return sorted({min(n_frames - 1, int((i + 0.5) * n_frames / count)) for i in range(count)}) if n_frames else []


def frames_at(rec: Recording, indices: list[int]) -> list[np.ndarray]:
    """The RGB frames (H, W, 3) of ``rec`` at ``indices`` (sorted): a video file seeks to each, other
    sources decode up to the last; frames past the end are left out."""
    if isinstance(rec.source, VideoFile):
        cap = cv2.VideoCapture(str(rec.source.path))
        try:
            out = []
            for i in indices:
                cap.set(cv2.CAP_PROP_POS_FRAMES, i)
                ok, bgr = cap.read()
                if ok:
                    out.append(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
            return out
        finally:
            cap.release()
    wanted = set(indices)
    frames = rec.frames()
    try:
        return [f for i, f in enumerate(islice(frames, max(indices) + 1)) if i in wanted]
    finally:
        getattr(frames, "close", lambda: None)()


def jpeg_base64(image: np.ndarray, quality: int = JPEG_QUALITY) -> str:
    """``image`` (H, W, 3) BGR as a base64 JPEG string."""
    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError("OpenCV could not encode the thumbnail as JPEG")
    return base64.b64encode(data.tobytes()).decode("ascii")


def outlined_thumbnail(frame: np.ndarray, box: np.ndarray | None, region: Region | None,
                       width: int = THUMB_WIDTH) -> np.ndarray:
    """``frame`` (RGB) shrunk to ``width`` px (BGR) with the face square ``box`` (x0, y0, x1, y1 px) and
    the ROI ``region`` drawn."""
    scale = width / frame.shape[1]
    small = cv2.resize(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR), (width, max(1, round(frame.shape[0] * scale))),
                       interpolation=cv2.INTER_AREA)
    if box is not None and np.any(box):
        x0, y0, x1, y1 = (round(v * scale) for v in box)
        cv2.rectangle(small, (x0, y0), (x1, y1), BOX_COLOUR, 1, cv2.LINE_AA)
    return draw_region(small, region, scale)


def roi_thumbnails(rec: Recording, params: FaceParams, products: VideoProducts, count: int = THUMB_COUNT,
                   width: int = THUMB_WIDTH) -> list[dict[str, object]]:
    """Up to ``count`` thumbnails of ``rec`` with its ROI: ``[{"t": s, "jpeg": base64}, ...]`` (see the
    module docstring)."""
    indices = thumbnail_indices(len(products.times), count)
    if not indices:
        return []
    frames = frames_at(rec, indices)
    polygons = roi_kind(params).polygons
    mesh = face_mesh(params) if polygons is not None else None
    try:
        out = []
        for i, frame in zip(indices, frames, strict=False):
            points = frame_landmarks(mesh, frame) if mesh is not None else None
            region = polygons(points) if points is not None and polygons is not None else None
            thumb = outlined_thumbnail(frame, products.boxes[i], region, width)
            out.append({"t": round(float(products.times[i]), 2), "jpeg": jpeg_base64(thumb)})
        return out
    finally:
        if mesh is not None:
            mesh.close()
