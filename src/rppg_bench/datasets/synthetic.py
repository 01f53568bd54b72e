"""The synthetic default dataset: a real face photo with a known pulse, no download.

Generated on first use into a cache (deterministic for a seed), written in the
real UBFC-rPPG DATASET_2 and PURE layouts and read back by their loaders.

Rendering, per recording (all from one seeded ``numpy.random.Generator`` tree):

- **Face**: ``skimage.data.astronaut()`` (512x512 RGB, shipped with
  scikit-image). MediaPipe FaceMesh finds 468 landmarks once; the *skin mask*
  is the face-oval hull minus the dilated hulls of eyes, eyebrows and lips,
  intersected with a YCrCb skin-colour test, edges softened.
- **Subject**: a seeded appearance per subject -- skin tone (per-channel gain
  on face and neck skin), white balance, brightness, face size and position,
  head tilt, horizontal flip -- so subjects differ.
- **Pulse**: a PPG ``p(t)`` from :mod:`.ppg_model` (systolic peak, dicrotic
  notch, beat-to-beat variability, slight baseline wander; exact heart rate).
  Inside the mask each pixel is multiplied by ``1 - p(t) * g(x) * a * s`` with
  ``s`` the blood-volume-pulse signature ``[0.33, 0.77, 0.53]`` (de Haan & van
  Leest 2014) scaled to 1 on green, ``a`` the green channel's peak-to-peak
  relative change (easy 0.7-1.5 %, hard 0.5-1.0 %; red and blue change by
  0.43 and 0.69 times as much) and ``g`` a smooth spatial gain (0.75-1.25),
  fixed to the skin. The minus sign is physical: more
  blood absorbs more light, so the skin darkens as the PPG (blood volume)
  rises, as ``methods.base`` assumes. No transit delay between face and finger.
- **easy**: still head, constant uniform light, mild Gaussian sensor noise
  (sd 1-2 levels), MJPG at OpenCV quality 50 (PSNR ~43 dB, about libjpeg 90).
- **hard**: what breaks rPPG in real video is not noise but disturbances that
  leak into the heart-rate band (0.7-3 Hz) and that a method must separate from
  the pulse by their colour direction; each is modelled physically:

  * *A lamp fixed in the scene.* A warm-white (LED) key lamp 15-40 deg to one
    side, 5-9 face widths away, gives 20-40 % of the light at the face; a cool
    diffuse (daylight) fill gives the rest, and the camera is
    white-balanced to the mix (:class:`Lighting`). The lamp's irradiance falls
    with the square of the distance across the frame, so the face's brightness
    changes as the head moves through it, and it follows the face's turn (yaw)
    by Lambert's cosine law. As key and fill differ in colour, these changes are
    partly chromatic: CHROM/POS do not cancel them completely.
  * *Head motion.* Slow random walks (translation +-3-8 px at 320 px width,
    roll +-2-5 deg, yaw +-1-3 deg seen as foreshortening and a sideways shift,
    zoom +-2-4 % from leaning toward or away from the camera), plus talking /
    nodding *episodes* (:func:`motion_episodes`): rhythmic motion at 1-2.5 Hz,
    inside the heart-rate band, for 20-40 % of the time. Besides the light,
    motion moves the landmark ROI over the face's texture and shading.
  * *Weaker pulse, more noise*: green pulse amplitude 0.5-1.0 % (easy 0.7-1.5 %),
    sensor noise sd 2-4 levels (easy 1-2; it also makes face landmarks jitter),
    illumination drift (slow brightness change of 5-15 % plus a colour
    temperature drift of +-2-5 % on red/blue), stronger compression (MJPG at
    OpenCV quality 25, PSNR ~40 dB, about libjpeg 85; for PURE a libjpeg
    quality-85 round trip before the PNG).

  On top of these, the hard recordings take the *scenarios* of
  :data:`HARD_SCENARIOS` in turn (like PURE's setups), each adding one
  disturbance, so that any four hard recordings cover them all:
  ``talking`` (episodes 50-80 % of the time, larger), ``head_turns`` (6-9
  quick glances aside a minute, 2-5 deg yaw, out and back within 0.8-1.6 s: a
  broadband transient of light and ROI), ``side_light`` (the lamp gives 40-60 %
  of the light), ``gain_hunting`` (the webcam's auto-exposure / gain loop
  oscillating at 0.8-1.6 Hz with 0.6-1.5 % peak to peak: a common-mode
  in-band "flicker" that the chrominance methods remove and GREEN and ICA
  do not). Magnitudes were set so that, through the harness's MediaPipe ROI,
  GREEN, ICA and PBV fail on some hard recordings (several bpm MAE), CHROM,
  POS, LGI and OMIT mostly cope but less well than on easy, and every method
  still beats guessing a constant heart rate (``benchmarks/synthetic_difficulty.py``
  measures it). The truth file holds everything needed to rebuild the light
  on every pixel (:meth:`SceneTruth.illumination`).

Layout under the set's folder::

    manifest.json               parameters and per-recording truth (written last)
    ubfc/subjectK/vid.avi       easy subjects 1..n_easy and the first hard ones
    ubfc/subjectK/ground_truth.txt
    pure/KK-03/KK-03.json       the last ``n_pure`` hard subjects (setup 03)
    pure/KK-03/KK-03/Image<ns>.png
    truth/<name>.npz            skin mask, per-frame affine, light, PPG, HR (SceneTruth)

Recording names are ``<condition>-<folder>``: ``easy-subject1``,
``hard-subject6``, ``hard-08-03``; subject numbers are unique across both
layouts; the manifest (and each ``Recording.meta``) names a hard recording's
``scenario`` and lists its draws (motion episodes, head turns, lighting). The
PURE oximeter samples at ~60 Hz on a slightly different rate and starts
0.2-0.4 s before the first frame, with a few samples missing; all timestamps
are integer ns on the recording PC's clock, as in PURE.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import shutil
import tempfile
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Iterator, Mapping, Sequence

import cv2
import numpy as np

from ..cache import CACHE_ENV, default_cache_dir  # noqa: F401  (re-exported)
from .errors import DatasetError, RecordingError
from .ppg_model import HeartRateVariability, PulseModel, ppg_waveform, simulate_pulse
from .recording import Recording
from .writers import write_pure_session, write_ubfc_subject

__all__ = [
    "GENERATOR_VERSION", "BVP_SIGNATURE", "DIFFICULTIES", "HARD_SCENARIOS", "Difficulty", "SyntheticParams",
    "SceneTruth", "Appearance", "ensure_generated",
    "ppg_waveform", "generate_synthetic", "load_synthetic", "default_cache_dir",
    "synthetic_dir", "write_ubfc_subject", "write_pure_session", "read_scene_truth",
    "face_landmarks", "skin_mask_from_landmarks",
]

#: bump whenever the generated files change for the same parameters (part of the cache key)
GENERATOR_VERSION = "3"
#: normalised blood-volume-pulse signature (R, G, B), de Haan & van Leest 2014
BVP_SIGNATURE = (0.33, 0.77, 0.53)
#: base of the PURE-layout camera timestamps (ns since 1970: February 2014, as PURE's)
PURE_EPOCH_NS = 1392643993642815000
#: PURE setup number given to the hard PURE-layout sessions ("slow translation")
PURE_HARD_SETUP = "03"
#: distance from the neck's turning axis to the face, in face widths (a turn shifts the face by it x sin(yaw))
HEAD_RADIUS = 0.7
_MANIFEST = "manifest.json"


# --------------------------------------------------------------- parameters
@dataclass(frozen=True)
class SyntheticParams:
    """What a synthetic set depends on (hashed into its cache folder name).

    ``n_pure``: how many of the ``n_hard`` recordings use the PURE layout
    (default ``min(1, n_hard // 2)``: its PNG frames take ~0.12 MB each at
    320x240, 75 MB for 20 s). ``size`` is (width, height) in pixels,
    ``duration`` in s, ``fps`` in Hz.
    """

    seed: int = 0
    n_easy: int = 4
    n_hard: int = 4
    duration: float = 20.0
    fps: float = 30.0
    size: tuple[int, int] = (320, 240)
    n_pure: int | None = None

    def __post_init__(self) -> None:
        # coerce (values may come from a command line or JSON) and fill the default
        for name, kind in (("seed", int), ("n_easy", int), ("n_hard", int),
                           ("duration", float), ("fps", float)):
            object.__setattr__(self, name, kind(getattr(self, name)))
        object.__setattr__(self, "size", (int(self.size[0]), int(self.size[1])))
        object.__setattr__(self, "n_pure", min(1, self.n_hard // 2) if self.n_pure is None
                           else int(self.n_pure))
        if self.n_easy < 0 or self.n_hard < 0 or not 0 <= self.n_pure <= self.n_hard:
            raise ValueError(f"need n_easy, n_hard >= 0 and 0 <= n_pure <= n_hard, got {self}")
        if self.n_easy + self.n_hard == 0:
            raise ValueError("a synthetic set needs at least one recording")
        if self.duration * self.fps < 2 or min(self.size) < 32:
            raise ValueError(f"need at least 2 frames and 32x32 pixels, got {self}")

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready parameters (as in the manifest)."""
        return {**dataclasses.asdict(self), "size": list(self.size)}

    def key(self) -> str:
        """Cache folder name: ``<GENERATOR_VERSION>-<12 hex digits of the parameters' hash>``."""
        text = json.dumps({"version": GENERATOR_VERSION, **self.as_dict()}, sort_keys=True)
        return f"{GENERATOR_VERSION}-{hashlib.sha256(text.encode()).hexdigest()[:12]}"


@dataclass(frozen=True)
class RecordingPlan:
    """One recording to generate: where it goes and the seed of everything in it."""

    name: str
    condition: str        # "easy" | "hard"
    layout: str           # "ubfc" | "pure"
    folder: str           # relative to the set's root, e.g. "ubfc/subject1"
    subject: str          # "01", "02", ...
    seed: int
    scenario: str = ""    # hard only: a key of HARD_SCENARIOS

    @property
    def difficulty(self) -> Difficulty:
        """The ranges this recording draws from."""
        return HARD_SCENARIOS[self.scenario] if self.condition == "hard" else DIFFICULTIES[self.condition]


def plan_recordings(params: SyntheticParams) -> list[RecordingPlan]:
    """Easy subjects 1..n_easy (UBFC), then hard ones (UBFC first, the last n_pure PURE);
    the hard ones take the scenarios of :data:`HARD_SCENARIOS` in turn."""
    n_total = params.n_easy + params.n_hard
    scenarios = list(HARD_SCENARIOS)
    plans = []
    for k in range(1, n_total + 1):
        condition = "easy" if k <= params.n_easy else "hard"
        layout = "pure" if k > n_total - params.n_pure else "ubfc"
        folder = f"pure/{k:02d}-{PURE_HARD_SETUP}" if layout == "pure" else f"ubfc/subject{k}"
        seed = int(np.random.SeedSequence([int(params.seed), k]).generate_state(1)[0])
        scenario = scenarios[(k - params.n_easy - 1) % len(scenarios)] if condition == "hard" else ""
        plans.append(RecordingPlan(name=f"{condition}-{folder.split('/')[1]}", condition=condition,
                                   layout=layout, folder=folder, subject=f"{k:02d}", seed=seed,
                                   scenario=scenario))
    return plans


# ------------------------------------------------------------- face and mask
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

    from ..preprocessing.native_logs import quiet_native_logs
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


# -------------------------------------------------------------- appearance
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


def random_appearance(rng: np.random.Generator) -> Appearance:
    """A subject's appearance: skin tone from the photo's (light) to dark brown, etc."""
    tone = rng.uniform(0.0, 0.75)
    light, dark = np.array([1.0, 1.0, 1.0]), np.array([0.55, 0.42, 0.36])
    skin = (1 - tone) * light + tone * dark
    skin = skin * rng.uniform(0.96, 1.04, 3)
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


def _as3x3(affine: np.ndarray) -> np.ndarray:
    return np.vstack([affine, [0.0, 0.0, 1.0]])


def placement_affine(centre: np.ndarray, face_width_px: float, look: Appearance,
                     size: tuple[int, int]) -> np.ndarray:
    """2x3 affine from photo pixels to frame pixels placing the face as ``look`` says."""
    w, h = size
    scale = look.face_width * w / face_width_px
    target = (look.face_centre[0] * w, look.face_centre[1] * h)
    rot = cv2.getRotationMatrix2D((0.0, 0.0), look.tilt_deg, scale)  # about the origin
    flip = np.diag([-1.0 if look.flip else 1.0, 1.0, 1.0])
    to_origin = np.array([[1, 0, -centre[0]], [0, 1, -centre[1]], [0, 0, 1]], float)
    to_target = np.array([[1, 0, target[0]], [0, 1, target[1]], [0, 0, 1]], float)
    return (to_target @ _as3x3(rot) @ flip @ to_origin)[:2]


def motion_affines(placement: np.ndarray, centre: tuple[float, float], dx: np.ndarray,
                   dy: np.ndarray, rot_deg: np.ndarray, scale: np.ndarray | None = None,
                   yaw_deg: np.ndarray | None = None, *, head_radius_px: float = 0.0) -> np.ndarray:
    """(N, 2, 3) photo->frame affines, per frame: ``placement``, then the head's pose change
    about the frame point ``centre``: a turn (yaw) by ``yaw_deg``, seen by the camera as a
    horizontal foreshortening by cos(yaw) and a sideways shift of ``head_radius_px`` x sin(yaw)
    (the face turns about the neck, behind it), a zoom by ``scale`` (relative, 1 = none;
    moving toward or away from the camera), an in-plane rotation (roll) by ``rot_deg``, and a
    shift by (``dx``, ``dy``) px. ``scale`` and ``yaw_deg`` default to no change."""
    n = len(dx)
    scale = np.ones(n) if scale is None else np.asarray(scale, dtype=float)
    yaw = np.zeros(n) if yaw_deg is None else np.radians(np.asarray(yaw_deg, dtype=float))
    to_origin = np.array([[1, 0, -centre[0]], [0, 1, -centre[1]], [0, 0, 1]], float)
    place = _as3x3(placement)
    out = np.empty((n, 2, 3))
    for i in range(n):
        turn = np.array([[np.cos(yaw[i]), 0.0, head_radius_px * np.sin(yaw[i])],
                         [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
        roll = _as3x3(cv2.getRotationMatrix2D((0.0, 0.0), float(rot_deg[i]), float(scale[i])))
        back = np.array([[1, 0, centre[0] + dx[i]], [0, 1, centre[1] + dy[i]], [0, 0, 1]], float)
        out[i] = (back @ roll @ turn @ to_origin @ place)[:2]
    return out


def smooth_random_walk(times: np.ndarray, rng: np.random.Generator, *, bound: float,
                       corner_hz: float = 0.2, step_s: float = 0.05) -> np.ndarray:
    """Smooth random walk at ``times`` (s), centred, scaled so max |x| = ``bound``.

    A Gaussian random walk on a ``step_s`` grid, low-passed by a Gaussian with
    cut-off about ``corner_hz`` (Hz), linearly interpolated to ``times``.
    """
    from scipy.ndimage import gaussian_filter1d
    times = np.asarray(times, dtype=float)
    grid = np.arange(times.min(), times.max() + 2 * step_s, step_s)
    walk = np.cumsum(rng.standard_normal(grid.size))
    walk = gaussian_filter1d(walk, sigma=1.0 / (2 * np.pi * corner_hz * step_s), mode="nearest")
    walk -= walk.mean()
    walk *= bound / max(float(np.abs(walk).max()), 1e-12)
    return np.interp(times, grid, walk)


def motion_episodes(times: np.ndarray, rng: np.random.Generator, *, fraction: float,
                    band_hz: tuple[float, float], duration_s: tuple[float, float] = (2.0, 5.0),
                    ramp_s: float = 0.4) -> tuple[np.ndarray, list[dict[str, float]]]:
    """Talking and nodding: rhythmic head motion inside the heart-rate band, in episodes.

    Episodes of ``duration_s`` s start at random times until they cover
    ``fraction`` of the recording. Each oscillates at one frequency drawn from
    ``band_hz`` (Hz), with its own phase per component and raised-cosine ramps of
    ``ramp_s`` s. Returns the motion (N, 4), columns (dx, dy, roll, yaw) in units
    of the caller's amplitude (weights 0.4, 1, 0.5, 1 times a strength of
    0.6-1 per episode: nodding moves the head mostly up and down), and the
    episodes as ``{"start_s", "duration_s", "hz", "strength"}``.
    """
    t = np.asarray(times, dtype=float)
    span = float(t[-1] - t[0])
    motion = np.zeros((t.size, 4))
    covered = np.zeros(t.size, dtype=bool)
    weights = np.array([0.4, 1.0, 0.5, 1.0])
    episodes: list[dict[str, float]] = []
    while fraction > 0 and covered.mean() < fraction and len(episodes) < 32:
        duration = min(float(rng.uniform(*duration_s)), span)
        start = float(t[0] + rng.uniform(0.0, span - duration))
        hz = float(rng.uniform(*band_hz))
        strength = float(rng.uniform(0.6, 1.0))
        phases = rng.uniform(0.0, 2 * np.pi, 4)
        u = t - start
        inside = (u >= 0) & (u <= duration)
        ramp = np.clip(np.minimum(u, duration - u) / ramp_s, 0.0, 1.0)
        envelope = np.where(inside, 0.5 - 0.5 * np.cos(np.pi * ramp), 0.0)
        motion += strength * envelope[:, None] * weights * np.sin(2 * np.pi * hz * u[:, None] + phases)
        covered |= inside
        episodes.append({"start_s": start, "duration_s": duration, "hz": hz, "strength": strength})
    return motion, episodes


def head_turns(times: np.ndarray, rng: np.random.Generator, *, count: int,
               amplitude_deg: tuple[float, float],
               duration_s: tuple[float, float] = (0.8, 1.6)) -> tuple[np.ndarray, list[dict[str, float]]]:
    """``count`` quick glances aside: yaw (N,) deg, each turn out and back as
    ``A sin^2(pi u)`` over ``duration_s`` s, ``|A|`` drawn from ``amplitude_deg``, either
    side; returns the yaw and the turns as ``{"start_s", "duration_s", "deg"}``."""
    t = np.asarray(times, dtype=float)
    yaw = np.zeros(t.size)
    turns = []
    for _ in range(count):
        duration = float(rng.uniform(*duration_s))
        start = float(t[0] + rng.uniform(0.0, max(float(t[-1] - t[0]) - duration, 0.0)))
        deg = float(rng.uniform(*amplitude_deg) * rng.choice([-1.0, 1.0]))
        u = np.clip((t - start) / duration, 0.0, 1.0)
        yaw += deg * np.sin(np.pi * u) ** 2
        turns.append({"start_s": start, "duration_s": duration, "deg": deg})
    return yaw, turns


def light_gains(times: np.ndarray, rng: np.random.Generator, *, brightness_range: float,
                colour_drift: float, corner_hz: float = 0.05) -> np.ndarray:
    """Illumination drift (N, 3) float32 RGB gains: brightness changing by ``brightness_range``
    (max - min, relative) and a colour-temperature drift of +-``colour_drift`` (red up, blue down)."""
    walk = smooth_random_walk(times, rng, bound=1.0, corner_hz=corner_hz)
    bright = 1.0 + brightness_range * ((walk - walk.min()) / max(float(np.ptp(walk)), 1e-12) - 0.5)
    warm = smooth_random_walk(times, rng, bound=colour_drift, corner_hz=corner_hz)
    return (bright[:, None] * np.column_stack([1 + warm, np.ones_like(warm), 1 - warm])).astype(np.float32)


def gain_hunting(times: np.ndarray, rng: np.random.Generator, *, amplitude: float,
                 band_hz: tuple[float, float]) -> tuple[np.ndarray, float]:
    """Common-mode gain oscillation (N,) around 1, and its mean frequency (Hz).

    The camera's auto-exposure / auto-gain loop hunting (or a flickering light
    shared by the whole scene): the same relative change on every channel,
    peak-to-peak ``amplitude`` at full strength, at a frequency drawn from
    ``band_hz`` that wanders by +-3 %, with a strength that drifts between 0.5 and 1.
    """
    t = np.asarray(times, dtype=float)
    hz = float(rng.uniform(*band_hz))
    wander = 1.0 + smooth_random_walk(t, rng, bound=0.03, corner_hz=0.1)
    phase = 2 * np.pi * hz * np.concatenate([[0.0], np.cumsum(np.diff(t) * 0.5 * (wander[1:] + wander[:-1]))])
    strength = 0.75 + 0.25 * smooth_random_walk(t, rng, bound=1.0, corner_hz=0.1)
    return 1.0 + 0.5 * amplitude * strength * np.sin(phase + rng.uniform(0, 2 * np.pi)), hz


@dataclass(frozen=True)
class Lighting:
    """The scene's light: a warm key lamp to one side and a cool diffuse fill.

    ``fill_rgb`` and ``key_rgb``: RGB irradiance from each at the face's rest
    position ``reference`` (x, y) px, as fractions of their sum (the camera is
    white-balanced to the mix, so there fill + key = 1 on every channel);
    ``lamp`` (x, y, z) px: the key lamp in frame coordinates, ``z`` its distance
    in front of the face plane; ``azimuth_deg``: its direction seen from the face,
    signed (+: on the frame's +x side). The lamp is fixed in the scene: its
    irradiance falls off with the square of the distance across the frame
    (:meth:`key_field`), and on the head it follows the turn of the face (yaw)
    by Lambert's cosine law (:meth:`key_gain`). The default is uniform white light.
    """

    fill_rgb: tuple[float, float, float] = (1.0, 1.0, 1.0)
    key_rgb: tuple[float, float, float] = (0.0, 0.0, 0.0)
    lamp: tuple[float, float, float] = (0.0, 0.0, 1.0)
    azimuth_deg: float = 0.0
    reference: tuple[float, float] = (0.0, 0.0)

    @property
    def has_key(self) -> bool:
        return any(v != 0 for v in self.key_rgb)

    def as_array(self) -> np.ndarray:
        """(12,) float64: fill RGB, key RGB, lamp (x, y, z), azimuth (deg), reference (x, y)."""
        return np.array([*self.fill_rgb, *self.key_rgb, *self.lamp, self.azimuth_deg, *self.reference], float)

    @classmethod
    def from_array(cls, values: np.ndarray) -> Lighting:
        v = [float(x) for x in np.asarray(values).ravel()]
        return cls(tuple(v[0:3]), tuple(v[3:6]), tuple(v[6:9]), v[9], tuple(v[10:12]))

    def key_field(self, size: tuple[int, int]) -> np.ndarray:
        """Key-lamp irradiance (H, W) float32 over the frame, 1 at ``reference``: 1 / distance^2."""
        w, h = size
        lx, ly, lz = self.lamp
        y, x = np.mgrid[0:h, 0:w].astype(np.float64)
        d2 = (x - lx) ** 2 + (y - ly) ** 2 + lz ** 2
        d2_ref = (self.reference[0] - lx) ** 2 + (self.reference[1] - ly) ** 2 + lz ** 2
        return (d2_ref / d2).astype(np.float32)

    def key_gain(self, yaw_deg: np.ndarray) -> np.ndarray:
        """Key irradiance on the face relative to facing straight ahead (N,): cos(azimuth - yaw) / cos(azimuth)."""
        az = np.radians(self.azimuth_deg)
        return np.cos(az - np.radians(np.asarray(yaw_deg, dtype=float))) / np.cos(az)


def random_lighting(rng: np.random.Generator, *, key_share: float, azimuth_deg: float,
                    distance_px: float, reference: tuple[float, float]) -> Lighting:
    """A warm key lamp (a warm-white LED desk lamp, 3000-4000 K: RGB about [1, 0.86, 0.69])
    giving ``key_share`` of the light at the face from ``azimuth_deg`` (signed) and
    ``distance_px`` away, 10-30 deg above, and a cool fill (daylight, about [0.93, 0.98, 1]);
    uniform white light when ``key_share`` is 0."""
    if key_share <= 0:
        return Lighting()
    key_col = np.array([1.0, rng.uniform(0.82, 0.9), rng.uniform(0.62, 0.76)])
    fill_col = np.array([rng.uniform(0.9, 0.96), rng.uniform(0.96, 1.0), 1.0])
    mix = (1 - key_share) * fill_col + key_share * key_col
    az, elevation = np.radians(azimuth_deg), np.radians(rng.uniform(10.0, 30.0))
    lamp = (reference[0] + distance_px * np.sin(az) * np.cos(elevation),
            reference[1] - distance_px * np.sin(elevation),
            distance_px * np.cos(az) * np.cos(elevation))
    return Lighting(fill_rgb=tuple(float(v) for v in (1 - key_share) * fill_col / mix),
                    key_rgb=tuple(float(v) for v in key_share * key_col / mix),
                    lamp=tuple(float(v) for v in lamp), azimuth_deg=float(azimuth_deg),
                    reference=(float(reference[0]), float(reference[1])))


# ------------------------------------------------------------------ render
@dataclass(frozen=True, eq=False)
class SceneTruth:
    """What was rendered, exactly: enough to rebuild every frame's true skin region and light.

    ``skin_mask`` (H0, W0) uint8 0-255 and ``pulse_gain`` (H0, W0) uint8
    (gain x 100) in photo pixels; ``affines`` (N, 2, 3) photo->frame per frame;
    ``light`` (N, 3) global RGB gains (illumination drift, gain hunting);
    ``frame_times`` (N,) s; ``ppg`` (N,) the unit pulse p(t) at the frames;
    ``hr`` (N,) bpm; ``size`` (width, height) px. The spatially varying light
    (:meth:`illumination`): ``lighting`` (12,) the :class:`Lighting`
    (:meth:`Lighting.as_array`), ``key_gain`` (N,) the key lamp's irradiance on
    the head relative to the head facing the camera, ``head_mask`` (H0, W0)
    uint8 0-255 where that gain applies (photo pixels). Truth files written
    before these existed read as uniform white light.
    """

    skin_mask: np.ndarray
    pulse_gain: np.ndarray
    affines: np.ndarray
    light: np.ndarray
    frame_times: np.ndarray
    ppg: np.ndarray
    hr: np.ndarray
    size: tuple[int, int]
    lighting: np.ndarray = dataclasses.field(default_factory=lambda: Lighting().as_array())
    key_gain: np.ndarray | None = None
    head_mask: np.ndarray | None = None

    @property
    def pulse_weight(self) -> np.ndarray:
        """Per-pixel pulse weight (H0, W0) float32 in photo pixels: mask x spatial gain."""
        return (self.skin_mask.astype(np.float32) / 255.0) * (self.pulse_gain.astype(np.float32) / 100.0)

    @property
    def lights(self) -> Lighting:
        return Lighting.from_array(self.lighting)

    def frame_mask(self, index: int) -> np.ndarray:
        """Soft skin mask (H, W) float32 in [0, 1] of frame ``index``, warped as rendered."""
        return warp_to_frame(self.skin_mask.astype(np.float32) / 255.0, self.affines[index], self.size)

    def illumination(self, index: int) -> np.ndarray | None:
        """RGB irradiance (H, W, 3) float32 of frame ``index`` before the global gains ``light``,
        exactly as rendered; None for uniform white light (1 everywhere)."""
        renderer = _Illumination(self)
        if renderer.key is None:
            return None
        head = warp_to_frame(self.head_mask.astype(np.float32) / 255.0, self.affines[index], self.size)
        return renderer(head, index)

    def save(self, path: Path) -> Path:
        np.savez_compressed(path, **{f.name: np.asarray(getattr(self, f.name))
                                     for f in dataclasses.fields(self)})
        return path


class _Illumination:
    """fill + key x key field x (1 + head x (key_gain - 1)), per frame, float32 (H, W, 3)."""

    def __init__(self, truth: SceneTruth):
        lights = truth.lights
        self.fill = np.asarray(lights.fill_rgb, np.float32)
        self.key = None
        if lights.has_key and truth.key_gain is not None and truth.head_mask is not None:
            self.key = lights.key_field(truth.size)[..., None] * np.asarray(lights.key_rgb, np.float32)
            self.gain = np.asarray(truth.key_gain, np.float32)

    def __call__(self, head: np.ndarray, index: int) -> np.ndarray:
        turn = head * (self.gain[index] - np.float32(1.0))
        turn += np.float32(1.0)
        out = self.key * turn[..., None]
        out += self.fill
        return out


def read_scene_truth(path: str | Path) -> SceneTruth:
    """Load a ``truth/<name>.npz`` written by the generator."""
    with np.load(path) as data:
        values = {f.name: data[f.name] for f in dataclasses.fields(SceneTruth) if f.name in data.files}
    values["size"] = tuple(int(v) for v in values["size"])
    return SceneTruth(**values)


def warp_to_frame(image: np.ndarray, affine: np.ndarray, size: tuple[int, int], *,
                  reflect: bool = False) -> np.ndarray:
    """Warp photo-space ``image`` into a frame of ``size`` (w, h), bilinear; outside: 0 or reflected."""
    border = cv2.BORDER_REFLECT101 if reflect else cv2.BORDER_CONSTANT
    return cv2.warpAffine(image, affine, size, flags=cv2.INTER_LINEAR, borderMode=border)


@functools.lru_cache(maxsize=1)
def _normal_quantiles() -> np.ndarray:
    """(65536,) float32 standard normal quantiles at (k + 0.5) / 65536: Gaussian noise by
    lookup of uniform 16-bit integers (about 3x faster than drawing normals; tails at 4.2 sd)."""
    from scipy.special import ndtri
    return ndtri((np.arange(65536) + 0.5) / 65536).astype(np.float32)


def gaussian_noise(rng: np.random.Generator, shape: tuple[int, ...], sd: float) -> np.ndarray:
    """Zero-mean Gaussian noise of ``shape`` and standard deviation ``sd``, float32
    (:func:`_normal_quantiles`)."""
    noise = _normal_quantiles()[rng.integers(0, 65536, shape, dtype=np.uint16)]
    noise *= np.float32(sd)
    return noise


def render_frames(image: np.ndarray, truth: SceneTruth, *, amplitude: float, noise_sd: float,
                  rng: np.random.Generator,
                  signature: Sequence[float] = BVP_SIGNATURE) -> Iterator[np.ndarray]:
    """Yield the frames (H, W, 3) RGB uint8 of a scene.

    Per frame: warp the recoloured photo ``image`` (photo pixels, float32) and
    the pulse weight by the frame's affine, multiply by
    ``1 - ppg * weight * amplitude * signature / signature[green]`` (skin
    reflectance falls as blood volume rises), by the scene's light
    (:meth:`SceneTruth.illumination`, when not uniform) and the global gains,
    add Gaussian noise of sd ``noise_sd`` (levels, :func:`gaussian_noise`),
    round and clip.
    """
    sig = (amplitude * np.asarray(signature, np.float32) / signature[1]).astype(np.float32)
    illumination = _Illumination(truth)
    masks = truth.pulse_weight  # warped together with the head mask when the light needs it
    if illumination.key is not None:
        masks = np.dstack([masks, truth.head_mask.astype(np.float32) / 255.0])
    last_affine = None
    for i in range(truth.affines.shape[0]):
        if last_affine is None or not np.array_equal(truth.affines[i], last_affine):
            last_affine = truth.affines[i]
            base = warp_to_frame(image, last_affine, truth.size, reflect=True)
            warped = warp_to_frame(masks, last_affine, truth.size)
            weight = warped if warped.ndim == 2 else warped[..., 0]
            pulsatile = base * weight[..., None]
            pulsatile *= sig
        frame = pulsatile * np.float32(-truth.ppg[i])
        frame += base
        if illumination.key is not None:
            frame *= illumination(warped[..., 1], i)
        frame *= truth.light[i]
        frame += gaussian_noise(rng, frame.shape, noise_sd)
        np.clip(frame, 0, 255, out=frame)
        yield np.rint(frame, out=frame).astype(np.uint8)


def jpeg_round_trip(frame: np.ndarray, quality: int = 85) -> np.ndarray:
    """RGB uint8 ``frame`` after JPEG encoding at ``quality`` and decoding (compression artefacts)."""
    ok, buf = cv2.imencode(".jpg", cv2.cvtColor(frame, cv2.COLOR_RGB2BGR),
                           [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise RuntimeError("OpenCV cannot JPEG-encode a frame")
    return cv2.cvtColor(cv2.imdecode(buf, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)


# -------------------------------------------------------------- recordings
@dataclass(frozen=True, eq=False)
class Scene:
    """The subject-independent inputs of every recording of a set (photo, landmarks, masks)."""

    image: np.ndarray        # (H0, W0, 3) uint8 RGB photo
    landmarks: np.ndarray    # (468, 2) px
    skin_mask: np.ndarray    # (H0, W0) float32 [0, 1]
    tone_mask: np.ndarray    # (H0, W0) float32 [0, 1]
    head_mask: np.ndarray    # (H0, W0) float32 [0, 1]

    @classmethod
    def from_photo(cls, image: np.ndarray) -> "Scene":
        lm = face_landmarks(image)
        return cls(image, lm, skin_mask_from_landmarks(image, lm), tone_mask_from_landmarks(image, lm),
                   head_mask_from_landmarks(image, lm))


def camera_times_ns(n: int, fps: float, rng: np.random.Generator, *, start_ns: int,
                    jitter_s: float = 0.001) -> np.ndarray:
    """PURE-like camera timestamps (n,) int64 ns: ``start_ns + i / fps`` plus clipped jitter
    (first frame exact)."""
    jitter = np.clip(rng.normal(0.0, jitter_s, n), -4 * jitter_s, 4 * jitter_s)
    jitter[0] = 0.0
    return np.int64(start_ns) + np.round((np.arange(n) / fps + jitter) * 1e9).astype(np.int64)


def oximeter_times_s(t_first: float, t_last: float, rng: np.random.Generator, *,
                     rate_hz: float = 60.0, lead_s: tuple[float, float] = (0.2, 0.4),
                     rate_error: float = 0.004, drop_fraction: float = 0.005) -> np.ndarray:
    """Oximeter sample times (s, camera clock): start ``lead_s`` before ``t_first``, run past
    ``t_last`` at ``rate_hz * (1 +- rate_error)``, 0.5 ms jitter, ``drop_fraction`` missing."""
    lead = rng.uniform(*lead_s)
    period = 1.0 / (rate_hz * (1.0 + rng.uniform(-rate_error, rate_error)))
    n = int(np.ceil((t_last - t_first + lead + 0.2) / period)) + 1
    t = t_first - lead + np.arange(n) * period + np.clip(rng.normal(0, 5e-4, n), -2e-3, 2e-3)
    keep = rng.random(n) >= drop_fraction
    keep[[0, -1]] = True
    return t[keep]


@dataclass(frozen=True)
class Difficulty:
    """Ranges (low, high) a recording of one condition draws from, uniformly.

    ``pulse_amplitude``: peak-to-peak relative change of green (red and blue
    follow the signature); ``noise_sd``: sensor noise (levels of 255);
    ``translation_px`` (px at 320 px frame width, scaled with it),
    ``rotation_deg`` (roll), ``yaw_deg`` (turn) and ``scale_range`` (relative
    zoom): bounds of the head's slow random walks, low-passed at
    ``motion_corner_hz``; talking / nodding (:func:`motion_episodes`) covers
    ``episode_fraction`` of the time, at ``episode_hz``, with amplitudes
    ``episode_px`` (px at 320 px width) and ``episode_deg`` (yaw; roll half);
    ``head_turns_per_min`` quick glances aside of ``turn_deg`` (:func:`head_turns`);
    ``brightness_range``: max - min of the relative brightness drift;
    ``colour_drift``: bound of its red-up / blue-down drift; ``key_share``:
    share of the warm key lamp in the light at the face (0: uniform white
    light), from ``key_azimuth_deg`` to either side at ``lamp_distance`` face
    widths (:func:`random_lighting`); ``gain_hunting``: peak-to-peak common-mode
    gain oscillation at ``gain_hunting_hz`` (:func:`gain_hunting`);
    ``mjpg_quality``: OpenCV MJPG quality (UBFC layout); ``jpeg_quality``:
    libjpeg quality of the round trip before PNG (PURE layout);
    ``oximeter_drop``: fraction of missing oximeter samples (PURE layout).
    """

    pulse_amplitude: tuple[float, float] = (0.007, 0.015)
    noise_sd: tuple[float, float] = (1.0, 2.0)
    translation_px: tuple[float, float] = (0.0, 0.0)
    rotation_deg: tuple[float, float] = (0.0, 0.0)
    yaw_deg: tuple[float, float] = (0.0, 0.0)
    scale_range: tuple[float, float] = (0.0, 0.0)
    motion_corner_hz: float = 0.2
    episode_fraction: tuple[float, float] = (0.0, 0.0)
    episode_hz: tuple[float, float] = (1.0, 2.5)
    episode_px: tuple[float, float] = (0.0, 0.0)
    episode_deg: tuple[float, float] = (0.0, 0.0)
    head_turns_per_min: tuple[float, float] = (0.0, 0.0)
    turn_deg: tuple[float, float] = (0.0, 0.0)
    brightness_range: tuple[float, float] = (0.0, 0.0)
    colour_drift: tuple[float, float] = (0.0, 0.0)
    key_share: tuple[float, float] = (0.0, 0.0)
    key_azimuth_deg: tuple[float, float] = (30.0, 60.0)
    lamp_distance: tuple[float, float] = (3.0, 6.0)
    gain_hunting: tuple[float, float] = (0.0, 0.0)
    gain_hunting_hz: tuple[float, float] = (0.8, 2.5)
    mjpg_quality: int = 50
    jpeg_quality: int = 85
    oximeter_drop: float = 0.0

    @property
    def dynamic(self) -> bool:
        """Whether anything of the scene moves or changes (draws from the scene generator)."""
        return any(hi > 0 for hi in (self.yaw_deg[1], self.scale_range[1], self.episode_fraction[1],
                                     self.head_turns_per_min[1], self.key_share[1], self.gain_hunting[1]))


#: the conditions of the synthetic set (see the module docstring); "hard" is what every
#: hard recording has in common, its scenario (:data:`HARD_SCENARIOS`) adds one disturbance
DIFFICULTIES = MappingProxyType({
    "easy": Difficulty(),
    "hard": Difficulty(pulse_amplitude=(0.005, 0.010), noise_sd=(2.0, 4.0),
                       translation_px=(3.0, 8.0), rotation_deg=(2.0, 5.0), yaw_deg=(1.0, 3.0),
                       scale_range=(0.02, 0.04),
                       episode_fraction=(0.2, 0.4), episode_px=(0.15, 0.4), episode_deg=(0.05, 0.15),
                       brightness_range=(0.05, 0.15), colour_drift=(0.02, 0.05),
                       key_share=(0.2, 0.4), key_azimuth_deg=(15.0, 40.0), lamp_distance=(5.0, 9.0),
                       gain_hunting_hz=(0.8, 1.6), mjpg_quality=25, oximeter_drop=0.005),
})

#: the hard recordings' scenarios, taken in turn (as PURE's setups): the common hard
#: conditions plus more talking, quick head turns, a stronger side lamp, or gain hunting
HARD_SCENARIOS = MappingProxyType({
    "talking": dataclasses.replace(DIFFICULTIES["hard"], episode_fraction=(0.5, 0.8),
                                   episode_px=(0.2, 0.6), episode_deg=(0.1, 0.25)),
    "head_turns": dataclasses.replace(DIFFICULTIES["hard"], head_turns_per_min=(6.0, 9.0),
                                      turn_deg=(2.0, 5.0)),
    "side_light": dataclasses.replace(DIFFICULTIES["hard"], key_share=(0.4, 0.6),
                                      key_azimuth_deg=(20.0, 40.0)),
    "gain_hunting": dataclasses.replace(DIFFICULTIES["hard"], gain_hunting=(0.006, 0.015)),
})


@dataclass(frozen=True, eq=False)
class RecordingDraw:
    """Everything random about one recording (see :func:`draw_recording`).

    ``frame_times`` (N,) s from the first frame; ``frame_ns`` (N,) and
    ``oximeter_times`` (M,) s only for the PURE layout; ``affines`` (N, 2, 3)
    photo->frame; ``light_gains`` (N, 3) global gains; ``lighting`` the scene's
    lamps and ``key_gain`` (N,) the key lamp's gain on the head;
    ``pulse_gain`` (H0, W0) spatial gain of the pulse; ``rng_noise`` draws the
    sensor noise while rendering; ``motion`` and ``light`` describe the draws
    for the manifest.
    """

    look: Appearance
    pulse: PulseModel
    hr_target: float
    variability: HeartRateVariability
    amplitude: float
    noise_sd: float
    motion: dict[str, Any]
    light: dict[str, Any]
    pulse_gain: np.ndarray
    frame_times: np.ndarray
    affines: np.ndarray
    light_gains: np.ndarray
    rng_noise: np.random.Generator
    frame_ns: np.ndarray | None = None
    oximeter_times: np.ndarray | None = None
    lighting: Lighting = Lighting()
    key_gain: np.ndarray | None = None


def recording_clock(layout: str, n: int, fps: float, rng: np.random.Generator, *,
                    oximeter_drop: float) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """Frame times (n,) s, and for the PURE layout the camera ns stamps and oximeter times (s)."""
    if layout != "pure":
        return np.arange(n) / fps, None, None
    start_ns = PURE_EPOCH_NS + int(rng.integers(0, 3600)) * 10**9
    frame_ns = camera_times_ns(n, fps, rng, start_ns=start_ns)
    frame_times = (frame_ns - frame_ns[0]) / 1e9
    return frame_times, frame_ns, oximeter_times_s(0.0, float(frame_times[-1]), rng,
                                                  drop_fraction=oximeter_drop)


def draw_dynamics(times: np.ndarray, seed: np.random.SeedSequence, level: Difficulty, *,
                  width: int, face_width_px: float, reference: tuple[float, float],
                  corner_hz: float) -> dict[str, Any]:
    """The scene's changes beyond the slow head walk and light drift.

    Each part -- slow yaw and zoom, talking / nodding episodes, head turns,
    lighting, gain hunting -- draws from its own generator spawned from
    ``seed``, so changing one part's ranges leaves the others as they were.
    Returns arrays ``dx``, ``dy`` (px), ``roll``, ``yaw`` (deg), ``scale`` (N,)
    to add to (multiply, for ``scale``) the head pose, ``hunting`` (N,) the
    common-mode gain, the :class:`Lighting` ``lighting``, and the manifest
    descriptions ``motion`` and ``light``.
    """
    rng_pose, rng_talk, rng_turn, rng_lamp, rng_hunt = (np.random.default_rng(s) for s in seed.spawn(5))
    px = width / 320
    yaw_bound = float(rng_pose.uniform(*level.yaw_deg))
    scale_bound = float(rng_pose.uniform(*level.scale_range))
    yaw = smooth_random_walk(times, rng_pose, bound=yaw_bound, corner_hz=corner_hz)
    scale = 1.0 + smooth_random_walk(times, rng_pose, bound=scale_bound, corner_hz=corner_hz / 2)
    fraction = float(rng_talk.uniform(*level.episode_fraction))
    ep_px = float(rng_talk.uniform(*level.episode_px)) * px
    ep_deg = float(rng_talk.uniform(*level.episode_deg))
    episodes, listed = motion_episodes(times, rng_talk, fraction=fraction, band_hz=level.episode_hz)
    turn_rate = float(rng_turn.uniform(*level.head_turns_per_min))
    count = round(turn_rate * float(times[-1] - times[0]) / 60.0)
    turns, glances = head_turns(times, rng_turn, count=count, amplitude_deg=level.turn_deg)
    share = float(rng_lamp.uniform(*level.key_share))
    azimuth = float(rng_lamp.uniform(*level.key_azimuth_deg) * rng_lamp.choice([-1.0, 1.0]))
    lighting = random_lighting(rng_lamp, key_share=share, azimuth_deg=azimuth,
                               distance_px=float(rng_lamp.uniform(*level.lamp_distance)) * face_width_px,
                               reference=reference)
    hunting_pp = float(rng_hunt.uniform(*level.gain_hunting))
    hunting, hunting_hz = gain_hunting(times, rng_hunt, amplitude=hunting_pp, band_hz=level.gain_hunting_hz)
    return {
        "dx": ep_px * episodes[:, 0], "dy": ep_px * episodes[:, 1],
        "roll": 0.5 * ep_deg * episodes[:, 2], "yaw": yaw + ep_deg * episodes[:, 3] + turns,
        "scale": scale, "hunting": hunting, "lighting": lighting,
        "motion": {"yaw_deg": yaw_bound, "scale_range": scale_bound, "episode_fraction": fraction,
                   "episode_px": ep_px, "episode_deg": ep_deg, "episodes": listed, "head_turns": glances},
        "light": {"key_share": share, "lighting": dataclasses.asdict(lighting),
                  "gain_hunting": hunting_pp, "gain_hunting_hz": hunting_hz},
    }


def draw_recording(plan: RecordingPlan, params: SyntheticParams, scene: Scene) -> RecordingDraw:
    """Everything random about one recording from its seed: look, pulse, motion, light, clocks.

    Independent generators (spawned from ``plan.seed``) for the look, the
    pulse, the slow motion and light, the clocks, the noise and the rest of
    the scene's changes (:func:`draw_dynamics`, only when the condition has
    any), so changing one (e.g. the duration) leaves the others as they were.
    """
    seeds = np.random.SeedSequence(plan.seed).spawn(6)
    rng_look, rng_pulse, rng_motion, rng_clock, rng_noise = (np.random.default_rng(s) for s in seeds[:5])
    level = plan.difficulty
    n = int(round(params.duration * params.fps))
    w, h = params.size
    centre, face_w, _ = face_box(scene.landmarks, landmark_groups())

    look = random_appearance(rng_look)
    pulse_gain = smooth_gain_field(scene.skin_mask.shape, rng_look, scale_px=0.25 * face_w)

    frame_times, frame_ns, ox_times = recording_clock(plan.layout, n, params.fps, rng_clock,
                                                      oximeter_drop=level.oximeter_drop)
    span = (0.0, float(frame_times[-1])) if ox_times is None else \
        (float(min(ox_times[0], 0.0)), float(max(ox_times[-1], frame_times[-1])))
    variability = HeartRateVariability(wander_bpm=rng_pulse.uniform(1.0, 4.0),
                                       rsa_bpm=rng_pulse.uniform(0.5, 2.0),
                                       rr_jitter=rng_pulse.uniform(0.01, 0.03))
    hr_target = float(rng_pulse.uniform(50.0, 110.0))
    pulse = simulate_pulse(span[0], span[1], hr_target, rng_pulse, variability=variability)
    amplitude = float(rng_pulse.uniform(*level.pulse_amplitude))

    motion: dict[str, Any] = {"translation_px": float(rng_motion.uniform(*level.translation_px)) * w / 320,
                              "rotation_deg": float(rng_motion.uniform(*level.rotation_deg))}
    dx, dy = (smooth_random_walk(frame_times, rng_motion, bound=motion["translation_px"],
                                 corner_hz=level.motion_corner_hz) for _ in range(2))
    angle = smooth_random_walk(frame_times, rng_motion, bound=motion["rotation_deg"],
                               corner_hz=level.motion_corner_hz)
    placement = placement_affine(centre, face_w, look, params.size)
    frame_centre = (look.face_centre[0] * w, look.face_centre[1] * h)
    light: dict[str, Any] = {"brightness_range": float(rng_motion.uniform(*level.brightness_range)),
                             "colour_drift": float(rng_motion.uniform(*level.colour_drift))}
    gains = light_gains(frame_times, rng_motion, **light)
    face_w_frame = look.face_width * w
    scale = yaw = None
    lighting, key_gain = Lighting(), None
    if level.dynamic:
        dyn = draw_dynamics(frame_times, seeds[5], level, width=w, face_width_px=face_w_frame,
                            reference=frame_centre, corner_hz=level.motion_corner_hz)
        dx, dy, angle = dx + dyn["dx"], dy + dyn["dy"], angle + dyn["roll"]
        scale, yaw = dyn["scale"], dyn["yaw"]
        lighting, key_gain = dyn["lighting"], dyn["lighting"].key_gain(yaw)
        gains = (gains * dyn["hunting"][:, None]).astype(np.float32)
        motion.update(dyn["motion"])
        light.update(dyn["light"])
    return RecordingDraw(
        look=look, pulse=pulse, hr_target=hr_target, variability=variability,
        amplitude=amplitude, noise_sd=float(rng_noise.uniform(*level.noise_sd)),
        motion=motion, light=light, pulse_gain=pulse_gain, frame_times=frame_times,
        affines=motion_affines(placement, frame_centre, dx, dy, angle, scale, yaw,
                               head_radius_px=HEAD_RADIUS * face_w_frame),
        light_gains=gains, rng_noise=rng_noise,
        frame_ns=frame_ns, oximeter_times=ox_times, lighting=lighting, key_gain=key_gain)


def scene_truth(draw: RecordingDraw, scene: Scene, size: tuple[int, int]) -> SceneTruth:
    """The ``SceneTruth`` of a drawn recording (masks quantised as stored)."""
    times = draw.frame_times
    key_gain = np.ones(times.size) if draw.key_gain is None else draw.key_gain
    return SceneTruth(
        skin_mask=np.round(scene.skin_mask * 255).astype(np.uint8),
        pulse_gain=np.round(np.clip(draw.pulse_gain, 0, 2.55) * 100).astype(np.uint8),
        affines=draw.affines, light=draw.light_gains, frame_times=times,
        ppg=draw.pulse.ppg(times), hr=draw.pulse.hr(times), size=tuple(size),
        lighting=draw.lighting.as_array(), key_gain=np.asarray(key_gain, np.float32),
        head_mask=np.round(scene.head_mask * 255).astype(np.uint8))


def zscore(x: np.ndarray) -> np.ndarray:
    """(x - mean) / sd (sd 0 -> 1)."""
    sd = float(np.std(x))
    return (x - np.mean(x)) / (sd if sd > 0 else 1.0)


def write_recording(root: Path, plan: RecordingPlan, params: SyntheticParams,
                    scene: Scene) -> dict[str, Any]:
    """Render and write one recording under ``root``; returns its manifest entry."""
    draw = draw_recording(plan, params, scene)
    level = plan.difficulty
    truth = scene_truth(draw, scene, params.size)
    image = subject_image(scene.image, scene.tone_mask, draw.look)
    frames = render_frames(image, truth, amplitude=draw.amplitude, noise_sd=draw.noise_sd,
                           rng=draw.rng_noise)
    folder = root / plan.folder
    clock: dict[str, Any] = {}
    if plan.layout == "ubfc":
        write_ubfc_subject(folder, frames, zscore(truth.ppg), truth.hr, truth.frame_times,
                           fps=params.fps, quality=level.mjpg_quality)
        compression = {"codec": "MJPG (OpenCV)", "quality": level.mjpg_quality}
    else:
        ox_t, frame_ns = draw.oximeter_times, draw.frame_ns
        waveform = np.clip(np.round(128 + 100 * draw.pulse.ppg(ox_t)), 0, 255).astype(int)
        pulse_rate = np.round(draw.pulse.hr(ox_t)).astype(int)
        write_pure_session(folder, (jpeg_round_trip(f, level.jpeg_quality) for f in frames),
                           frame_ns, frame_ns[0] + np.round(ox_t * 1e9).astype(np.int64),
                           waveform, pulse_rate)
        compression = {"codec": "JPEG round trip, then PNG", "quality": level.jpeg_quality}
        clock = {"camera_start_ns": int(frame_ns[0]), "oximeter_lead_s": float(-ox_t[0]),
                 "oximeter_rate_hz": float((ox_t.size - 1) / (ox_t[-1] - ox_t[0])),
                 "oximeter_samples": int(ox_t.size)}
    truth_path = Path("truth") / f"{plan.name}.npz"
    truth.save(root / truth_path)
    rgb_amplitude = np.asarray(BVP_SIGNATURE) / BVP_SIGNATURE[1] * draw.amplitude
    return {
        "name": plan.name, "condition": plan.condition, "scenario": plan.scenario, "layout": plan.layout,
        "folder": plan.folder, "subject": plan.subject, "seed": plan.seed,
        "n_frames": int(truth.frame_times.size), "fps": params.fps, "size": list(params.size),
        "hr_target_bpm": draw.hr_target, "hr_mean_bpm": float(truth.hr.mean()),
        "hr_min_bpm": float(truth.hr.min()), "hr_max_bpm": float(truth.hr.max()),
        "pulse_amplitude": draw.amplitude,
        "pulse_amplitude_rgb": [float(v) for v in rgb_amplitude],
        "signature": list(BVP_SIGNATURE),
        "variability": dataclasses.asdict(draw.variability),
        "morphology": dataclasses.asdict(draw.pulse.morphology),
        "respiration_hz": float(draw.pulse.respiration.rate_hz),
        "appearance": dataclasses.asdict(draw.look),
        "motion": draw.motion, "illumination": draw.light,
        "noise_sd": draw.noise_sd, "compression": compression, **clock,
        "truth": truth_path.as_posix(),
    }


def generate_synthetic(out_dir: str | Path, seed: int = 0, n_easy: int = 4, n_hard: int = 4,
                       duration: float = 20.0, fps: float = 30.0,
                       size: tuple[int, int] = (320, 240), *, n_pure: int | None = None,
                       jobs: int | None = None) -> Path:
    """Write a synthetic set into ``out_dir`` (created); returns ``out_dir``.

    ``n_easy`` easy recordings and ``n_hard`` hard ones (``n_pure`` of them in
    the PURE layout, default ``min(1, n_hard // 2)``), each ``duration`` s at
    ``fps`` Hz and ``size`` (width, height) px; see the module docstring for the
    layout. ``manifest.json`` is written last. ``jobs`` threads render
    recordings in parallel (default: up to 2); the files do not depend on it.
    """
    params = SyntheticParams(seed=seed, n_easy=n_easy, n_hard=n_hard, duration=duration,
                             fps=fps, size=tuple(size), n_pure=n_pure)
    root = Path(out_dir)
    (root / "truth").mkdir(parents=True, exist_ok=True)
    scene = Scene.from_photo(base_face_image())
    plans = plan_recordings(params)
    jobs = jobs or min(2, os.cpu_count() or 1)
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        entries = list(pool.map(lambda plan: write_recording(root, plan, params, scene), plans))
    manifest = {
        "generator": __name__, "version": GENERATOR_VERSION, "key": params.key(),
        "params": params.as_dict(), "photo": "skimage.data.astronaut()",
        "recordings": entries,
    }
    (root / _MANIFEST).write_text(json.dumps(manifest, indent=2))
    return root


# ---------------------------------------------------------------- the cache
def synthetic_dir(params: SyntheticParams, cache_dir: Path | None = None) -> Path:
    """Where the set for ``params`` lives in the cache: ``<cache>/synthetic/<key>``."""
    return (cache_dir or default_cache_dir()) / "synthetic" / params.key()


def _is_complete(folder: Path) -> bool:
    return (folder / _MANIFEST).is_file()


def remove_stale_temporaries(parent: Path, name: str, *, max_age_s: float = 3600.0) -> None:
    """Delete ``.<name>.tmp-*`` folders in ``parent`` untouched for ``max_age_s`` s (killed runs)."""
    now = time.time()
    for tmp in parent.glob(f".{name}.tmp-*"):
        try:
            if now - tmp.stat().st_mtime > max_age_s:
                shutil.rmtree(tmp, ignore_errors=True)
        except OSError:
            pass


def ensure_generated(target: Path, params: SyntheticParams, *, jobs: int | None = None) -> Path:
    """Generate the set for ``params`` at ``target`` unless it is already complete.

    Atomic: the set is written into a temporary sibling folder and renamed to
    ``target`` (an absent or empty folder) only when complete, so a killed or
    concurrent run never leaves half a set; a run that loses the race drops
    its copy. Temporary folders of killed runs are removed after an hour.
    """
    if _is_complete(target):
        return target
    if target.exists() and any(target.iterdir()):
        raise DatasetError(f"synthetic: {target} is neither a synthetic set (no {_MANIFEST}) nor empty")
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(target.parent, target.name)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    try:
        generate_synthetic(tmp, seed=params.seed, n_easy=params.n_easy, n_hard=params.n_hard,
                           duration=params.duration, fps=params.fps, size=params.size,
                           n_pure=params.n_pure, jobs=jobs)
        try:
            os.replace(tmp, target)  # fails if another run filled target first
        except OSError:
            if not _is_complete(target):
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return target


def read_manifest(root: Path) -> dict[str, Any]:
    """The ``manifest.json`` of a synthetic set."""
    try:
        return json.loads((root / _MANIFEST).read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise DatasetError(f"synthetic: cannot read {root / _MANIFEST}: {exc}") from exc


def as_synthetic(item: Recording | RecordingError, root: Path,
                 by_folder: Mapping[str, dict]) -> Recording | RecordingError:
    """A loaded UBFC/PURE recording renamed and annotated from its manifest entry."""
    if isinstance(item, RecordingError):
        return item
    try:
        parts = item.path.resolve().relative_to(root.resolve()).parts
    except ValueError:
        parts = ()
    entry = by_folder.get("/".join(parts[:2]))  # e.g. "ubfc/subject1", "pure/08-03"
    if entry is None:
        return RecordingError(item.path, "not listed in the synthetic manifest")
    return dataclasses.replace(item, name=entry["name"], dataset="synthetic",
                               condition=entry["condition"], subject=entry["subject"],
                               meta={**item.meta, **entry, "truth_path": str(root / entry["truth"])})


def load_synthetic(root: str | Path | None = None, seed: int = 0, n_easy: int = 4, n_hard: int = 4,
                   duration: float = 20.0, fps: float = 30.0, size: Sequence[int] = (320, 240),
                   n_pure: int | None = None, jobs: int | None = None) -> list[Recording | RecordingError]:
    """The synthetic recordings, generated on first use.

    ``root``: a synthetic set's folder. Default: ``synthetic_dir(params)`` in
    the cache (:func:`default_cache_dir`). A folder holding ``manifest.json``
    is read as is (a warning names parameters that differ from those asked
    for); an absent or empty one is generated first (atomically). Read with
    :func:`load_ubfc` / :func:`load_pure`; each ``Recording`` gets
    ``dataset="synthetic"``, ``name`` (e.g. ``"easy-subject1"``), ``condition``
    (``"easy"``/``"hard"``), ``subject`` and ``meta`` updated with its
    manifest entry (true mean HR, pulse amplitude, ...) plus ``meta["truth_path"]``
    (:func:`read_scene_truth`). The other parameters are those of
    :func:`generate_synthetic`; ``jobs`` does not change the files.
    """
    from .pure import load_pure
    from .ubfc import load_ubfc

    params = SyntheticParams(seed=seed, n_easy=n_easy, n_hard=n_hard, duration=duration,
                             fps=fps, size=tuple(size), n_pure=n_pure)
    root = ensure_generated(Path(root) if root is not None else synthetic_dir(params), params, jobs=jobs)
    manifest = read_manifest(root)
    if manifest.get("params") != params.as_dict():
        diff = {k: v for k, v in manifest.get("params", {}).items() if params.as_dict().get(k) != v}
        warnings.warn(f"synthetic: {root} was generated with {diff}, not the parameters asked for",
                      stacklevel=2)
    by_folder = {e["folder"]: e for e in manifest["recordings"]}
    loaded = []
    for layout, loader in (("ubfc", load_ubfc), ("pure", load_pure)):
        if any(e["layout"] == layout for e in manifest["recordings"]):
            loaded += loader(root / layout)
    out = [as_synthetic(item, root, by_folder) for item in loaded]
    order = {e["name"]: i for i, e in enumerate(manifest["recordings"])}
    return sorted(out, key=lambda r: order.get(getattr(r, "name", ""), len(order)))
