"""The scene: the photo with its masks, the lamps lighting it, and the light's drift and flicker."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .face import (
    face_landmarks,
    head_mask_from_landmarks,
    skin_mask_from_landmarks,
    tone_mask_from_landmarks,
)
from .motion import smooth_random_walk


@dataclass(frozen=True, eq=False)
class Scene:
    """The subject-independent inputs of every recording of a set (photo, landmarks, masks)."""

    image: np.ndarray        # (H0, W0, 3) uint8 RGB photo
    landmarks: np.ndarray    # (468, 2) px
    skin_mask: np.ndarray    # (H0, W0) float32 [0, 1]
    tone_mask: np.ndarray    # (H0, W0) float32 [0, 1]
    head_mask: np.ndarray    # (H0, W0) float32 [0, 1]

    @classmethod
    def from_photo(cls, image: np.ndarray) -> Scene:
        lm = face_landmarks(image)
        return cls(image, lm, skin_mask_from_landmarks(image, lm), tone_mask_from_landmarks(image, lm),
                   head_mask_from_landmarks(image, lm))


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
