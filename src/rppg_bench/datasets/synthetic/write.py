"""Writing a synthetic set: render each recording into the UBFC or PURE layout, then the manifest."""

from __future__ import annotations

import dataclasses
import json
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import DatasetError
from ..writers import write_pure_session, write_ubfc_subject
from .draw import draw_recording, scene_truth
from .face import base_face_image, subject_image
from .params import (
    BVP_SIGNATURE,
    GENERATOR_VERSION,
    RecordingPlan,
    SyntheticParams,
    plan_recordings,
)
from .render import jpeg_round_trip, render_frames
from .scene import Scene

#: the file naming a set's parameters and recordings, written last (a set without it is incomplete)
MANIFEST = "manifest.json"


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
        **draw.pulse.description(),
        "respiration_hz": float(draw.pulse.respiration.rate_hz),
        "breathing_modulation": float(draw.pulse.respiration.amplitude_modulation),
        "appearance": dataclasses.asdict(draw.look),
        "motion": draw.motion, "illumination": draw.light,
        "noise_sd": draw.noise_sd, "compression": compression, **clock,
        "truth": truth_path.as_posix(),
    }


def generate_synthetic(out_dir: str | Path, seed: int = 0, n_easy: int = 4, n_hard: int = 4,
                       duration: float = 20.0, fps: float = 30.0,
                       size: tuple[int, int] = (320, 240), *, n_pure: int | None = None,
                       rsa_bpm: float | None = None, breathing_modulation: float | None = None,
                       jobs: int | None = None) -> Path:
    """Write a synthetic set into ``out_dir`` (created); returns ``out_dir``.

    ``n_easy`` easy recordings and ``n_hard`` hard ones (``n_pure`` of them in
    the PURE layout, default ``min(1, n_hard // 2)``), each ``duration`` s at
    ``fps`` Hz and ``size`` (width, height) px; see the package docstring for the
    layout. ``rsa_bpm`` and ``breathing_modulation``: see :class:`SyntheticParams`.
    ``manifest.json`` is written last. ``jobs`` threads render
    recordings in parallel (default: up to 2); the files do not depend on it.
    """
    params = SyntheticParams(seed=seed, n_easy=n_easy, n_hard=n_hard, duration=duration,
                             fps=fps, size=tuple(size), n_pure=n_pure, rsa_bpm=rsa_bpm,
                             breathing_modulation=breathing_modulation)
    root = Path(out_dir)
    (root / "truth").mkdir(parents=True, exist_ok=True)
    scene = Scene.from_photo(base_face_image())
    plans = plan_recordings(params)
    jobs = jobs or min(2, os.cpu_count() or 1)
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        entries = list(pool.map(lambda plan: write_recording(root, plan, params, scene), plans))
    manifest = {  # "generator": the package, rppg_bench.datasets.synthetic
        "generator": __package__, "version": GENERATOR_VERSION, "key": params.key(),
        "params": params.as_dict(), "photo": "skimage.data.astronaut()",
        "recordings": entries,
    }
    (root / MANIFEST).write_text(json.dumps(manifest, indent=2))
    return root


def read_manifest(root: Path) -> dict[str, Any]:
    """The ``manifest.json`` of a synthetic set."""
    try:
        return json.loads((root / MANIFEST).read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise DatasetError(f"synthetic: cannot read {root / MANIFEST}: {exc}") from exc
