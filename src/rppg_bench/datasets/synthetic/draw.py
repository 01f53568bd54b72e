"""Everything random about one recording, drawn from its seed: look, pulse, motion, light, clocks."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..ppg_model import HeartRateVariability, PulseModel, Respiration, simulate_pulse
from ..ppg_recordings import recorded_pulse
from .face import (
    Appearance,
    face_box,
    landmark_groups,
    random_appearance,
    smooth_gain_field,
)
from .motion import (
    head_turns,
    motion_affines,
    motion_episodes,
    placement_affine,
    smooth_random_walk,
)
from .params import Difficulty, PulseSpec, RecordingPlan, SyntheticParams
from .render import SceneTruth
from .scene import Lighting, Scene, gain_hunting, light_gains, random_lighting

#: base of the PURE-layout camera timestamps (ns since 1970: February 2014, as PURE's)
PURE_EPOCH_NS = 1392643993642815000
#: distance from the neck's turning axis to the face, in face widths (a turn shifts the face by it x sin(yaw))
HEAD_RADIUS = 0.7


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


#: the default set's breathing (generator 5): rate (Hz, 12-18 breaths/min), respiratory sinus
#: arrhythmia (bpm) and modulation of the beat height (relative), strong enough to be read from
#: the pulse of a 20 s video (docs/beats-breathing.md)
BREATHING_HZ = (0.2, 0.3)
RSA_BPM = (3.0, 5.0)
BREATHING_MODULATION = 0.15


def random_pulse_spec(rng: np.random.Generator) -> PulseSpec:
    """The synthetic set's pulse: mean rate 50-110 bpm, wander 1-4 bpm, RSA :data:`RSA_BPM`,
    RR jitter 1-3 %, breathing at :data:`BREATHING_HZ` modulating the beat height by
    :data:`BREATHING_MODULATION`; morphology and the breathing's draws left to :func:`simulate_pulse`."""
    variability = HeartRateVariability(wander_bpm=rng.uniform(1.0, 4.0), rsa_bpm=rng.uniform(*RSA_BPM),
                                       rr_jitter=rng.uniform(0.01, 0.03))
    return PulseSpec(hr_bpm=float(rng.uniform(50.0, 110.0)), variability=variability,
                     breathing_hz=BREATHING_HZ, breathing_modulation=BREATHING_MODULATION)


def draw_pulse(spec: PulseSpec, span: tuple[float, float], rng: np.random.Generator,
               variability: HeartRateVariability) -> PulseModel:
    """The pulse of ``spec`` on ``span`` (s): the parametric model's
    (:func:`..ppg_model.simulate_pulse`), or with ``spec.recorded`` a recording's excerpt
    (:func:`..ppg_recordings.recorded_pulse`, breathing drawn as the model draws it when not given)."""
    if spec.recorded is None:
        return simulate_pulse(span[0], span[1], spec.hr_bpm, rng, variability=variability,
                              morphology=spec.morphology, respiration=spec.respiration,
                              breathing_hz=spec.breathing_hz, breathing_modulation=spec.breathing_modulation)
    respiration = spec.respiration or Respiration(rate_hz=rng.uniform(*spec.breathing_hz),
                                                  amplitude_modulation=spec.breathing_modulation)
    return recorded_pulse(spec.recorded.draw, span[0], span[1], spec.hr_bpm, rng, respiration=respiration,
                          stretches=list(spec.recorded.stretches), smoothness=spec.recorded.smoothness)


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

    look = plan.look or random_appearance(rng_look)
    pulse_gain = smooth_gain_field(scene.skin_mask.shape, rng_look, scale_px=0.25 * face_w)

    frame_times, frame_ns, ox_times = recording_clock(plan.layout, n, params.fps, rng_clock,
                                                      oximeter_drop=level.oximeter_drop)
    span = (0.0, float(frame_times[-1])) if ox_times is None else \
        (float(min(ox_times[0], 0.0)), float(max(ox_times[-1], frame_times[-1])))
    spec = plan.pulse or random_pulse_spec(rng_pulse)
    variability, hr_target = spec.variability, float(spec.hr_bpm)
    if params.rsa_bpm is not None:
        variability = dataclasses.replace(variability, rsa_bpm=params.rsa_bpm)
    pulse = draw_pulse(spec, span, rng_pulse, variability)
    if params.breathing_modulation is not None:  # after the draws: the rest of the recording stays as it was
        pulse = dataclasses.replace(pulse, respiration=dataclasses.replace(
            pulse.respiration, amplitude_modulation=params.breathing_modulation))
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
        head_mask=np.round(scene.head_mask * 255).astype(np.uint8),
        respiration=draw.pulse.breathing(times), beat_onsets=draw.pulse.onsets)
