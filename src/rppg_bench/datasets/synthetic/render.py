"""Rendering: the frames of a recording from its photo and its :class:`SceneTruth`."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from .params import BVP_SIGNATURE
from .scene import Lighting


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
    uint8 0-255 where that gain applies (photo pixels). Truth files without
    them read as uniform white light. ``respiration`` (N,): the breathing that
    modulates the pulse at the frames, as a respiratory belt would record it
    (:meth:`..ppg_model.PulseModel.breathing`); ``beat_onsets`` (K,) s: the
    beats' feet, whose differences are the true inter-beat intervals (both
    None in truth files written before generator version 4).
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
    respiration: np.ndarray | None = None
    beat_onsets: np.ndarray | None = None

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
                                     for f in dataclasses.fields(self) if getattr(self, f.name) is not None})
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
