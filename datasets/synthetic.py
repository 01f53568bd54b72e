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
  relative change (0.7-1.5 %, so every channel changes by 0.3-1.5 %) and
  ``g`` a smooth spatial gain (0.75-1.25). The minus sign is physical: more
  blood absorbs more light, so the skin darkens as the PPG (blood volume)
  rises, as ``methods.base`` assumes. No transit delay between face and finger.
- **easy**: still head, constant light, mild Gaussian sensor noise
  (sd 1-2 levels), MJPG at OpenCV quality 50 (PSNR ~43 dB, about libjpeg 90).
- **hard**: head translation (+-3-8 px at 320 px width) and in-plane rotation
  (+-2-5 deg) as smooth random walks (the whole image and mask are warped),
  illumination drift (slow brightness change of 5-15 % plus a colour
  temperature drift of +-2-5 % on red/blue), sensor noise sd 3-5 levels,
  stronger compression (MJPG at OpenCV quality 25, PSNR ~40 dB, about
  libjpeg 85; for PURE a libjpeg quality-85 round trip before the PNG).

Layout under the set's folder::

    manifest.json               parameters and per-recording truth (written last)
    ubfc/subjectK/vid.avi       easy subjects 1..n_easy and the first hard ones
    ubfc/subjectK/ground_truth.txt
    pure/KK-03/KK-03.json       the last ``n_pure`` hard subjects (setup 03)
    pure/KK-03/KK-03/Image<ns>.png
    truth/<name>.npz            skin mask, per-frame affine, light gains, PPG, HR

