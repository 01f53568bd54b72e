"""The synthetic default dataset: a real face photo with a known pulse, no download.

Generated on first use into a cache (deterministic for a seed), written in the
real UBFC-rPPG DATASET_2 and PURE layouts and read back by their loaders.
The stages, one module each: :mod:`.params` (parameters, the conditions'
ranges, the recordings' plan), :mod:`.face` (photo, landmarks, skin masks,
subject look), :mod:`.motion` (head motion), :mod:`.scene` (photo and masks,
lamps, light drift), :mod:`.render` (frames and their ``SceneTruth``),
:mod:`.draw` (everything random about a recording), :mod:`.write` (a set on
disk); this module generates a set into the cache on first use and loads it.

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
    white-balanced to the mix (:class:`.scene.Lighting`). The lamp's irradiance falls
    with the square of the distance across the frame, so the face's brightness
    changes as the head moves through it, and it follows the face's turn (yaw)
    by Lambert's cosine law. As key and fill differ in colour, these changes are
    partly chromatic: CHROM/POS do not cancel them completely.
  * *Head motion.* Slow random walks (translation +-3-8 px at 320 px width,
    roll +-2-5 deg, yaw +-1-3 deg seen as foreshortening and a sideways shift,
    zoom +-2-4 % from leaning toward or away from the camera), plus talking /
    nodding *episodes* (:func:`.motion.motion_episodes`): rhythmic motion at 1-2.5 Hz,
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
  on every pixel (:meth:`.render.SceneTruth.illumination`).

Layout under the set's folder::

    manifest.json               parameters and per-recording truth (written last)
    ubfc/subjectK/vid.avi       easy subjects 1..n_easy and the first hard ones
    ubfc/subjectK/ground_truth.txt
    pure/KK-03/KK-03.json       the last ``n_pure`` hard subjects (setup 03)
    pure/KK-03/KK-03/Image<ns>.png
    truth/<name>.npz            skin mask, per-frame affine, light, PPG, HR, respiration, beat onsets (SceneTruth)

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
import os
import shutil
import tempfile
import time
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from ...cache import default_cache_dir
from ..errors import DatasetError, RecordingError
from ..recording import Recording
from .params import (
    BVP_SIGNATURE,
    DIFFICULTIES,
    GENERATOR_VERSION,
    HARD_SCENARIOS,
    Difficulty,
    SyntheticParams,
)
from .render import SceneTruth, read_scene_truth
from .write import MANIFEST, generate_synthetic, read_manifest

#: the on-disk layout, in one line (``--list``)
LAYOUT = ("synthetic: generated on first use into the cache (UBFC-rPPG and PURE layouts, read back by "
          "those loaders); no root needed")

__all__ = [
    "BVP_SIGNATURE",
    "DIFFICULTIES",
    "GENERATOR_VERSION",
    "HARD_SCENARIOS",
    "Difficulty",
    "SceneTruth",
    "SyntheticParams",
    "ensure_generated",
    "generate_synthetic",
    "load_synthetic",
    "read_scene_truth",
    "synthetic_dir",
]


def synthetic_dir(params: SyntheticParams, cache_dir: Path | None = None) -> Path:
    """Where the set for ``params`` lives in the cache: ``<cache>/synthetic/<key>``."""
    return (cache_dir or default_cache_dir()) / "synthetic" / params.key()


def _is_complete(folder: Path) -> bool:
    return (folder / MANIFEST).is_file()


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
        raise DatasetError(f"synthetic: {target} is neither a synthetic set (no {MANIFEST}) nor empty")
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(target.parent, target.name)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    try:
        generate_synthetic(tmp, seed=params.seed, n_easy=params.n_easy, n_hard=params.n_hard,
                           duration=params.duration, fps=params.fps, size=params.size,
                           n_pure=params.n_pure, rsa_bpm=params.rsa_bpm,
                           breathing_modulation=params.breathing_modulation, jobs=jobs)
        try:
            os.replace(tmp, target)  # fails if another run filled target first
        except OSError:
            if not _is_complete(target):
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return target


def truth_annotations(path: Path) -> tuple[np.ndarray | None, np.ndarray | None, np.ndarray | None, str | None]:
    """``(respiration, its times s, beat onsets s, None)`` from a truth file (both written since
    generator version 4), or ``(None, None, None, reason)`` when it has none or cannot be read."""
    try:
        with np.load(path) as data:
            if "respiration" not in data.files:
                return None, None, None, f"{path.name} holds no respiration (generated before version 4)"
            return (np.asarray(data["respiration"], float), np.asarray(data["frame_times"], float),
                    np.asarray(data["beat_onsets"], float), None)
    except (OSError, ValueError, KeyError) as exc:
        return None, None, None, f"cannot read {path}: {exc}"


def as_synthetic(item: Recording | RecordingError, root: Path,
                 by_folder: Mapping[str, dict]) -> Recording | RecordingError:
    """A loaded UBFC/PURE recording renamed and annotated from its manifest entry, with the
    respiration and true beats of its truth file (:func:`truth_annotations`; the beats are the beat
    reference under ``--hr-source dataset``; the reason in ``meta["respiration_dropped"]`` when there
    are none)."""
    if isinstance(item, RecordingError):
        return item
    try:
        parts = item.path.resolve().relative_to(root.resolve()).parts
    except ValueError:
        parts = ()
    entry = by_folder.get("/".join(parts[:2]))  # e.g. "ubfc/subject1", "pure/08-03"
    if entry is None:
        return RecordingError(item.path, "not listed in the synthetic manifest")
    truth = root / entry["truth"]
    respiration, times, beats, dropped = truth_annotations(truth)
    extra = {"respiration_dropped": dropped} if dropped else {}
    return dataclasses.replace(item, name=entry["name"], dataset="synthetic",
                               condition=entry["condition"], subject=entry["subject"],
                               labels={**item.labels, "scenario": entry.get("scenario") or "none"},
                               respiration=respiration, respiration_times=times, beat_times=beats,
                               meta={**item.meta, **entry, "truth_path": str(truth), **extra})


def load_synthetic(root: str | Path | None = None, seed: int = 0, n_easy: int = 4, n_hard: int = 4,
                   duration: float = 20.0, fps: float = 30.0, size: Sequence[int] = (320, 240),
                   n_pure: int | None = None, rsa_bpm: float | None = None,
                   breathing_modulation: float | None = None,
                   jobs: int | None = None) -> list[Recording | RecordingError]:
    """The synthetic recordings, generated on first use.

    ``root``: a synthetic set's folder. Default: ``synthetic_dir(params)`` in
    the cache (:func:`default_cache_dir`). A folder holding ``manifest.json``
    is read as is (a warning names parameters that differ from those asked
    for); an absent or empty one is generated first (atomically). Read with
    :func:`load_ubfc` / :func:`load_pure`; each ``Recording`` gets
    ``dataset="synthetic"``, ``name`` (e.g. ``"easy-subject1"``), ``condition``
    (``"easy"``/``"hard"``), ``subject``, the label ``scenario`` (a hard recording's disturbance,
    :data:`HARD_SCENARIOS`, or ``"none"``: ``--where scenario=gain_hunting``, the rows'
    ``label_scenario``) and ``meta`` updated with its
    manifest entry (true mean HR, pulse amplitude, ...) plus ``meta["truth_path"]``
    (:func:`read_scene_truth`), and ``respiration`` at ``respiration_times`` (the
    breathing that modulates the pulse, at the frames). The other parameters are those of
    :func:`generate_synthetic`; ``jobs`` does not change the files.
    """
    from ..pure import load_pure
    from ..ubfc import load_ubfc

    params = SyntheticParams(seed=seed, n_easy=n_easy, n_hard=n_hard, duration=duration,
                             fps=fps, size=tuple(size), n_pure=n_pure, rsa_bpm=rsa_bpm,
                             breathing_modulation=breathing_modulation)
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
