"""The face-preprocessing settings (``FaceParams``), part of the products' cache key."""

from __future__ import annotations

from dataclasses import dataclass

#: the skin regions ``FaceParams.roi`` may name (each has an entry in ``kinds.ROI_TABLE``)
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
    faster face pass at a measured cost in accuracy (docs/speed.md).
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
