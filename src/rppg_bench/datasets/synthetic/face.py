"""The face photo every subject is made from, its landmarks and masks, and each subject's look."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import cv2
import numpy as np


def base_face_image() -> np.ndarray:
    """The face photo every subject is made from: ``skimage.data.astronaut()``, (512, 512, 3) RGB uint8."""
    from skimage import data
    return data.astronaut()


def landmark_groups() -> dict[str, list[int]]:
    """FaceMesh landmark indices of the face oval and the non-skin features."""
    import mediapipe as mp
    fm = mp.solutions.face_mesh
    groups = {"oval": fm.FACEMESH_FACE_OVAL, "left_eye": fm.FACEMESH_LEFT_EYE,
              "right_eye": fm.FACEMESH_RIGHT_EYE, "left_eyebrow": fm.FACEMESH_LEFT_EYEBROW,
              "right_eyebrow": fm.FACEMESH_RIGHT_EYEBROW, "lips": fm.FACEMESH_LIPS}
    return {name: sorted({i for edge in edges for i in edge}) for name, edges in groups.items()}


def face_landmarks(image: np.ndarray, *, min_detection_confidence: float = 0.5) -> np.ndarray:
    """MediaPipe FaceMesh (static image, 468 points) on RGB ``image``: (468, 2) pixel (x, y)."""
    import mediapipe as mp

    from ...native_logs import quiet_native_logs
    fm = mp.solutions.face_mesh
    with quiet_native_logs(), fm.FaceMesh(static_image_mode=True, max_num_faces=1, refine_landmarks=False,
                                          min_detection_confidence=min_detection_confidence) as mesh:
        result = mesh.process(np.ascontiguousarray(image))
    if not result.multi_face_landmarks:
        raise RuntimeError("FaceMesh found no face in the synthetic base image")
    h, w = image.shape[:2]
    return np.array([[p.x * w, p.y * h] for p in result.multi_face_landmarks[0].landmark])


def face_box(landmarks: np.ndarray, groups: Mapping[str, list[int]]) -> tuple[np.ndarray, float, float]:
    """Face-oval centre (x, y) px, width and height px."""
    oval = landmarks[groups["oval"]]
    return oval.mean(axis=0), float(np.ptp(oval[:, 0])), float(np.ptp(oval[:, 1]))


def _hull_mask(points: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    mask = np.zeros(shape, np.uint8)
    cv2.fillConvexPoly(mask, cv2.convexHull(np.round(points).astype(np.int32)), 255)
    return mask


def _disk(radius: float) -> np.ndarray:
    r = max(1, int(round(radius)))
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))


def skin_colour_mask(image: np.ndarray) -> np.ndarray:
    """Pixels of skin colour (YCrCb: Cr 133-180, Cb 77-135) in RGB ``image``: (H, W) uint8 0/255."""
    ycc = cv2.cvtColor(image, cv2.COLOR_RGB2YCrCb)
    return cv2.inRange(ycc, (0, 133, 77), (255, 180, 135))


def skin_mask_from_landmarks(image: np.ndarray, landmarks: np.ndarray, *,
                             feature_margin: float = 0.06, edge_inset: float = 0.03,
                             softness: float = 0.02) -> np.ndarray:
    """Soft facial skin mask (H, W) float32 in [0, 1] for RGB ``image``.

    Face-oval hull eroded by ``edge_inset``, minus eye, eyebrow and lip hulls
    dilated by ``feature_margin``, intersected with :func:`skin_colour_mask`,
    blurred with a Gaussian of sd ``softness`` (all as fractions of the face width).
    """
    groups = landmark_groups()
    _, width, _ = face_box(landmarks, groups)
    shape = image.shape[:2]
    face = cv2.erode(_hull_mask(landmarks[groups["oval"]], shape), _disk(edge_inset * width))
    features = np.zeros(shape, np.uint8)
    for name in ("left_eye", "right_eye", "left_eyebrow", "right_eyebrow", "lips"):
        features |= _hull_mask(landmarks[groups[name]], shape)
    features = cv2.dilate(features, _disk(feature_margin * width))
    mask = face & ~features & skin_colour_mask(image)
    return cv2.GaussianBlur(mask.astype(np.float32) / 255.0, (0, 0), softness * width)


def tone_mask_from_landmarks(image: np.ndarray, landmarks: np.ndarray, *,
                             softness: float = 0.02) -> np.ndarray:
    """Soft mask (H, W) float32 of the visible skin of face and neck, where skin tone is changed.

    The face-oval hull joined with the lower face moved down by 0.45 face
    heights (the neck), dilated, intersected with :func:`skin_colour_mask`.
    """
    groups = landmark_groups()
    centre, width, height = face_box(landmarks, groups)
    oval = landmarks[groups["oval"]]
    lower = oval[oval[:, 1] > centre[1]]
    neck = (lower - centre) * (0.8, 1.0) + centre + (0.0, 0.45 * height)
    region = cv2.dilate(_hull_mask(np.vstack([oval, neck]), image.shape[:2]), _disk(0.04 * width))
    mask = region & skin_colour_mask(image)
    return cv2.GaussianBlur(mask.astype(np.float32) / 255.0, (0, 0), softness * width)


def head_mask_from_landmarks(image: np.ndarray, landmarks: np.ndarray, *, margin: float = 0.12,
                             softness: float = 0.06) -> np.ndarray:
    """Soft mask (H, W) float32 of head and neck, where turning the head changes the light.

    The hull of the face oval and the neck (as in :func:`tone_mask_from_landmarks`),
    dilated by ``margin`` and blurred with a Gaussian of sd ``softness`` (fractions
    of the face width); no skin-colour test (hair and eyes turn with the face too).
    """
    groups = landmark_groups()
    centre, width, height = face_box(landmarks, groups)
    oval = landmarks[groups["oval"]]
    lower = oval[oval[:, 1] > centre[1]]
    neck = (lower - centre) * (0.8, 1.0) + centre + (0.0, 0.45 * height)
    region = cv2.dilate(_hull_mask(np.vstack([oval, neck]), image.shape[:2]), _disk(margin * width))
    return cv2.GaussianBlur(region.astype(np.float32) / 255.0, (0, 0), softness * width)


def smooth_gain_field(shape: tuple[int, int], rng: np.random.Generator, *, scale_px: float,
                      spread: float = 0.25) -> np.ndarray:
    """Smooth random field (H, W) float32 in [1 - spread, 1 + spread] (blur sd ``scale_px``)."""
    field = cv2.GaussianBlur(rng.standard_normal(shape).astype(np.float32), (0, 0), scale_px)
    field -= field.mean()
    return 1.0 + spread * field / max(float(np.abs(field).max()), 1e-12)


@dataclass(frozen=True)
class Appearance:
    """How one subject looks.

    ``skin_gain`` (R, G, B) multiplies face and neck skin (skin tone);
    ``white_balance`` (R, G, B) and ``brightness`` the whole image;
    ``face_width`` is the face-oval width as a fraction of the frame width,
    ``face_centre`` its centre (x, y) as fractions of the frame; ``tilt_deg``
    the head's in-plane rotation; ``flip`` mirrors the photo.
    """

    skin_gain: tuple[float, float, float] = (1.0, 1.0, 1.0)
    white_balance: tuple[float, float, float] = (1.0, 1.0, 1.0)
    brightness: float = 1.0
    face_width: float = 0.32
    face_centre: tuple[float, float] = (0.5, 0.45)
    tilt_deg: float = 0.0
    flip: bool = False


def skin_tone_gain(tone: float) -> np.ndarray:
    """(3,) RGB gain on skin for ``tone`` from 0 (the photo's) to 1 (dark brown, [0.55, 0.42, 0.36])."""
    light, dark = np.array([1.0, 1.0, 1.0]), np.array([0.55, 0.42, 0.36])
    return (1 - tone) * light + tone * dark


def random_appearance(rng: np.random.Generator) -> Appearance:
    """A subject's appearance: skin tone from the photo's (light) to dark brown, etc."""
    tone = rng.uniform(0.0, 0.75)
    skin = skin_tone_gain(tone) * rng.uniform(0.96, 1.04, 3)
    return Appearance(
        skin_gain=tuple(float(v) for v in skin),
        white_balance=tuple(float(v) for v in rng.uniform(0.92, 1.08, 3)),
        brightness=float(rng.uniform(0.8, 1.1)),
        face_width=float(rng.uniform(0.28, 0.4)),
        face_centre=(float(rng.uniform(0.42, 0.58)), float(rng.uniform(0.4, 0.48))),
        tilt_deg=float(rng.uniform(-5, 5)),
        flip=bool(rng.random() < 0.5),
    )


def subject_image(image: np.ndarray, tone_mask: np.ndarray, look: Appearance) -> np.ndarray:
    """The photo (H, W, 3) recoloured for ``look``: float32 RGB, 0-255 scale (may exceed 255)."""
    img = image.astype(np.float32)
    skin_gain = np.asarray(look.skin_gain, np.float32)
    gain = 1.0 + tone_mask[..., None] * (skin_gain - 1.0)
    return img * gain * (np.asarray(look.white_balance, np.float32) * look.brightness)
