"""The face-preprocessing settings (``FaceParams``), part of the products' cache key."""

from __future__ import annotations

from dataclasses import dataclass

#: the skin regions ``FaceParams.roi`` may name (each has an entry in ``kinds.ROI_TABLE``)
ROI_KINDS = ("mediapipe", "mediapipe_hull", "haar_box")
#: how landmark regions get each frame's landmarks (each has an entry in ``landmarks.LANDMARK_SOURCES``):
#: FaceMesh on every (``landmark_every``-th) frame, or on keyframes with optical-flow tracking between
LANDMARK_MODES = ("every", "track")


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
    ``landmarks``: ``"every"`` (FaceMesh on every ``landmark_every``-th frame,
    the default) or ``"track"`` (FaceMesh on keyframes, the landmarks between
    carried by Lucas-Kanade optical flow; ``preprocessing.landmark_track``;
    needs ``landmark_every`` 1).
    """

    min_detection_confidence: float = 0.5
    min_tracking_confidence: float = 0.5
    crop_size: int = 0
    crop_scale: float = 1.3
    roi: str = "mediapipe"
    landmark_every: int = 1
    landmarks: str = "every"

    def __post_init__(self) -> None:
        if self.roi not in ROI_KINDS:
            raise ValueError(f"unknown face roi {self.roi!r}; choose one of {ROI_KINDS}")
        if not (isinstance(self.landmark_every, int) and self.landmark_every >= 1):
            raise ValueError(f"landmark_every must be a positive whole number of frames, got {self.landmark_every!r}")
        if self.landmarks not in LANDMARK_MODES:
            raise ValueError(f"unknown landmarks mode {self.landmarks!r}; choose one of {LANDMARK_MODES}")
        if self.landmarks != "every" and self.landmark_every != 1:
            raise ValueError(f"landmarks={self.landmarks!r} picks its own keyframes: landmark_every must be 1, "
                             f"got {self.landmark_every}")

    def tracking_key(self) -> tuple[float | str, ...]:
        """The landmark-tracking settings (``landmark_every`` only when not 1 and ``landmarks`` only when
        not ``"every"``, so keys made before they existed still match)."""
        key = (self.min_detection_confidence, self.min_tracking_confidence)
        key += () if self.landmark_every == 1 else (self.landmark_every,)
        return key if self.landmarks == "every" else key + (self.landmarks,)
