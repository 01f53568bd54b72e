"""A training corpus with domain randomisation, rendered by the synthetic set's stages.

Each recording draws every factor from its range in :class:`CorpusParams`,
with a generator seeded by (seed, index) (:func:`draw_factors`, no rendering):
identity (:data:`.identities.TRAINING_IDENTITIES` by default; ``--held-out`` draws
from :data:`.identities.HELD_OUT_IDENTITIES`, ``--faces`` from another of
:data:`.identities.FACE_SETS`, e.g. the 97 small LFW faces), a smooth warp of its photo
(:func:`.identities.warp_photo`, so no two recordings share a face), mirroring, crop / scale (face width
and position, tilt), skin tone (the tone mask's gain, :func:`.face.skin_tone_gain`),
white balance and brightness, heart rate, pulse morphology (sharp finger-PPG-like
to smooth, :func:`..ppg_model.blend_morphology`), heart-rate variability and
breathing, pulse amplitude, head motion (slow walks, talking / nodding
episodes, head turns: :mod:`.motion`), lighting (drift, colour drift, a warm key
lamp, in-band gain hunting / flicker: :mod:`.scene`), sensor noise, MJPG
quality, frame rate and resolution (4:3). The factors become a
:class:`.params.RecordingPlan` whose ranges are single values, rendered and
written by :func:`.write.write_recording` in the UBFC-rPPG DATASET_2 layout::

    manifest.json               parameters, and per recording its factors and truth (written last)
    subjectK/vid.avi            K = 1..n_recordings
    subjectK/ground_truth.txt
    subjectK/beat_times.txt     the true beat onsets (s), which the UBFC loader reads beside the layout
    truth/corpus-subjectK.npz   SceneTruth (:func:`.render.read_scene_truth`)

so :func:`..ubfc.load_ubfc` (and training on ``ubfc``) read it as is.
Command line: ``python -m rppg_bench.datasets.synthetic.corpus --out DIR --n 8 --seed 0 --duration 10``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import DatasetError
from ..ppg_model import (
    HeartRateVariability,
    PulseMorphology,
    Respiration,
    blend_morphology,
    random_morphology,
)
from ..ppg_recordings import (
    CleanStretch,
    heartpy_data,
    heartpy_stretches,
)
from ..ubfc import BEAT_TIMES
from ..writers import write_beat_times
from .face import Appearance, skin_tone_gain
from .identities import (
    FACE_SETS,
    HELD_OUT_IDENTITIES,
    IDENTITIES,
    TRAINING_IDENTITIES,
    identity_photo,
    warp_photo,
)
from .params import (
    GENERATOR_VERSION,
    Difficulty,
    PulseSpec,
    RecordedSource,
    RecordingPlan,
    SyntheticParams,
)
from .scene import Scene
from .write import MANIFEST, read_manifest, write_recording

Range = tuple[float, float]


@dataclass(frozen=True)
class CorpusParams:
    """A corpus: ``n_recordings`` of ``duration`` s, seeded by ``seed``, and the (low, high)
    range every factor is drawn from, uniformly.

    Look: ``identities`` (drawn with equal chance), ``warp`` (largest displacement of
    the photo's warp, fraction of its short side), ``mirror_probability``,
    ``face_width`` (fraction of the frame width), ``face_centre_x`` /
    ``face_centre_y`` (fractions of the frame), ``tilt_deg``, ``skin_tone`` (0 the
    photo's, 1 dark brown), ``white_balance`` (per-channel gain), ``brightness``.
    Pulse: ``hr_bpm``, ``pulse_smoothness`` (0 sharp, 1 smooth), ``wander_bpm``,
    ``rsa_bpm``, ``rr_jitter`` (relative sd), ``amplitude_jitter``,
    ``respiration_hz``, ``breathing_modulation`` / ``breathing_baseline``
    (:class:`..ppg_model.Respiration`), ``pulse_amplitude`` (green, peak to peak,
    relative). Motion and light: the :class:`.params.Difficulty` fields of the
    same names. Camera: ``noise_sd`` (levels), ``mjpg_quality``, ``fps`` (Hz,
    integers), ``width`` (px, multiples of 16; height 3/4 of it). ``recorded_pulse_share``: the
    chance that a recording's beats are an excerpt of a real finger-PPG recording
    (:mod:`..ppg_recordings`, needs heartpy) instead of the parametric model's, played at its
    drawn ``hr_bpm`` (its HRV and amplitude jitter are then the recording's own, and
    ``pulse_smoothness`` low-passes it from finger-sharp toward a facial pulse's smooth shape).
    """

    seed: int = 0
    n_recordings: int = 8
    duration: float = 10.0
    identities: tuple[str, ...] = TRAINING_IDENTITIES
    warp: Range = (0.0, 0.03)
    mirror_probability: float = 0.5
    face_width: Range = (0.2, 0.45)
    face_centre_x: Range = (0.38, 0.62)
    face_centre_y: Range = (0.36, 0.54)
    tilt_deg: Range = (-8.0, 8.0)
    skin_tone: Range = (0.0, 0.9)
    white_balance: Range = (0.88, 1.12)
    brightness: Range = (0.6, 1.15)
    hr_bpm: Range = (40.0, 180.0)
    pulse_smoothness: Range = (0.0, 1.0)
    wander_bpm: Range = (0.0, 6.0)
    rsa_bpm: Range = (0.0, 4.0)
    rr_jitter: Range = (0.0, 0.05)
    amplitude_jitter: Range = (0.0, 0.08)
    respiration_hz: Range = (0.1, 0.5)
    breathing_modulation: Range = (0.0, 0.15)
    breathing_baseline: Range = (0.0, 0.15)
    pulse_amplitude: Range = (0.003, 0.02)
    translation_px: Range = (0.0, 10.0)
    rotation_deg: Range = (0.0, 6.0)
    yaw_deg: Range = (0.0, 4.0)
    scale_range: Range = (0.0, 0.05)
    episode_fraction: Range = (0.0, 0.6)
    episode_hz: Range = (0.7, 3.0)
    episode_px: Range = (0.1, 0.6)
    episode_deg: Range = (0.05, 0.25)
    head_turns_per_min: Range = (0.0, 9.0)
    turn_deg: Range = (2.0, 6.0)
    brightness_range: Range = (0.0, 0.2)
    colour_drift: Range = (0.0, 0.06)
    key_share: Range = (0.0, 0.5)
    key_azimuth_deg: Range = (15.0, 60.0)
    lamp_distance: Range = (3.0, 9.0)
    gain_hunting: Range = (0.0, 0.02)
    gain_hunting_hz: Range = (0.7, 3.0)
    noise_sd: Range = (0.5, 5.0)
    mjpg_quality: Range = (20, 90)
    fps: Range = (25, 60)
    width: Range = (320, 640)
    recorded_pulse_share: float = 0.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "identities", tuple(self.identities))
        unknown = [name for name in self.identities if name not in IDENTITIES]
        if unknown or not self.identities:
            raise ValueError(f"identities must be some of {list(IDENTITIES)}, got {list(self.identities)}")
        if self.n_recordings < 1 or self.duration * self.fps[0] < 2:
            raise ValueError(f"need at least one recording of at least 2 frames, got {self}")
        if not 0.0 <= self.recorded_pulse_share <= 1.0:
            raise ValueError(f"recorded_pulse_share must be in [0, 1], got {self.recorded_pulse_share}")

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready parameters (as in the manifest); ``recorded_pulse_share`` only when not 0, so a
        corpus without recorded pulses has the manifest it had before they existed."""
        out = json.loads(json.dumps(dataclasses.asdict(self)))
        if not self.recorded_pulse_share:
            del out["recorded_pulse_share"]
        return out


def draw_factors(params: CorpusParams, index: int) -> dict[str, Any]:
    """Every factor of recording ``index`` (0-based), JSON-ready, drawn from the generator
    seeded by ``(params.seed, index)``; ``render_seed`` seeds the rest of its rendering."""
    rng = np.random.default_rng(np.random.SeedSequence([int(params.seed), int(index)]))
    p = params

    def u(r: Range) -> float:
        return float(rng.uniform(*r))

    out: dict[str, Any] = {
        "identity": p.identities[int(rng.integers(len(p.identities)))],
        "mirrored": bool(rng.random() < p.mirror_probability),
        "face_width": u(p.face_width), "face_centre": [u(p.face_centre_x), u(p.face_centre_y)],
        "tilt_deg": u(p.tilt_deg), "skin_tone": u(p.skin_tone),
        "white_balance": [u(p.white_balance) for _ in range(3)], "brightness": u(p.brightness),
        "hr_bpm": u(p.hr_bpm), "pulse_smoothness": u(p.pulse_smoothness),
    }
    out["morphology"] = dataclasses.asdict(blend_morphology(random_morphology(rng), out["pulse_smoothness"]))
    for name in ("wander_bpm", "rsa_bpm", "rr_jitter", "amplitude_jitter", "respiration_hz",
                 "breathing_modulation", "breathing_baseline", "pulse_amplitude", "translation_px",
                 "rotation_deg", "yaw_deg", "scale_range", "episode_fraction", "episode_hz", "episode_px",
                 "episode_deg", "head_turns_per_min", "turn_deg", "brightness_range", "colour_drift",
                 "key_share", "key_azimuth_deg", "lamp_distance", "gain_hunting", "gain_hunting_hz",
                 "noise_sd"):
        out[name] = u(getattr(p, name))
    out["mjpg_quality"] = int(rng.integers(p.mjpg_quality[0], p.mjpg_quality[1] + 1))
    out["fps"] = int(rng.integers(p.fps[0], p.fps[1] + 1))
    width = 16 * int(rng.integers(int(p.width[0]) // 16, int(p.width[1]) // 16 + 1))
    out["size"] = [width, width * 3 // 4]
    out["render_seed"] = int(rng.integers(2**32))
    out["warp"] = u(p.warp)
    out["warp_seed"] = int(rng.integers(2**32))
    if p.recorded_pulse_share > 0:  # drawn last, so corpora without recorded pulses stay as they were
        out["pulse_source"] = "recorded" if rng.random() < p.recorded_pulse_share else "model"
        out["recording_draw"] = float(rng.random())
    return out


def identities_drawn(params: CorpusParams) -> set[str]:
    """The identities the corpus of ``params`` draws (:func:`draw_factors` of each recording), without
    rendering it."""
    return {draw_factors(params, i)["identity"] for i in range(params.n_recordings)}


def recorded_params(manifest: dict[str, Any]) -> CorpusParams:
    """The :class:`CorpusParams` of a read ``manifest.json`` (its ``params``)."""
    return CorpusParams(**{k: tuple(v) if isinstance(v, list) else v for k, v in manifest["params"].items()})


def faces_drawn_by(corpus: str | Path) -> set[str]:
    """The identities the corpus in folder ``corpus`` (or of its ``manifest.json``) drew: those its
    recordings record, or, in a manifest holding only ``params``, :func:`identities_drawn` of them.
    ``ValueError`` naming the manifest when it cannot be read or names neither."""
    path = Path(corpus)
    root = path.parent if path.name == MANIFEST else path
    try:
        manifest = read_manifest(root)
        recordings = manifest.get("recordings")
        if recordings:
            return {r["factors"]["identity"] for r in recordings}
        return identities_drawn(recorded_params(manifest))
    except (DatasetError, AttributeError, KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"{root / MANIFEST}: not a corpus manifest with its faces or parameters ({exc})") from exc


def beats_in_video(truth: Path) -> np.ndarray:
    """The true beat onsets (s) of a truth file within its video's span (the parametric pulse's beat
    feet, a recorded pulse's upstroke marks); only those two arrays of the file are read."""
    with np.load(truth) as data:
        onsets, frame_times = data["beat_onsets"], data["frame_times"]
    return onsets[(onsets >= frame_times[0]) & (onsets <= frame_times[-1])]


def recording_scene(factors: dict[str, Any], photos: dict[str, np.ndarray]) -> tuple[Scene, float]:
    """The scene of one recording: its identity's photo (from ``photos``) warped by its factors,
    and the warp strength used. When FaceMesh finds no face in the warped photo (a strong warp
    of a profile face), the same field is tried at half the strength, then not at all."""
    photo = photos[factors["identity"]]
    strength = float(factors.get("warp", 0.0))
    for tried in (strength, strength / 2) if strength > 0 else ():
        warped = warp_photo(photo, np.random.default_rng(factors.get("warp_seed", 0)), strength=tried)
        try:
            return Scene.from_photo(warped), tried
        except RuntimeError:  # FaceMesh found no face in the warped photo
            continue
    return Scene.from_photo(photo), 0.0


def _fixed(value: float) -> tuple[float, float]:
    return (float(value), float(value))


def recording_plan(index: int, factors: dict[str, Any], duration: float,
                   stretches: Sequence[CleanStretch] = ()) -> tuple[RecordingPlan, SyntheticParams]:
    """The renderer's plan and (per-recording) parameters for ``factors`` of recording ``index``;
    a recorded pulse is played from ``stretches`` (:func:`..ppg_recordings.clean_stretches`)."""
    f = factors
    level = Difficulty(**{name: _fixed(f[name]) for name in (
        "pulse_amplitude", "noise_sd", "translation_px", "rotation_deg", "yaw_deg", "scale_range",
        "episode_fraction", "episode_hz", "episode_px", "episode_deg", "head_turns_per_min", "turn_deg",
        "brightness_range", "colour_drift", "key_share", "key_azimuth_deg", "lamp_distance",
        "gain_hunting", "gain_hunting_hz")}, mjpg_quality=int(f["mjpg_quality"]))
    look = Appearance(skin_gain=tuple(float(v) for v in skin_tone_gain(f["skin_tone"])),
                      white_balance=tuple(f["white_balance"]), brightness=f["brightness"],
                      face_width=f["face_width"], face_centre=tuple(f["face_centre"]),
                      tilt_deg=f["tilt_deg"], flip=f["mirrored"])
    pulse = PulseSpec(
        hr_bpm=f["hr_bpm"],
        variability=HeartRateVariability(wander_bpm=f["wander_bpm"], rsa_bpm=f["rsa_bpm"],
                                         rr_jitter=f["rr_jitter"], amplitude_jitter=f["amplitude_jitter"]),
        morphology=PulseMorphology(**f["morphology"]),
        respiration=Respiration(rate_hz=f["respiration_hz"], amplitude_modulation=f["breathing_modulation"],
                                baseline=f["breathing_baseline"]),
        recorded=RecordedSource(f["recording_draw"], tuple(stretches), f["pulse_smoothness"])
        if f.get("pulse_source") == "recorded" else None)
    if pulse.recorded is not None and not stretches:
        raise ValueError(f"recording {index + 1} has a recorded pulse but no recorded stretches were given")
    k = index + 1
    plan = RecordingPlan(name=f"corpus-subject{k}", condition="corpus", layout="ubfc", folder=f"subject{k}",
                         subject=f"{k:02d}", seed=f["render_seed"], level=level, look=look, pulse=pulse)
    settings = SyntheticParams(seed=f["render_seed"], n_easy=1, n_hard=0, duration=duration,
                               fps=f["fps"], size=tuple(f["size"]))
    return plan, settings


def generate_corpus(out_dir: str | Path, params: CorpusParams = CorpusParams(), *,
                    jobs: int | None = None) -> Path:
    """Render the corpus of ``params`` into ``out_dir`` (created); returns ``out_dir``.

    ``manifest.json`` (written last) holds the parameters and, per recording, its
    ``factors`` (:func:`draw_factors`) and the renderer's manifest entry. ``jobs``
    threads render recordings in parallel (default: up to 2); the files do not depend on it.
    """
    root = Path(out_dir)
    (root / "truth").mkdir(parents=True, exist_ok=True)
    factors = [draw_factors(params, i) for i in range(params.n_recordings)]
    photos = {name: identity_photo(name) for name in sorted({f["identity"] for f in factors})}
    stretches = heartpy_stretches() if any(f.get("pulse_source") == "recorded" for f in factors) else ()

    def write(index: int) -> dict[str, Any]:
        plan, settings = recording_plan(index, factors[index], params.duration, stretches)
        scene, warp = recording_scene(factors[index], photos)
        entry = write_recording(root, plan, settings, scene)
        write_beat_times(root / plan.folder / BEAT_TIMES, beats_in_video(root / entry["truth"]))
        return {"index": index, "factors": factors[index], "warp_applied": warp, **entry}

    with ThreadPoolExecutor(max_workers=jobs or min(2, os.cpu_count() or 1)) as pool:
        entries = list(pool.map(write, range(params.n_recordings)))
    manifest = {"generator": __name__, "version": GENERATOR_VERSION, "params": params.as_dict(),
                "recordings": entries}
    (root / MANIFEST).write_text(json.dumps(manifest, indent=2))
    return root


#: the factors of :class:`CorpusParams` drawn from a (low, high) range (the command's ``--range``)
RANGE_FACTORS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(CorpusParams) if f.type == "Range")


def factor_ranges(triples: Sequence[Sequence[str]]) -> dict[str, Range]:
    """``{factor: (low, high)}`` from ``(FACTOR, LOW, HIGH)`` triples of strings (the command's
    ``--range``; whole numbers for the factors drawn as integers). ``ValueError`` naming the triple
    when the factor is not one of :data:`RANGE_FACTORS`, a bound is not a number, low exceeds high
    or a factor is given twice."""
    out: dict[str, Range] = {}
    for name, low, high in triples:
        if name not in RANGE_FACTORS:
            raise ValueError(f"--range {name}: not a factor drawn from a range; one of {', '.join(RANGE_FACTORS)}")
        if name in out:
            raise ValueError(f"--range {name} given twice")
        try:
            lo, hi = float(low), float(high)
        except ValueError:
            raise ValueError(f"--range {name} {low} {high}: the bounds must be numbers") from None
        if not (np.isfinite(lo) and np.isfinite(hi) and lo <= hi):
            raise ValueError(f"--range {name} {low} {high}: need finite bounds, low <= high")
        if isinstance(getattr(CorpusParams, name)[0], int):  # drawn as integers (fps, width, mjpg_quality)
            if not (lo.is_integer() and hi.is_integer()):
                raise ValueError(f"--range {name} {low} {high}: the bounds must be whole numbers")
            lo, hi = int(lo), int(hi)
        out[name] = (lo, hi)
    return out


def corpus_main(argv: Sequence[str] | None = None) -> Path:
    """Command line: ``--out DIR --n 8 --seed 0 --duration 10 [--jobs J]``; prints the folder,
    its size and the time taken."""
    parser = argparse.ArgumentParser(prog="python -m rppg_bench.datasets.synthetic.corpus",
                                     description="Render a domain-randomised training corpus (UBFC layout).")
    parser.add_argument("--out", required=True, type=Path, help="folder to write (created)")
    parser.add_argument("--n", type=int, default=8, help="number of recordings")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per recording")
    parser.add_argument("--jobs", type=int, default=None, help="render threads (default: up to 2)")
    parser.add_argument("--faces", choices=list(FACE_SETS), default="training",
                        help=f"the identities drawn from (default: training, {', '.join(TRAINING_IDENTITIES)}; "
                             f"lfw: {len(FACE_SETS['lfw'])} small faces of Labeled Faces in the Wild)")
    parser.add_argument("--held-out", action="store_true",
                        help=f"faces held out of training ({', '.join(HELD_OUT_IDENTITIES)}): --faces held-out")
    parser.add_argument("--recorded-pulses", type=float, default=0.0, metavar="SHARE",
                        help="share of recordings (0-1) whose beats are excerpts of the real finger-PPG "
                             "recordings heartpy ships, played at the drawn heart rate (default 0: "
                             "every pulse from the parametric model); needs heartpy")
    parser.add_argument("--exclude-drawn-by", type=Path, nargs="+", default=[], metavar="MANIFEST",
                        help="leave out the faces other corpora drew (as their manifest.json records; the "
                             "file or its folder; one or more): a validation or test corpus of faces a "
                             "model trained on those corpora never saw, or a training corpus that keeps "
                             "them unseen")
    parser.add_argument("--range", nargs=3, action="append", default=[], metavar=("FACTOR", "LOW", "HIGH"),
                        help="draw FACTOR (a range of CorpusParams, e.g. noise_sd, hr_bpm) from LOW-HIGH "
                             "instead of its default range; repeatable; recorded in the manifest")
    args = parser.parse_args(argv)
    try:
        ranges = factor_ranges(args.range)
    except ValueError as exc:
        parser.error(str(exc))
    if args.held_out and args.faces not in ("training", "held-out"):
        parser.error(f"--held-out and --faces {args.faces} contradict each other")
    start = time.perf_counter()
    faces = FACE_SETS["held-out" if args.held_out else args.faces]
    seen: set[str] = set()
    for manifest in args.exclude_drawn_by:
        try:
            seen |= faces_drawn_by(manifest)
        except ValueError as exc:
            parser.error(str(exc))
    faces = tuple(name for name in faces if name not in seen)
    if not faces:
        named = " ".join(str(m) for m in args.exclude_drawn_by)
        parser.error(f"every face of --faces {args.faces} was drawn by {named}")
    if not 0.0 <= args.recorded_pulses <= 1.0:
        parser.error(f"--recorded-pulses must be in [0, 1], got {args.recorded_pulses}")
    if args.recorded_pulses > 0 and heartpy_data() is None:
        parser.error("--recorded-pulses needs heartpy, which ships the recordings: pip install 'heartpy>=1.2.7,<2'")
    root = generate_corpus(args.out, CorpusParams(seed=args.seed, n_recordings=args.n, duration=args.duration,
                                                  identities=faces, recorded_pulse_share=args.recorded_pulses,
                                                  **ranges),
                           jobs=args.jobs)
    size = sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
    print(f"{root}: {args.n} recordings, {size / 1e6:.1f} MB in {time.perf_counter() - start:.1f} s")
    return root


if __name__ == "__main__":
    corpus_main()
