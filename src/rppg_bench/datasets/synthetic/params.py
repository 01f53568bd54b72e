"""What a synthetic set depends on: its parameters, the conditions' ranges and the recordings' plan.

The conditions (easy, hard and the hard scenarios) are described in the
package docstring (:mod:`rppg_bench.datasets.synthetic`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np

from ..ppg_model import BREATHING_HZ, HeartRateVariability, PulseMorphology, Respiration
from ..ppg_recordings import CleanStretch

if TYPE_CHECKING:
    from .face import Appearance

#: bump whenever the generated files change for the same parameters (part of the cache key)
GENERATOR_VERSION = "5"  # 4: truth files hold the respiration and the beat onsets; 5: stronger breathing
#: normalised blood-volume-pulse signature (R, G, B), de Haan & van Leest 2014
BVP_SIGNATURE = (0.33, 0.77, 0.53)
#: PURE setup number given to the hard PURE-layout sessions ("slow translation")
PURE_HARD_SETUP = "03"
#: :class:`SyntheticParams` fields that replace the drawn breathing when given
BREATHING_OVERRIDES = ("rsa_bpm", "breathing_modulation")


@dataclass(frozen=True)
class SyntheticParams:
    """What a synthetic set depends on (hashed into its cache folder name).

    ``n_pure``: how many of the ``n_hard`` recordings use the PURE layout
    (default ``min(1, n_hard // 2)``: its PNG frames take ~0.12 MB each at
    320x240, 75 MB for 20 s). ``size`` is (width, height) in pixels,
    ``duration`` in s, ``fps`` in Hz. ``rsa_bpm`` (bpm) and ``breathing_modulation``
    (relative beat height), when given, replace every recording's respiratory sinus
    arrhythmia and breathing modulation of the beat height (None: drawn as by
    default; the files are then the same as without them), e.g. stronger breathing
    for testing breathing-rate estimation.
    """

    seed: int = 0
    n_easy: int = 4
    n_hard: int = 4
    duration: float = 20.0
    fps: float = 30.0
    size: tuple[int, int] = (320, 240)
    n_pure: int | None = None
    rsa_bpm: float | None = None
    breathing_modulation: float | None = None

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
        for name in BREATHING_OVERRIDES:
            if getattr(self, name) is not None:
                object.__setattr__(self, name, float(getattr(self, name)))
                if not getattr(self, name) >= 0:
                    raise ValueError(f"{name} must be >= 0, got {getattr(self, name)!r}")

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready parameters (as in the manifest); the breathing overrides only when given, so
        the default parameters (and their cache key) are those of sets made before they existed."""
        fields = {k: v for k, v in dataclasses.asdict(self).items()
                  if not (k in BREATHING_OVERRIDES and v is None)}
        return {**fields, "size": list(self.size)}

    def key(self) -> str:
        """Cache folder name: ``<GENERATOR_VERSION>-<12 hex digits of the parameters' hash>``."""
        text = json.dumps({"version": GENERATOR_VERSION, **self.as_dict()}, sort_keys=True)
        return f"{GENERATOR_VERSION}-{hashlib.sha256(text.encode()).hexdigest()[:12]}"


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


#: the conditions of the synthetic set (see the package docstring); "hard" is what every
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
class RecordedSource:
    """A pulse taken from real recordings: ``draw`` in [0, 1) picks the excerpt among the clean
    ``stretches``, smoothed by ``smoothness`` (0 as recorded, 1 facial-pulse smooth;
    :func:`..ppg_recordings.recorded_pulse`)."""

    draw: float
    stretches: tuple[CleanStretch, ...]
    smoothness: float = 0.0


@dataclass(frozen=True)
class PulseSpec:
    """A recording's pulse, fixed instead of drawn: mean heart rate ``hr_bpm`` (bpm), its
    ``variability``, and beat ``morphology`` / ``respiration`` (None: drawn by
    :func:`..ppg_model.simulate_pulse`, the breathing rate in ``breathing_hz`` (Hz) with
    ``breathing_modulation`` of the beat height). With ``recorded`` the beats are a real
    recording's excerpt played at ``hr_bpm`` on average; ``variability`` and ``morphology``
    are then not used."""

    hr_bpm: float
    variability: HeartRateVariability
    morphology: PulseMorphology | None = None
    respiration: Respiration | None = None
    breathing_hz: tuple[float, float] = BREATHING_HZ
    breathing_modulation: float = Respiration.amplitude_modulation
    recorded: RecordedSource | None = None


@dataclass(frozen=True)
class RecordingPlan:
    """One recording to generate: where it goes and the seed of everything in it.

    ``level``, ``look`` and ``pulse`` fix the ranges, the subject's appearance
    and the pulse instead of taking them from the condition and the seed
    (a training corpus draws them itself, :mod:`.corpus`).
    """

    name: str
    condition: str        # "easy" | "hard"
    layout: str           # "ubfc" | "pure"
    folder: str           # relative to the set's root, e.g. "ubfc/subject1"
    subject: str          # "01", "02", ...
    seed: int
    scenario: str = ""    # hard only: a key of HARD_SCENARIOS
    level: Difficulty | None = None
    look: Appearance | None = None
    pulse: PulseSpec | None = None

    @property
    def difficulty(self) -> Difficulty:
        """The ranges this recording draws from."""
        if self.level is not None:
            return self.level
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