Recording names are ``<condition>-<folder>``: ``easy-subject1``,
``hard-subject6``, ``hard-08-03``; subject numbers are unique across both
layouts. The PURE oximeter samples at ~60 Hz on a slightly different rate
and starts 0.2-0.4 s before the first frame, with a few samples missing; all
timestamps are integer ns on the recording PC's clock, as in PURE.
"""

from __future__ import annotations

import dataclasses
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
from typing import Any, Iterable, Iterator, Mapping, Sequence

import cv2
import numpy as np

from .errors import DatasetError, RecordingError
from .ppg_model import HeartRateVariability, PulseModel, ppg_waveform, simulate_pulse
from .recording import Recording

__all__ = [
    "GENERATOR_VERSION", "BVP_SIGNATURE", "DIFFICULTIES", "Difficulty", "SyntheticParams",
    "SceneTruth", "Appearance", "ensure_generated",
    "ppg_waveform", "generate_synthetic", "load_synthetic", "default_cache_dir",
    "synthetic_dir", "write_ubfc_subject", "write_pure_session", "read_scene_truth",
    "face_landmarks", "skin_mask_from_landmarks",
]

#: bump whenever the generated files change for the same parameters (part of the cache key)
GENERATOR_VERSION = "1"
#: normalised blood-volume-pulse signature (R, G, B), de Haan & van Leest 2014
BVP_SIGNATURE = (0.33, 0.77, 0.53)
#: base of the PURE-layout camera timestamps (ns since 1970: February 2014, as PURE's)
PURE_EPOCH_NS = 1392643993642815000
#: PURE setup number given to the hard PURE-layout sessions ("slow translation")
PURE_HARD_SETUP = "03"
CACHE_ENV = "RPPG_CACHE_DIR"
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


def plan_recordings(params: SyntheticParams) -> list[RecordingPlan]:
    """Easy subjects 1..n_easy (UBFC), then hard ones (UBFC first, the last n_pure PURE)."""
    n_total = params.n_easy + params.n_hard
    plans = []
    for k in range(1, n_total + 1):
        condition = "easy" if k <= params.n_easy else "hard"
        layout = "pure" if k > n_total - params.n_pure else "ubfc"
        folder = f"pure/{k:02d}-{PURE_HARD_SETUP}" if layout == "pure" else f"ubfc/subject{k}"
        seed = int(np.random.SeedSequence([int(params.seed), k]).generate_state(1)[0])
        plans.append(RecordingPlan(name=f"{condition}-{folder.split('/')[1]}", condition=condition,
                                   layout=layout, folder=folder, subject=f"{k:02d}", seed=seed))
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
    fm = mp.solutions.face_mesh
    with fm.FaceMesh(static_image_mode=True, max_num_faces=1, refine_landmarks=False,
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
                   dy: np.ndarray, rot_deg: np.ndarray) -> np.ndarray:
    """(N, 2, 3) photo->frame affines: ``placement`` then a rotation by ``rot_deg`` about
    the frame point ``centre`` and a shift by (``dx``, ``dy``) px, per frame."""
    out = np.empty((len(dx), 2, 3))
    for i, (x, y, a) in enumerate(zip(dx, dy, rot_deg)):
        move = cv2.getRotationMatrix2D(centre, float(a), 1.0)
        move[:, 2] += (x, y)
        out[i] = (_as3x3(move) @ _as3x3(placement))[:2]
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


def light_gains(times: np.ndarray, rng: np.random.Generator, *, brightness_range: float,
                colour_drift: float, corner_hz: float = 0.05) -> np.ndarray:
    """Illumination drift (N, 3) float32 RGB gains: brightness changing by ``brightness_range``
    (max - min, relative) and a colour-temperature drift of +-``colour_drift`` (red up, blue down)."""
    walk = smooth_random_walk(times, rng, bound=1.0, corner_hz=corner_hz)
    bright = 1.0 + brightness_range * ((walk - walk.min()) / max(float(np.ptp(walk)), 1e-12) - 0.5)
    warm = smooth_random_walk(times, rng, bound=colour_drift, corner_hz=corner_hz)
    return (bright[:, None] * np.column_stack([1 + warm, np.ones_like(warm), 1 - warm])).astype(np.float32)


# ------------------------------------------------------------------ render
@dataclass(frozen=True, eq=False)
class SceneTruth:
    """What was rendered, exactly: enough to rebuild every frame's true skin region.

    ``skin_mask`` (H0, W0) uint8 0-255 and ``pulse_gain`` (H0, W0) uint8
    (gain x 100) in photo pixels; ``affines`` (N, 2, 3) photo->frame per frame;
    ``light`` (N, 3) RGB illumination gains; ``frame_times`` (N,) s;
    ``ppg`` (N,) the unit pulse p(t) at the frames; ``hr`` (N,) bpm;
    ``size`` (width, height) px.
    """

    skin_mask: np.ndarray
    pulse_gain: np.ndarray
    affines: np.ndarray
    light: np.ndarray
    frame_times: np.ndarray
    ppg: np.ndarray
    hr: np.ndarray
    size: tuple[int, int]

    @property
    def pulse_weight(self) -> np.ndarray:
        """Per-pixel pulse weight (H0, W0) float32 in photo pixels: mask x spatial gain."""
        return (self.skin_mask.astype(np.float32) / 255.0) * (self.pulse_gain.astype(np.float32) / 100.0)

    def frame_mask(self, index: int) -> np.ndarray:
        """Soft skin mask (H, W) float32 in [0, 1] of frame ``index``, warped as rendered."""
        return warp_to_frame(self.skin_mask.astype(np.float32) / 255.0, self.affines[index], self.size)

    def save(self, path: Path) -> Path:
        np.savez_compressed(path, **{f.name: np.asarray(getattr(self, f.name))
                                     for f in dataclasses.fields(self)})
        return path


def read_scene_truth(path: str | Path) -> SceneTruth:
    """Load a ``truth/<name>.npz`` written by the generator."""
    with np.load(path) as data:
        values = {f.name: data[f.name] for f in dataclasses.fields(SceneTruth)}
    values["size"] = tuple(int(v) for v in values["size"])
    return SceneTruth(**values)


def warp_to_frame(image: np.ndarray, affine: np.ndarray, size: tuple[int, int], *,
                  reflect: bool = False) -> np.ndarray:
    """Warp photo-space ``image`` into a frame of ``size`` (w, h), bilinear; outside: 0 or reflected."""
    border = cv2.BORDER_REFLECT101 if reflect else cv2.BORDER_CONSTANT
    return cv2.warpAffine(image, affine, size, flags=cv2.INTER_LINEAR, borderMode=border)


def render_frames(image: np.ndarray, truth: SceneTruth, *, amplitude: float, noise_sd: float,
                  rng: np.random.Generator,
                  signature: Sequence[float] = BVP_SIGNATURE) -> Iterator[np.ndarray]:
    """Yield the frames (H, W, 3) RGB uint8 of a scene.

    Per frame: warp the recoloured photo ``image`` (photo pixels, float32) and
    the pulse weight by the frame's affine, multiply by
    ``1 - ppg * weight * amplitude * signature / signature[green]`` (skin
    reflectance falls as blood volume rises), by the light gains, add Gaussian
    noise of sd ``noise_sd`` (levels), round and clip.
    """
    sig = (amplitude * np.asarray(signature, np.float32) / signature[1]).astype(np.float32)
    weight = truth.pulse_weight
    last_affine = None
    for i in range(truth.affines.shape[0]):
        if last_affine is None or not np.array_equal(truth.affines[i], last_affine):
            last_affine = truth.affines[i]
            base = warp_to_frame(image, last_affine, truth.size, reflect=True)
            pulsatile = base * warp_to_frame(weight, last_affine, truth.size)[..., None] * sig
        frame = pulsatile * np.float32(-truth.ppg[i])
        frame += base
        frame *= truth.light[i]
        noise = rng.standard_normal(frame.shape, dtype=np.float32)
        noise *= np.float32(noise_sd)
        frame += noise
        np.clip(frame, 0, 255, out=frame)
        yield np.rint(frame, out=frame).astype(np.uint8)


def jpeg_round_trip(frame: np.ndarray, quality: int = 85) -> np.ndarray:
    """RGB uint8 ``frame`` after JPEG encoding at ``quality`` and decoding (compression artefacts)."""
    ok, buf = cv2.imencode(".jpg", cv2.cvtColor(frame, cv2.COLOR_RGB2BGR),
                           [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise RuntimeError("OpenCV cannot JPEG-encode a frame")
    return cv2.cvtColor(cv2.imdecode(buf, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)


# ------------------------------------------------------------------ writers
def format_ubfc_line(values: Iterable[float]) -> str:
    """One UBFC DATASET_2 line: each value as ``%16.7e`` (``'   1.2028675e-01  -1.7258076e-01'``)."""
    return "".join("%16.7e" % v for v in values)


def write_ubfc_subject(folder: str | Path, frames: Iterable[np.ndarray], ppg: Sequence[float],
                       hr: Sequence[float], times: Sequence[float], *, fps: float = 30.0,
                       quality: int = 50) -> Path:
    """Write one UBFC-rPPG DATASET_2 recording; returns ``folder``.

    ``folder/vid.avi``: the RGB uint8 ``frames`` (H, W, 3) as Motion-JPEG
    (OpenCV's own MJPG writer at its ``quality`` 0-100; its scale is not
    libjpeg's: 50 gives about libjpeg 90, 30 about 85) at ``fps`` Hz;
    ``folder/ground_truth.txt``: three ``%16.7e`` lines -- PPG (a.u.), HR (bpm),
    timestamps (s) -- one value per frame.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    writer = None
    n = 0
    try:
        for frame in frames:
            if writer is None:
                size = (frame.shape[1], frame.shape[0])
                writer = cv2.VideoWriter(str(folder / "vid.avi"), cv2.CAP_OPENCV_MJPEG,
                                         cv2.VideoWriter_fourcc(*"MJPG"), float(fps), size)
                if not writer.isOpened():
                    raise RuntimeError(f"{folder / 'vid.avi'}: OpenCV cannot write MJPG video")
                writer.set(cv2.VIDEOWRITER_PROP_QUALITY, float(quality))
            writer.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
            n += 1
    finally:
        if writer is not None:
            writer.release()
    if not n == len(ppg) == len(hr) == len(times):
        raise ValueError(f"{folder}: {n} frames but {len(ppg)} PPG, {len(hr)} HR and "
                         f"{len(times)} timestamp values")
    lines = (format_ubfc_line(series) for series in (ppg, hr, times))
    (folder / "ground_truth.txt").write_text("".join(line + "\n" for line in lines))
    return folder


def write_pure_session(folder: str | Path, frames: Iterable[np.ndarray],
                       frame_times_ns: Sequence[int], oximeter_times_ns: Sequence[int],
                       waveform: Sequence[int], pulse_rate: Sequence[int], *,
                       spo2: int | Sequence[int] = 98, signal_strength: int | Sequence[int] = 4) -> Path:
    """Write one PURE session ``folder`` (named ``NN-MM``); returns ``folder``.

    ``folder/NN-MM/Image<ns>.png``: the RGB uint8 frames, lossless, one per
    ``frame_times_ns`` (int ns); ``folder/NN-MM.json``: ``"/FullPackage"``, one
    oximeter sample per ``oximeter_times_ns`` with integer ``waveform``,
    ``pulseRate`` (bpm), ``o2saturation`` (%), ``signalStrength`` and
    ``probeError`` false, and ``"/Image"``, one ``{"Timestamp": ns}`` per frame.
    """
    folder = Path(folder)
    frame_dir = folder / folder.name
    frame_dir.mkdir(parents=True, exist_ok=True)
    stamps = [int(t) for t in frame_times_ns]
    for ns, frame in zip(stamps, frames, strict=True):
        path = frame_dir / f"Image{ns}.png"
        if not cv2.imwrite(str(path), cv2.cvtColor(frame, cv2.COLOR_RGB2BGR)):
            raise RuntimeError(f"{path}: OpenCV cannot write PNG")
    count = len(oximeter_times_ns)
    spo2 = np.broadcast_to(np.asarray(spo2, dtype=np.int64), (count,))
    strength = np.broadcast_to(np.asarray(signal_strength, dtype=np.int64), (count,))
    packages = [
        {"Timestamp": int(t), "Value": {"waveform": int(w), "pulseRate": int(r),
                                        "o2saturation": int(s), "signalStrength": int(q),
                                        "probeError": False}}
        for t, w, r, s, q in zip(oximeter_times_ns, waveform, pulse_rate, spo2, strength, strict=True)]
    data = {"/FullPackage": packages, "/Image": [{"Timestamp": ns} for ns in stamps]}
    (folder / f"{folder.name}.json").write_text(json.dumps(data))
    return folder


# -------------------------------------------------------------- recordings
@dataclass(frozen=True, eq=False)
class Scene:
    """The subject-independent inputs of every recording of a set (photo, landmarks, masks)."""

    image: np.ndarray        # (H0, W0, 3) uint8 RGB photo
    landmarks: np.ndarray    # (468, 2) px
    skin_mask: np.ndarray    # (H0, W0) float32 [0, 1]
    tone_mask: np.ndarray    # (H0, W0) float32 [0, 1]

    @classmethod
    def from_photo(cls, image: np.ndarray) -> "Scene":
        lm = face_landmarks(image)
        return cls(image, lm, skin_mask_from_landmarks(image, lm), tone_mask_from_landmarks(image, lm))


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
    ``translation_px`` (at 320 px frame width, scaled with it) and
    ``rotation_deg``: bounds of the head's random walks, low-passed at
    ``motion_corner_hz``; ``brightness_range``: max - min of the relative
    brightness; ``colour_drift``: bound of the red-up / blue-down drift;
    ``mjpg_quality``: OpenCV MJPG quality (UBFC layout); ``jpeg_quality``:
    libjpeg quality of the round trip before PNG (PURE layout);
    ``oximeter_drop``: fraction of missing oximeter samples (PURE layout).
    """

    pulse_amplitude: tuple[float, float] = (0.007, 0.015)
    noise_sd: tuple[float, float] = (1.0, 2.0)
    translation_px: tuple[float, float] = (0.0, 0.0)
    rotation_deg: tuple[float, float] = (0.0, 0.0)
    motion_corner_hz: float = 0.2
    brightness_range: tuple[float, float] = (0.0, 0.0)
    colour_drift: tuple[float, float] = (0.0, 0.0)
    mjpg_quality: int = 50
    jpeg_quality: int = 85
    oximeter_drop: float = 0.0


#: the conditions of the synthetic set (see the module docstring)
DIFFICULTIES = MappingProxyType({
    "easy": Difficulty(),
    "hard": Difficulty(noise_sd=(3.0, 5.0), translation_px=(3.0, 8.0), rotation_deg=(2.0, 5.0),
                       brightness_range=(0.05, 0.15), colour_drift=(0.02, 0.05),
                       mjpg_quality=25, oximeter_drop=0.005),
})


@dataclass(frozen=True, eq=False)
class RecordingDraw:
    """Everything random about one recording (see :func:`draw_recording`).

    ``frame_times`` (N,) s from the first frame; ``frame_ns`` (N,) and
    ``oximeter_times`` (M,) s only for the PURE layout; ``affines`` (N, 2, 3)
    photo->frame; ``light_gains`` (N, 3); ``pulse_gain`` (H0, W0) spatial gain of
    the pulse; ``rng_noise`` draws the sensor noise while rendering.
    """

    look: Appearance
    pulse: PulseModel
    hr_target: float
    variability: HeartRateVariability
    amplitude: float
    noise_sd: float
    motion: dict[str, float]
    light: dict[str, float]
    pulse_gain: np.ndarray
    frame_times: np.ndarray
    affines: np.ndarray
    light_gains: np.ndarray
    rng_noise: np.random.Generator
    frame_ns: np.ndarray | None = None
    oximeter_times: np.ndarray | None = None


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


def draw_recording(plan: RecordingPlan, params: SyntheticParams, scene: Scene) -> RecordingDraw:
    """Everything random about one recording from its seed: look, pulse, motion, light, clocks.

    Independent generators (spawned from ``plan.seed``) for the look, the
    pulse, the motion and light, the clocks and the noise, so changing one
    (e.g. the duration) leaves the others as they were.
    """
    rng_look, rng_pulse, rng_motion, rng_clock, rng_noise = (
        np.random.default_rng(s) for s in np.random.SeedSequence(plan.seed).spawn(5))
    level = DIFFICULTIES[plan.condition]
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

    motion = {"translation_px": float(rng_motion.uniform(*level.translation_px)) * w / 320,
              "rotation_deg": float(rng_motion.uniform(*level.rotation_deg))}
    dx, dy = (smooth_random_walk(frame_times, rng_motion, bound=motion["translation_px"],
                                 corner_hz=level.motion_corner_hz) for _ in range(2))
    angle = smooth_random_walk(frame_times, rng_motion, bound=motion["rotation_deg"],
                               corner_hz=level.motion_corner_hz)
    placement = placement_affine(centre, face_w, look, params.size)
    frame_centre = (look.face_centre[0] * w, look.face_centre[1] * h)
    light = {"brightness_range": float(rng_motion.uniform(*level.brightness_range)),
             "colour_drift": float(rng_motion.uniform(*level.colour_drift))}
    return RecordingDraw(
        look=look, pulse=pulse, hr_target=hr_target, variability=variability,
        amplitude=amplitude, noise_sd=float(rng_noise.uniform(*level.noise_sd)),
        motion=motion, light=light, pulse_gain=pulse_gain, frame_times=frame_times,
        affines=motion_affines(placement, frame_centre, dx, dy, angle),
        light_gains=light_gains(frame_times, rng_motion, **light), rng_noise=rng_noise,
        frame_ns=frame_ns, oximeter_times=ox_times)


def scene_truth(draw: RecordingDraw, scene: Scene, size: tuple[int, int]) -> SceneTruth:
    """The ``SceneTruth`` of a drawn recording (masks quantised as stored)."""
    times = draw.frame_times
    return SceneTruth(
        skin_mask=np.round(scene.skin_mask * 255).astype(np.uint8),
        pulse_gain=np.round(np.clip(draw.pulse_gain, 0, 2.55) * 100).astype(np.uint8),
        affines=draw.affines, light=draw.light_gains, frame_times=times,
        ppg=draw.pulse.ppg(times), hr=draw.pulse.hr(times), size=tuple(size))


def zscore(x: np.ndarray) -> np.ndarray:
    """(x - mean) / sd (sd 0 -> 1)."""
    sd = float(np.std(x))
    return (x - np.mean(x)) / (sd if sd > 0 else 1.0)


def write_recording(root: Path, plan: RecordingPlan, params: SyntheticParams,
                    scene: Scene) -> dict[str, Any]:
    """Render and write one recording under ``root``; returns its manifest entry."""
    draw = draw_recording(plan, params, scene)
    level = DIFFICULTIES[plan.condition]
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
        "name": plan.name, "condition": plan.condition, "layout": plan.layout,
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
def default_cache_dir(environ: Mapping[str, str] | None = None) -> Path:
    """rppg-bench's cache folder: ``$RPPG_CACHE_DIR``, ``$XDG_CACHE_HOME/rppg-bench`` or
    ``~/.cache/rppg-bench``."""
    environ = os.environ if environ is None else environ
    if environ.get(CACHE_ENV):
        return Path(environ[CACHE_ENV]).expanduser()
    if environ.get("XDG_CACHE_HOME"):
        return Path(environ["XDG_CACHE_HOME"]).expanduser() / "rppg-bench"
    return Path.home() / ".cache" / "rppg-bench"


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
